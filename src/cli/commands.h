// One registration function per command file (cmd_<name>.cc). Each adds its
// subcommand to the app and, when chosen, sets ctx->run.
#pragma once

namespace CLI {
class App;
}

namespace tidemark::cli {

class Context;

void AddVersionCommand(CLI::App* app, Context* ctx);
void AddInitCommand(CLI::App* app, Context* ctx);
void AddKeyCommand(CLI::App* app, Context* ctx);
void AddCatCommand(CLI::App* app, Context* ctx);
void AddCheckCommand(CLI::App* app, Context* ctx);
void AddUnlockCommand(CLI::App* app, Context* ctx);
void AddLedgerCommand(CLI::App* app, Context* ctx);

}  // namespace tidemark::cli
