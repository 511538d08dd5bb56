// Context: what every command shares: global options, the opened
// repository, output in human or JSON form, and ledger entries.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/json.h"
#include "base/result.h"
#include "cli/password.h"
#include "config/config.h"
#include "ledger/action_log.h"
#include "ledger/ledger_entry.h"
#include "repo/repository.h"
#include "storage/backend.h"

namespace CLI {
class App;
}

namespace tidemark::cli {

struct GlobalOptions {
  std::string repo;  // -r/--repo, TIDEMARK_REPOSITORY
  std::string password_file;
  std::string password_command;
  std::string config;          // --config, TIDEMARK_CONFIG (docs/guide/config.md)
  bool s3_allow_http = false;  // --s3-allow-http: plain http to a non-loopback S3 host
  bool json = false;
  bool quiet = false;
  int verbose = 0;
};

// Argon2id cost flags shared by init, key add and key passwd.
struct KdfFlags {
  uint64_t iterations = 3;
  uint64_t memory_kib = 64 * 1024;
  void Add(CLI::App* cmd);
  KdfParams Params() const { return {iterations, memory_kib * 1024}; }
};

class Context {
 public:
  GlobalOptions opts;
  std::vector<std::string> argv;  // for the ledger's record of arguments

  // The command chosen on the command line, run after parsing.
  std::function<Status()> run;

  // The backend named by --repo, TIDEMARK_REPOSITORY or tidemark.toml's
  // [repository] (in that order). InvalidArgument when none names one.
  Result<Backend*> OpenBackend();
  // A backend for another location (copy's destination): a folder,
  // local:PATH or s3:…, with the same rules and credentials.
  Result<std::unique_ptr<Backend>> OpenBackendAt(const std::string& location);
  // The local folder that location names, checked before anything is
  // created: InvalidArgument for none, or for a kind not supported (s3:...).
  Result<std::string> RepositoryFolder();
  // The location as given (a folder, local:PATH or s3:…), InvalidArgument
  // when none is given.
  Result<std::string> RepositoryLocation();
  // Opens the repository with the password from the usual sources: flags,
  // then the environment, then tidemark.toml's [repository].
  Result<Repository*> OpenRepository();

  // tidemark.toml (the file ChooseConfigPath picks), loaded once; an empty
  // ConfigFile when there is none. Its [repository] fills what neither a
  // flag nor the environment gave (ApplyRepositoryDefaults).
  Result<const ConfigFile*> Config();
  // Fills opts.repo and the password source from `cfg` where no flag or
  // environment variable gives them. The one place this rule lives.
  void ApplyRepositoryDefaults(const ConfigFile& cfg);
  Repository* repo() const { return repo_.get(); }

  // The clock every decision of this command reads ("now" for RPOs, drills,
  // locks, ledger entries, snapshot times): the system clock, or the test
  // clock of TIDEMARK_TEST_CLOCK (cli/test_clock.h). Repositories opened
  // here use it.
  const Clock* clock() const { return test_clock_ ? test_clock_.get() : Clock::Real(); }
  // The test clock, or null in ordinary use.
  FakeClock* test_clock() const { return test_clock_.get(); }
  void SetTestClock(std::unique_ptr<FakeClock> clock) { test_clock_ = std::move(clock); }
  void SetRepository(std::unique_ptr<Repository> repo) { repo_ = std::move(repo); }

  PasswordSource MainPassword() const;
  // --new-password-file / TIDEMARK_NEW_PASSWORD_FILE / TIDEMARK_NEW_PASSWORD / prompt.
  PasswordSource NewPassword(const std::string& file_flag) const;

  // Progress lines only on a terminal, and never with --json or -q.
  bool ShowProgress() const;
  // Human output (suppressed by --json).
  void Print(const std::string& line) const;
  // "tidemark: warning: LINE" on stderr, also with --json and -q: what the
  // user must not miss.
  void Warn(const std::string& line) const;
  // JSON output (only with --json): one document per command.
  void PrintJson(const JsonWriter& w);
  bool json_printed() const { return json_printed_; }

  // Fails (Refused) when the ledger would not accept an entry now. Commands
  // whose action cannot be undone call it before acting (FORMAT.md §11).
  Status PreflightLedger() const;

  // Appends a ledger entry for an action this command took. The arguments
  // recorded are the command line (secrets redacted by the ledger).
  // The command line with the value of --password-command hidden.
  std::string RedactedCommandLine() const;
  // `reason` (optional) explains a refusal or failure; it is kept whole as
  // an argument, since outcomes are short words ("ok", "refused", "damaged").
  Status Record(const std::string& action, const std::string& outcome,
                std::vector<std::string> targets,
                std::vector<std::pair<std::string, int64_t>> counts,
                const std::string& reason = "");
  // The ledger entries of this command, for the use cases in ops/ (Record
  // and PreflightLedger go through it): its "command" is the redacted
  // command line. Holds the repository opened here (null before).
  ActionLog Log() const;

 private:
  bool json_printed_ = false;
  std::unique_ptr<FakeClock> test_clock_;  // outlives repo_
  std::unique_ptr<Backend> backend_;
  std::unique_ptr<Repository> repo_;
  bool config_loaded_ = false;
  Result<ConfigFile> config_ = ConfigFile{};

  bool PasswordGiven() const;
};

}  // namespace tidemark::cli
