// The named seeds of the committed fuzz corpus (fuzz/corpus/<target>/),
// built with the production encoders and the fixed fuzz keys: "ok-<mode>-…"
// must select <mode> and decode, "bad-<mode>-…" must select it and be
// rejected. replay_test.cc checks them and (disabled test) writes them.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "targets.h"

namespace tidemark::fuzz {

struct Seed {
  std::string name;
  std::string bytes;
};

// Every target's seeds, by target name. Uses GoogleTest assertions for the
// encoders it calls, so it links into test binaries only.
// The seeds of one target: names "ok-MODE-WHAT" / "bad-MODE-WHAT", bytes =
// the mode's selector byte, then the payload.
class SeedSet {
 public:
  explicit SeedSet(std::string_view target) : target_(Target(target)) {}
  void Ok(std::string_view mode, std::string_view what, std::string_view payload) {
    Add("ok-", mode, what, payload);
  }
  void Bad(std::string_view mode, std::string_view what, std::string_view payload) {
    Add("bad-", mode, what, payload);
  }
  std::vector<Seed> Take() { return std::move(seeds_); }

 private:
  void Add(const char* prefix, std::string_view mode, std::string_view what,
           std::string_view payload) {
    std::string bytes(1, static_cast<char>(ModeIndex(target_, mode)));
    bytes += payload;
    seeds_.push_back({prefix + std::string(mode) + "-" + std::string(what), bytes});
  }
  const FuzzTarget& target_;
  std::vector<Seed> seeds_;
};

// ---- building seeds, shared by the families ----

// Re-seals what AeadSeal sealed under the fuzz data key, deterministically,
// so that regenerating the corpus gives the same bytes.
std::string Reseal(std::string_view sealed, std::string_view aad);
// What AeadSeal sealed under the fuzz data key.
std::string Open(std::string_view sealed, std::string_view aad);
// `s` with bit 0 of byte `at` flipped.
std::string Flip(std::string s, size_t at);
// Lines of text (compresses).
std::string Text(int lines);

// Each family's seeds: records, snapshot and tree_node (record_seeds.cc), json
// (json_seeds.cc: documents, drill reports, tidemark.toml); the repository's
// own files in seeds.cc.
std::vector<Seed> RecordsSeeds();
std::vector<Seed> SnapshotSeeds();
std::vector<Seed> TreeNodeSeeds();
std::vector<Seed> JsonSeeds();
// pg_binary (pg_seeds.cc): binary COPY streams and fields.
std::vector<Seed> PgBinarySeeds();

std::map<std::string, std::vector<Seed>> AllSeeds();

}  // namespace tidemark::fuzz
