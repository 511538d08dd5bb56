#include "ops/integrity/damage_map.h"

#include <map>

#include "base/hex.h"
#include "records/encoding.h"
#include "records/value_json.h"
#include "tree/tree.h"

namespace tidemark {

// A damaged reference found under a node. A bound left unset is the one the
// node's own parent gives (tree.md §5: a child holds the keys after its left
// neighbour's key up to its own key), filled in on the way up; at the root it
// stays open.
struct DamageWalker::Hit {
  Id blob;
  std::optional<std::string> from, to;  // raw keys
  bool large_value = false;
  size_t value_index = 0;  // large values: which value of the record
};

struct DamageWalker::Memo {
  std::unordered_set<Id, IdHash> clean;                    // nodes with nothing damaged beneath
  std::unordered_map<Id, std::vector<Hit>, IdHash> dirty;  // nodes with damage beneath (or damaged)
  std::unordered_set<Id, IdHash> chunks_ok;                // verified chunks (verify_chunks only)
  std::unordered_map<Id, std::string, IdHash> damaged;     // every damaged blob -> problem
  std::map<Id, std::vector<BlobUse>> uses;
  const std::vector<Hit> no_hits{};  // what a clean node returns
};

namespace {

// A read error that means "this blob is damaged or gone"; any other error
// (storage unreachable, permission) means the walk cannot judge anything.
bool IsDamage(const Status& s) { return s.IsCorruption() || s.IsNotFound(); }

}  // namespace

std::string RenderKey(std::string_view key) {
  std::vector<Value> values;
  if (!DecodeKey(key, &values).ok()) return "x'" + HexEncode(key) + "'";
  return KeyToDisplay(values);
}

std::string BlobUse::DescribeKeys() const {
  if (large_value) return "key " + to_key + ", column " + column + " (large value)";
  if (!has_from && !has_to) return "every key";
  if (!has_from) return "keys up to " + to_key;
  if (!has_to) return "keys after " + from_key;
  return "keys after " + from_key + " up to " + to_key;
}

DamageWalker::DamageWalker(DamageWalkSource source)
    : source_(std::move(source)), memo_(std::make_unique<Memo>()) {
  for (const auto& [id, problem] : source_.known_damaged) memo_->damaged.emplace(id, problem);
  source_.known_damaged.clear();  // kept once, in memo_
}

DamageWalker::~DamageWalker() = default;

void DamageWalker::MarkDamaged(const Id& id, const std::string& problem) {
  memo_->damaged.emplace(id, problem);
}

Result<std::optional<std::string>> DamageWalker::ChunkProblem(const Id& chunk) {
  using Problem = std::optional<std::string>;
  auto known = memo_->damaged.find(chunk);
  if (known != memo_->damaged.end()) return Problem(known->second);
  if (!source_.verify_chunks) {
    if (!source_.present || source_.present(chunk)) return Problem();
    MarkDamaged(chunk, "no readable index lists it");
    return Problem(memo_->damaged[chunk]);
  }
  if (memo_->chunks_ok.count(chunk)) return Problem();
  Result<std::string> content = source_.read(chunk);
  if (!content.ok()) {
    if (!IsDamage(content.status())) return content.status();
    MarkDamaged(chunk, content.status().message());
    return Problem(content.status().message());
  }
  stats_.chunks_read++;
  stats_.bytes_read += content->size();
  memo_->chunks_ok.insert(chunk);
  return Problem();
}

// The chunks of out-of-line values in a leaf's records that are damaged,
// each at its record's key. A record that does not decode makes the whole
// leaf unusable: it is then reported as one damaged node.
Result<std::vector<DamageWalker::Hit>> DamageWalker::LeafHits(const TreeNode& leaf, const Id& id) {
  std::vector<Hit> hits;
  Record rec;
  for (const TreeNode::Entry& e : leaf.entries) {
    Status s = DecodeRecord(e.value, "tree node " + id.Short() + ": record", &rec);
    for (size_t i = 0; s.ok() && i < rec.size(); i++) {
      if (!rec[i].ref()) continue;
      auto lv = LargeValue::Decode(rec[i].bytes());
      if (!lv.ok()) {
        s = lv.status();
        break;
      }
      for (const std::string& raw : lv->chunk_ids) {
        const Id chunk = Id::FromBytes(raw);
        TM_ASSIGN_OR_RETURN(std::optional<std::string> problem, ChunkProblem(chunk));
        if (!problem) continue;
        if (!hits.empty() && hits.back().blob == chunk && hits.back().to == e.key &&
            hits.back().value_index == i) {
          continue;  // the same chunk twice in one value
        }
        hits.push_back(Hit{chunk, e.key, e.key, true, i});
      }
    }
    if (!s.ok()) {
      MarkDamaged(id, s.message());
      return std::vector<Hit>{Hit{id, std::nullopt, std::nullopt, false, 0}};
    }
  }
  return hits;
}

Result<const std::vector<DamageWalker::Hit>*> DamageWalker::Visit(const Id& id, uint64_t count,
                                                                  Progress* progress) {
  if (memo_->clean.count(id)) {
    if (progress) progress->Add(count);
    return &memo_->no_hits;
  }
  if (auto it = memo_->dirty.find(id); it != memo_->dirty.end()) {
    if (progress) progress->Add(count);
    return &it->second;
  }
  auto whole = [&]() -> const std::vector<Hit>* {
    if (progress) progress->Add(count);
    return &(memo_->dirty[id] = {Hit{id, std::nullopt, std::nullopt, false, 0}});
  };
  if (memo_->damaged.count(id)) return whole();
  Result<std::string> bytes = source_.read(id);
  if (!bytes.ok()) {
    if (!IsDamage(bytes.status())) return bytes.status();
    MarkDamaged(id, bytes.status().message());
    return whole();
  }
  stats_.nodes_read++;
  stats_.bytes_read += bytes->size();
  auto node = DecodeTreeNode(*bytes, "tree node " + id.Short());
  if (!node.ok()) {
    MarkDamaged(id, node.status().message());
    return whole();
  }
  std::vector<Hit> hits;
  if (node->level == 0) {
    TM_ASSIGN_OR_RETURN(hits, LeafHits(*node, id));
    if (progress) progress->Add(node->entries.size());
  } else {
    for (size_t i = 0; i < node->entries.size(); i++) {
      const TreeNode::Entry& e = node->entries[i];
      TM_ASSIGN_OR_RETURN(const std::vector<Hit>* below, Visit(e.child, e.count, progress));
      for (Hit h : *below) {
        if (!h.from && i > 0) h.from = node->entries[i - 1].key;
        if (!h.to) h.to = e.key;
        hits.push_back(std::move(h));
      }
    }
  }
  if (hits.empty()) {
    memo_->clean.insert(id);
    return &memo_->no_hits;
  }
  return &(memo_->dirty[id] = std::move(hits));
}

Status DamageWalker::AddSnapshot(const Id& id, const Manifest& m, Progress* progress,
                                 const std::function<Status()>& keep_going) {
  bool affected = false;
  for (const SnapshotTable& t : m.tables) {
    if (!t.schema.has_records()) continue;
    if (keep_going) TM_RETURN_IF_ERROR(keep_going());
    TM_ASSIGN_OR_RETURN(const std::vector<Hit>* hits, Visit(t.root.id, t.root.count, progress));
    if (hits->empty()) continue;
    affected = true;
    const std::vector<std::string> fields = t.schema.RecordFieldNames();
    for (const Hit& h : *hits) {
      BlobUse use;
      use.snapshot = id;
      use.source = m.source;
      use.table = t.schema.name;
      use.has_from = h.from.has_value();
      use.has_to = h.to.has_value();
      if (h.from) use.from_key = RenderKey(*h.from);
      if (h.to) use.to_key = RenderKey(*h.to);
      use.large_value = h.large_value;
      if (h.large_value) {
        use.column = h.value_index < fields.size() ? fields[h.value_index]
                                                   : "#" + std::to_string(h.value_index);
      }
      memo_->uses[h.blob].push_back(std::move(use));
    }
  }
  (affected ? affected_ : untouched_).push_back(id);
  return Status::OK();
}

std::vector<DamagedBlob> DamageWalker::Finish() {
  std::map<Id, std::string> sorted(memo_->damaged.begin(), memo_->damaged.end());
  std::vector<DamagedBlob> out;
  out.reserve(sorted.size());
  for (auto& [id, problem] : sorted) {
    DamagedBlob d{id, std::move(problem), {}};
    auto u = memo_->uses.find(id);
    if (u != memo_->uses.end()) d.uses = std::move(u->second);
    out.push_back(std::move(d));
  }
  memo_ = std::make_unique<Memo>();
  return out;
}

Result<std::vector<DamagedBlob>> CheckSnapshotData(BlobStore* store, const Id& snapshot_id,
                                                   const Manifest& m, bool show_progress,
                                                   DamageWalkStats* stats) {
  DamageWalkSource source;
  source.read = [store](const Id& id) { return store->Get(id); };
  source.verify_chunks = true;
  DamageWalker walker(std::move(source));
  uint64_t records = 0;
  for (const SnapshotTable& t : m.tables) {
    if (t.schema.has_records()) records += t.root.count;
  }
  Progress progress("check snapshot " + snapshot_id.Short(), records, Progress::Unit::kCount,
                    show_progress);
  TM_RETURN_IF_ERROR(walker.AddSnapshot(snapshot_id, m, &progress));
  progress.Finish();
  if (stats) *stats = walker.stats();
  return walker.Finish();
}

}  // namespace tidemark
