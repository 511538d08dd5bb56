#include <CLI/CLI.hpp>

#include "cli/commands.h"
#include "cli/context.h"

namespace tidemark::cli {

void AddVersionCommand(CLI::App* app, Context* ctx) {
  auto* cmd = app->add_subcommand("version", "print the version");
  cmd->callback([ctx] {
    ctx->run = [ctx] {
      ctx->Print(std::string("tidemark ") + TIDEMARK_VERSION + " (repository format " +
                 std::to_string(format::kRepoVersion) + ")");
      JsonWriter w;
      w.BeginObject().Field("version", TIDEMARK_VERSION);
      w.Field("repository_format", static_cast<int>(format::kRepoVersion)).EndObject();
      ctx->PrintJson(w);
      return Status::OK();
    };
  });
}

}  // namespace tidemark::cli
