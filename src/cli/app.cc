#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <thread>

#include "base/duration.h"
#include "base/hex.h"
#include "base/logging.h"
#include "cli/command_docs.h"
#include "cli/commands.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/test_clock.h"
#include "crypto/crypto.h"
#include "repo/lock.h"

namespace tidemark::cli {
namespace {

void AddGlobalOptions(CLI::App* app, GlobalOptions* o) {
  app->add_option("-r,--repo", o->repo,
                  "repository location (a folder, or s3:https://HOST/BUCKET[/PREFIX])")
      ->envname("TIDEMARK_REPOSITORY");
  // The password flags read no environment here: Context::MainPassword
  // applies the documented order (flags before environment variables).
  app->add_option("--password-file", o->password_file,
                  "read the password from this file (env TIDEMARK_PASSWORD_FILE)");
  app->add_option("--password-command", o->password_command,
                  "run this command; its first output line is the password "
                  "(env TIDEMARK_PASSWORD_COMMAND)");
  app->add_option("--config", o->config,
                  "tidemark.toml to read (env TIDEMARK_CONFIG; default ./tidemark.toml)");
  app->add_flag(
      "--s3-allow-http", o->s3_allow_http,
      "allow plain http to an S3 host that is not a loopback address (trusted networks only)");
  app->add_flag("--json", o->json, "machine-readable output on stdout");
  app->add_flag("-q,--quiet", o->quiet, "no progress lines or warnings");
  app->add_flag("-v,--verbose", o->verbose, "more detail (repeat for debug)");
}

void PrintError(const Context& ctx, const Status& s) {
  // A command that already printed its JSON report (with "ok": false) has
  // said what went wrong: stdout keeps one document.
  if (ctx.opts.json && !ctx.json_printed()) {
    JsonWriter w;
    w.BeginObject().Key("error").BeginObject().Field("code", Status::CodeName(s.code()));
    w.Field("exit_code", ExitCodeFor(s)).Field("message", s.message()).EndObject().EndObject();
    printf("%s\n", w.str().c_str());
  }
  fprintf(stderr, "tidemark: error: %s\n", OneLine(s.message()).c_str());
}

// TIDEMARK_TEST_CLOCK, when set, becomes the clock of this command.
Status UseTestClock(Context* ctx, LockWait* lw) {
  TM_ASSIGN_OR_RETURN(std::unique_ptr<FakeClock> clock, TestClockFromEnvironment());
  if (clock == nullptr) return Status::OK();
  // Not silenced by -q: a test hook left set outside a test must show.
  fprintf(stderr, "%s\n", TestClockWarning(clock->NowMicros()).c_str());
  // A lock wait still waits for the other process, and the wait shows on
  // the test clock, so --lock-wait ends as it does on the system clock.
  lw->sleep = [c = clock.get()](int64_t micros) {
    std::this_thread::sleep_for(std::chrono::microseconds(micros));
    c->Advance(micros);
  };
  ctx->SetTestClock(std::move(clock));
  return Status::OK();
}

// --lock-wait and TIDEMARK_TEST_CLOCK: how long this command waits for a
// lock, and the clock it reads. False, the error printed, on a bad value.
bool SetUpWaitsAndClock(Context* ctx, const std::string& lock_wait) {
  auto wait = lock_wait == "0" ? Result<uint64_t>(uint64_t{0}) : ParseDurationUs(lock_wait);
  if (!wait.ok()) {
    fprintf(stderr, "tidemark: error: --lock-wait: %s\n", wait.status().message().c_str());
    return false;
  }
  LockWait lw;
  lw.max_wait_us = static_cast<int64_t>(*wait);
  if (Status clock = UseTestClock(ctx, &lw); !clock.ok()) {
    PrintError(*ctx, clock);
    return false;
  }
  SetDefaultLockWait(lw);
  return true;
}

// Every command, in the order --help lists them.
void AddCommands(CLI::App* app, Context* ctx) {
  AddVersionCommand(app, ctx);
  AddInitCommand(app, ctx);
  AddCopyCommand(app, ctx);
  AddKeyCommand(app, ctx);
  AddCatCommand(app, ctx);
  AddCheckCommand(app, ctx);
  AddUnlockCommand(app, ctx);
  AddLedgerCommand(app, ctx);
  AddBackupCommand(app, ctx);
  AddBrowseCommands(app, ctx);
  AddDiffCommands(app, ctx);
  AddRestoreCommands(app, ctx);
  AddForgetCommand(app, ctx);
  AddPruneCommand(app, ctx);
  AddHoldCommand(app, ctx);
  AddRollbackCommands(app, ctx);
  AddRepairCommand(app, ctx);
  AddDrillCommands(app, ctx);
  AddAlertsCommands(app, ctx);
  AddStatusCommand(app, ctx);
  AddSourcesCommands(app, ctx);
  AddDoctorCommand(app, ctx);
  AddUserCommands(app, ctx);
  AddServeCommand(app, ctx);
  AddGenerateCommands(app, ctx);
}

}  // namespace

int Main(int argc, char** argv) {
  Context ctx;
  ctx.argv.assign(argv, argv + argc);
  CLI::App app{"tidemark: record-aware backup, verification and rollback for no-code apps"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may follow the command
  AddGlobalOptions(&app, &ctx.opts);
  std::string lock_wait = "2m";
  app.add_option("--lock-wait", lock_wait,
                 "wait up to DURATION for a conflicting lock to be released (default 2m; 0: "
                 "refuse at once)")
      ->envname("TIDEMARK_LOCK_WAIT");
  AddCommands(&app, &ctx);
  AttachCommandDocs(&app);  // examples and exit notes in --help (and the man pages)
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (e.get_exit_code() == 0) return app.exit(e);
    // The documented error format and exit code 2, not CLI11's own.
    PrintError(ctx, Status::InvalidArgument(std::string(e.what()) +
                                            "; `tidemark --help` (or `tidemark COMMAND --help`) "
                                            "shows the usage"));
    return kExitUsage;
  }
  if (!SetUpWaitsAndClock(&ctx, lock_wait)) return kExitUsage;
  if (ctx.opts.quiet) SetLogLevel(LogLevel::kError);
  if (ctx.opts.verbose == 1) SetLogLevel(LogLevel::kInfo);
  if (ctx.opts.verbose >= 2) SetLogLevel(LogLevel::kDebug);
  Status s = CryptoInit();
  if (s.ok()) s = ctx.run ? ctx.run() : Status::Internal("no command chosen");
  if (!s.ok()) {
    PrintError(ctx, s);
    return ExitCodeFor(s);
  }
  return kExitOk;
}

}  // namespace tidemark::cli
