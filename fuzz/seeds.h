// The named seeds of the committed fuzz corpus (fuzz/corpus/<target>/),
// built with the production encoders and the fixed fuzz keys: "ok-<mode>-…"
// must select <mode> and decode, "bad-<mode>-…" must select it and be
// rejected. replay_test.cc checks them and (disabled test) writes them.
#pragma once

#include <map>
#include <string>
#include <vector>

namespace tidemark::fuzz {

struct Seed {
  std::string name;
  std::string bytes;
};

// Every target's seeds, by target name. Uses GoogleTest assertions for the
// encoders it calls, so it links into test binaries only.
std::map<std::string, std::vector<Seed>> AllSeeds();

}  // namespace tidemark::fuzz
