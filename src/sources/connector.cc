#include "sources/connector.h"

#include <cctype>

namespace tidemark {

Result<std::shared_ptr<const Connector>> Connector::WithPassword(SecretProvider) const {
  return Status::InvalidArgument(std::string(scheme()) +
                                 ": sources take no password (password_file, password_command)");
}

std::string SourceRef::uri() const {
  return connector == nullptr ? location : std::string(connector->scheme()) + ":" + location;
}

void ConnectorRegistry::Register(std::unique_ptr<Connector> c) {
  connectors_.push_back(std::move(c));
}

const Connector* ConnectorRegistry::Find(std::string_view scheme) const {
  for (const auto& c : connectors_) {
    if (c->scheme() == scheme) return c.get();
  }
  return nullptr;
}

std::vector<std::string> ConnectorRegistry::Schemes() const {
  std::vector<std::string> out;
  for (const auto& c : connectors_) out.emplace_back(c->scheme());
  return out;
}

Result<std::string> Connector::CreateScratch(const ScratchRequest&) const {
  return Status::Unsupported("a drill cannot make a scratch copy of a " + std::string(scheme()) +
                             ": source");
}

Status Connector::DropScratch(const std::string&) const { return Status::OK(); }

Result<SourceRef> ConnectorRegistry::Resolve(const std::string& uri) const {
  const std::string_view scheme = UriScheme(uri);
  const Connector* c = scheme.empty() ? nullptr : Find(scheme);
  if (c != nullptr && uri.size() > scheme.size() + 1) {
    return SourceRef{c, uri.substr(scheme.size() + 1), nullptr};
  }
  std::string kinds;
  for (const auto& k : connectors_) {
    kinds += std::string(kinds.empty() ? "" : ", ") + std::string(k->scheme()) + ":" +
             std::string(k->location_help());
  }
  return Status::InvalidArgument("source '" + uri + "' is not supported; give " +
                                 (kinds.empty() ? "a source URI" : kinds));
}

std::string_view UriScheme(std::string_view uri) {
  const size_t colon = uri.find(':');
  if (colon == std::string_view::npos || colon == 0) return {};
  if (!std::isalpha(static_cast<unsigned char>(uri[0]))) return {};
  for (size_t i = 1; i < colon; i++) {
    const unsigned char c = static_cast<unsigned char>(uri[i]);
    if (!std::isalnum(c) && c != '+' && c != '-' && c != '.') return {};
  }
  return uri.substr(0, colon);
}

}  // namespace tidemark
