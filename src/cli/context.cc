#include "cli/context.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>

#include "base/progress.h"
#include "cli/s3_access.h"
#include "ledger/action_log.h"
#include "storage/local_backend.h"

namespace tidemark::cli {

static std::string Env(const char* name) {
  const char* v = getenv(name);
  return v ? v : "";
}

void KdfFlags::Add(CLI::App* cmd) {
  cmd->add_option("--kdf-iterations", iterations, "Argon2id passes (1-100)")
      ->check(CLI::Range(1, 100))
      ->group("Key derivation");
  cmd->add_option("--kdf-memory", memory_kib, "Argon2id memory in KiB (8-4194304)")
      ->check(CLI::Range(8, 4 * 1024 * 1024))
      ->group("Key derivation");
}

Result<const ConfigFile*> Context::Config() {
  if (!config_loaded_) {
    config_loaded_ = true;
    const std::string path = ChooseConfigPath(opts.config);
    config_ = path.empty() ? Result<ConfigFile>(ConfigFile{}) : LoadConfig(path);
    if (config_.ok()) ApplyRepositoryDefaults(*config_);
  }
  if (!config_.ok()) return config_.status();
  return &*config_;
}

bool Context::PasswordGiven() const {
  return !opts.password_file.empty() || !opts.password_command.empty() ||
         getenv("TIDEMARK_PASSWORD_FILE") || getenv("TIDEMARK_PASSWORD_COMMAND") ||
         getenv("TIDEMARK_PASSWORD");
}

void Context::ApplyRepositoryDefaults(const ConfigFile& cfg) {
  if (opts.repo.empty()) opts.repo = cfg.repository.location;
  if (!PasswordGiven()) {
    opts.password_file = cfg.repository.password_file;
    opts.password_command = cfg.repository.password_command;
  }
}

// tidemark.toml is read only when a flag or the environment leaves the
// repository or the password unnamed: a command given both never reads it
// (unless the command needs the catalog itself), so a broken file cannot
// stop it (docs/guide/config.md).
Result<std::string> Context::RepositoryLocation() {
  if (opts.repo.empty() || !PasswordGiven()) TM_RETURN_IF_ERROR(Config().status());
  std::string location = opts.repo;
  if (location.empty()) {
    return Status::InvalidArgument(
        "no repository given: use -r/--repo PATH, set TIDEMARK_REPOSITORY, or write "
        "[repository] location in tidemark.toml (docs/guide/config.md)");
  }
  return location;
}

Result<std::string> Context::RepositoryFolder() {
  TM_ASSIGN_OR_RETURN(std::string location, RepositoryLocation());
  if (location.rfind("local:", 0) == 0) return location.substr(6);
  if (IsS3Location(location)) {
    return Status::InvalidArgument("repository " + location + " is in S3, not a folder");
  }
  // A scheme ("s3:", "sftp:", "https:") names a backend not built yet.
  const size_t colon = location.find(':');
  const bool scheme =
      colon != std::string::npos && colon >= 2 &&
      std::all_of(location.begin(), location.begin() + colon, [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
      });
  if (scheme || location.find("://") != std::string::npos) {
    return Status::InvalidArgument("repository " + location +
                                   ": unknown kind of location; give a folder path (local:PATH "
                                   "for one whose name has a colon) or "
                                   "s3:https://HOST[:PORT]/BUCKET[/PREFIX]");
  }
  return location;
}

Result<std::unique_ptr<Backend>> Context::OpenBackendAt(const std::string& location) {
  if (IsS3Location(location)) {
    TM_ASSIGN_OR_RETURN(const ConfigFile* cfg, Config());
    return OpenS3Backend(location, cfg->repository.s3, opts.s3_allow_http);
  }
  const std::string saved = opts.repo;
  opts.repo = location;
  Result<std::string> folder = RepositoryFolder();
  opts.repo = saved;
  if (!folder.ok()) return folder.status();
  TM_ASSIGN_OR_RETURN(auto backend, LocalBackend::Open(*folder));
  return std::unique_ptr<Backend>(std::move(backend));
}

Result<Backend*> Context::OpenBackend() {
  if (backend_) return backend_.get();
  TM_ASSIGN_OR_RETURN(std::string location, RepositoryLocation());
  if (IsS3Location(location)) {
    TM_ASSIGN_OR_RETURN(backend_, OpenBackendAt(location));
    return backend_.get();
  }
  TM_ASSIGN_OR_RETURN(std::string folder, RepositoryFolder());
  TM_ASSIGN_OR_RETURN(auto backend, LocalBackend::Open(folder));
  backend_ = std::move(backend);
  return backend_.get();
}

// Order: --password-file, --password-command, TIDEMARK_PASSWORD_FILE,
// TIDEMARK_PASSWORD_COMMAND, TIDEMARK_PASSWORD, then a prompt. A flag always
// beats the environment; only the first source found is used.
PasswordSource Context::MainPassword() const {
  PasswordSource s;
  s.what = "password";
  s.hint =
      "--password-file, --password-command, TIDEMARK_PASSWORD_FILE, "
      "TIDEMARK_PASSWORD_COMMAND or TIDEMARK_PASSWORD";
  if (!opts.password_file.empty()) {
    s.file = opts.password_file;
  } else if (!opts.password_command.empty()) {
    s.command = opts.password_command;
  } else if (!Env("TIDEMARK_PASSWORD_FILE").empty()) {
    s.file = Env("TIDEMARK_PASSWORD_FILE");
  } else if (!Env("TIDEMARK_PASSWORD_COMMAND").empty()) {
    s.command = Env("TIDEMARK_PASSWORD_COMMAND");
  } else {
    s.literal = Env("TIDEMARK_PASSWORD");
  }
  return s;
}

PasswordSource Context::NewPassword(const std::string& file_flag) const {
  PasswordSource s;
  s.what = "new password";
  s.hint = "--new-password-file, TIDEMARK_NEW_PASSWORD_FILE or TIDEMARK_NEW_PASSWORD";
  s.file = !file_flag.empty() ? file_flag : Env("TIDEMARK_NEW_PASSWORD_FILE");
  if (s.file.empty()) s.literal = Env("TIDEMARK_NEW_PASSWORD");
  return s;
}

Result<Repository*> Context::OpenRepository() {
  if (repo_) return repo_.get();
  TM_ASSIGN_OR_RETURN(Backend * backend, OpenBackend());
  TM_ASSIGN_OR_RETURN(std::string password, ReadPassword(MainPassword(), false));
  TM_ASSIGN_OR_RETURN(repo_, Repository::Open(backend, password, clock()));
  return repo_.get();
}

bool Context::ShowProgress() const {
  return !opts.json && !opts.quiet && Progress::StderrIsTerminal();
}

void Context::Warn(const std::string& line) const {
  fprintf(stderr, "tidemark: warning: %s\n", line.c_str());
}

void Context::Print(const std::string& line) const {
  if (opts.json) return;
  fputs(line.c_str(), stdout);
  fputc('\n', stdout);
}

void Context::PrintJson(const JsonWriter& w) {
  if (!opts.json) return;
  json_printed_ = true;
  fputs(w.str().c_str(), stdout);
  fputc('\n', stdout);
}

std::string Context::RedactedCommandLine() const {
  std::string line = "tidemark";
  bool hide_next = false;
  for (size_t i = 1; i < argv.size(); i++) {
    std::string a = argv[i];
    if (hide_next) {
      a = "<redacted>";
      hide_next = false;
    } else if (a == "--password-command") {
      hide_next = true;
    } else if (a.rfind("--password-command=", 0) == 0) {
      a = "--password-command=<redacted>";
    }
    line += " " + a;
  }
  return line;
}

Status Context::Record(const std::string& action, const std::string& outcome,
                       std::vector<std::string> targets,
                       std::vector<std::pair<std::string, int64_t>> counts,
                       const std::string& reason) {
  return Log().Record(action, outcome, std::move(targets), std::move(counts), reason);
}

Status Context::PreflightLedger() const { return Log().Preflight(); }

ActionLog Context::Log() const { return ActionLog(repo_.get(), RedactedCommandLine()); }

}  // namespace tidemark::cli
