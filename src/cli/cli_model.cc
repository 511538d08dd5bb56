#include "cli/cli_model.h"

#include <CLI/CLI.hpp>

namespace tidemark::cli {
namespace {

// "TEXT:{csv,ndjson}" -> {"csv", "ndjson"}: the set CLI::IsMember prints.
std::vector<std::string> ChoicesOf(const std::string& type_name) {
  std::vector<std::string> out;
  const size_t open = type_name.find(":{"), close = type_name.rfind('}');
  if (open == std::string::npos || close == std::string::npos || close < open) return out;
  std::string item;
  for (char c : type_name.substr(open + 2, close - open - 2)) {
    if (c == ',') {
      out.push_back(item);
      item.clear();
    } else {
      item += c;
    }
  }
  if (!item.empty()) out.push_back(item);
  return out;
}

OptionModel OptionOf(const CLI::Option& o) {
  OptionModel m;
  for (const std::string& s : o.get_snames()) m.names.push_back("-" + s);
  for (const std::string& l : o.get_lnames()) m.names.push_back("--" + l);
  if (o.get_type_size() != 0) {
    m.value = o.get_type_name();
    m.choices = ChoicesOf(m.value);
    if (!m.choices.empty()) m.value = m.value.substr(0, m.value.find(":{"));
  }
  m.description = o.get_description();
  m.env = o.get_envname();
  m.default_value = o.get_default_str();
  m.required = o.get_required();
  m.repeatable = o.get_items_expected_max() > 1;
  return m;
}

void Fill(const CLI::App& app, std::vector<std::string> path, CommandModel* m) {
  m->path = std::move(path);
  m->description = app.get_description();
  m->subcommand_required = app.get_require_subcommand_min() > 0;
  for (const CLI::Option* o : app.get_options()) {
    if (o->get_group().empty()) continue;  // hidden
    if (o->nonpositional()) {
      m->options.push_back(OptionOf(*o));
    } else {
      PositionalModel p;
      p.name = o->get_name(true);
      p.description = o->get_description();
      p.required = o->get_required();
      p.repeatable = o->get_items_expected_max() > 1;
      m->positionals.push_back(p);
    }
  }
  for (const CLI::App* sub : app.get_subcommands([](const CLI::App*) { return true; })) {
    if (sub->get_group().empty() || sub->get_name().empty()) continue;  // hidden, option group
    CommandModel child;
    std::vector<std::string> child_path = m->path;
    child_path.push_back(sub->get_name());
    Fill(*sub, std::move(child_path), &child);
    m->subcommands.push_back(std::move(child));
  }
}

}  // namespace

std::string CommandModel::FullName() const {
  std::string s = "tidemark";
  for (const std::string& p : path) s += " " + p;
  return s;
}

CommandModel ModelOf(const CLI::App& app) {
  CommandModel m;
  Fill(app, {}, &m);
  return m;
}

}  // namespace tidemark::cli
