#include "cli/app.h"

int main(int argc, char** argv) { return tidemark::cli::Main(argc, argv); }
