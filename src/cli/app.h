// The tidemark command line. Each command lives in its own cmd_<name>.cc and
// registers itself in app.cc; commands return a Status that Main maps to the
// exit codes of docs/exit-codes.md.
#pragma once

namespace tidemark::cli {

int Main(int argc, char** argv);

}  // namespace tidemark::cli
