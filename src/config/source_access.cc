#include "config/source_access.h"

#include "config/secret.h"
#include "sources/builtin/builtin.h"

namespace tidemark {
namespace {

bool HasPassword(const SourceConfig& s) {
  return !s.password_file.empty() || !s.password_command.empty();
}

Status BindPassword(const SourceConfig& s, SourceRef* ref) {
  SecretProvider password = CachedSecret(s.password_file, s.password_command,
                                         "database password of source '" + s.name + "'");
  TM_ASSIGN_OR_RETURN(ref->owned, ref->connector->WithPassword(std::move(password)));
  ref->connector = ref->owned.get();
  return Status::OK();
}

// The recorded form of a URI ("scheme:" + Connector::Canonical), or "".
std::string RecordedForm(const std::string& uri) {
  Result<SourceRef> ref = BuiltinConnectors().Resolve(uri);
  if (!ref.ok()) return "";
  return std::string(ref->connector->scheme()) + ":" + ref->connector->Canonical(ref->location);
}

}  // namespace

Result<SourceRef> ResolveSource(const SourceConfig& source) {
  TM_ASSIGN_OR_RETURN(SourceRef ref, BuiltinConnectors().Resolve(source.uri));
  if (HasPassword(source)) TM_RETURN_IF_ERROR(BindPassword(source, &ref));
  return ref;
}

Result<SourceRef> ResolveSource(const ConfigFile& cfg, const std::string& uri) {
  TM_ASSIGN_OR_RETURN(SourceRef ref, BuiltinConnectors().Resolve(uri));
  const std::string want = RecordedForm(uri);
  for (const SourceConfig& s : cfg.sources) {
    if (HasPassword(s) && !want.empty() && RecordedForm(s.uri) == want) {
      TM_RETURN_IF_ERROR(BindPassword(s, &ref));
      break;
    }
  }
  return ref;
}

}  // namespace tidemark
