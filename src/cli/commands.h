// One registration function per command file (cmd_<name>.cc). Each adds its
// subcommand to the app and, when chosen, sets ctx->run.
#pragma once

#include <string>

#include "base/status.h"

namespace CLI {
class App;
}

namespace tidemark::cli {

class Context;

void AddVersionCommand(CLI::App* app, Context* ctx);
void AddInitCommand(CLI::App* app, Context* ctx);
void AddCopyCommand(CLI::App* app, Context* ctx);
void AddKeyCommand(CLI::App* app, Context* ctx);
void AddCatCommand(CLI::App* app, Context* ctx);
void AddCheckCommand(CLI::App* app, Context* ctx);
void AddUnlockCommand(CLI::App* app, Context* ctx);
void AddLedgerCommand(CLI::App* app, Context* ctx);
void AddBackupCommand(CLI::App* app, Context* ctx);
void AddBrowseCommands(CLI::App* app, Context* ctx);   // snapshots, show, ls
void AddDiffCommands(CLI::App* app, Context* ctx);     // diff, history
void AddRestoreCommands(CLI::App* app, Context* ctx);  // restore, export, verify-export
void AddForgetCommand(CLI::App* app, Context* ctx);
void AddPruneCommand(CLI::App* app, Context* ctx);
void AddHoldCommand(CLI::App* app, Context* ctx);  // hold add, remove, list
// prune (cmd_prune.cc), also run by `forget --prune`. With `json` set, the
// JSON report goes there instead of stdout.
Status RunPrune(Context* ctx, bool dry_run, double max_unused, std::string* json = nullptr);
void AddRollbackCommands(CLI::App* app, Context* ctx);  // rollback, revert
void AddRepairCommand(CLI::App* app, Context* ctx);     // repair index
void AddDrillCommands(CLI::App* app, Context* ctx);     // drill, drills, drills show
void AddAlertsCommands(CLI::App* app, Context* ctx);    // alerts list, alerts ack
void AddStatusCommand(CLI::App* app, Context* ctx);
void AddSourcesCommands(CLI::App* app, Context* ctx);  // sources, config check
void AddDoctorCommand(CLI::App* app, Context* ctx);
void AddGenerateCommands(CLI::App* app, Context* ctx);  // generate, hidden __complete
void AddUserCommands(CLI::App* app, Context* ctx);      // user add|list|remove|passwd, token
void AddServeCommand(CLI::App* app, Context* ctx);

// `cat SNAP TABLE KEY` (cmd_browse.cc): one record as JSON.
// Secret columns are masked unless show_secrets.
Status RunCatRecord(Context* ctx, const std::string& snap, const std::string& table,
                    const std::string& key, bool show_secrets);

}  // namespace tidemark::cli
