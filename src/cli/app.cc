#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <cstdio>

namespace tidemark::cli {

int Main(int argc, char** argv) {
  CLI::App app{"tidemark: record-aware backup, verification and rollback"};
  app.require_subcommand(1);
  auto* version = app.add_subcommand("version", "print the version");
  version->callback([] { printf("tidemark %s\n", TIDEMARK_VERSION); });
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 2;
  }
  return 0;
}

}  // namespace tidemark::cli
