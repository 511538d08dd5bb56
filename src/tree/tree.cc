// Tree parameters, the node codec and TreeBuilder (docs/format/tree.md §2-§4).
#include "tree/tree.h"

#include "base/coding.h"
#include "base/hex.h"
#include "crypto/crypto.h"

namespace tidemark {

namespace {

// Format constants; each is specified in docs/format/tree.md.
constexpr char kNodeMagic = 'N';                                          // §3
constexpr uint8_t kMaxLevel = 32;                                         // §3
constexpr size_t kMaxKey = 64u << 10;                                     // §3
constexpr size_t kMaxValue = 1u << 20;                                    // §3
constexpr size_t kMinLeafEntry = 2;                                       // two empty str
constexpr size_t kMinInternalEntry = 1 + 32 + 1;                          // str, id, varint
constexpr std::string_view kBoundaryLabel = "tidemark tree boundary v1";  // §2

size_t VarintLength(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    n++;
  }
  return n;
}

// A key for messages: hex of its first 16 bytes, "…" when longer.
std::string ShortKey(std::string_view key) {
  std::string hex = HexEncode(key.substr(0, 16));
  if (key.size() > 16) hex += "…";
  return hex.empty() ? "(empty)" : hex;
}

// The format ByteReader::Error uses, for checks reported at an earlier offset.
Status CorruptAt(std::string_view what, size_t offset, std::string_view field,
                 std::string_view problem) {
  return Status::Corruption(std::string(what) + ": offset " + std::to_string(offset) + ": " +
                            std::string(problem) + " (field " + std::string(field) + ")");
}

Status CheckParams(const TreeParams& p) {
  if (!(p.min_bytes > 0 && p.min_bytes <= p.avg_bytes && p.avg_bytes <= p.max_bytes)) {
    return Status::InvalidArgument("tree params: need 0 < min_bytes <= avg_bytes <= max_bytes");
  }
  if (p.hash_key.size() != kShortHashKeySize) {
    return Status::InvalidArgument("tree params: hash_key must be 16 bytes");
  }
  return Status::OK();
}

Status DecodeEntry(ByteReader* r, uint8_t level, TreeNode::Entry* e) {
  std::string_view key, value;
  TM_RETURN_IF_ERROR(r->LengthPrefixed("key", kMaxKey, &key));
  e->key.assign(key);
  if (level == 0) {
    TM_RETURN_IF_ERROR(r->LengthPrefixed("value", kMaxValue, &value));
    e->value.assign(value);
    e->count = 1;
    return Status::OK();
  }
  std::string_view child;
  TM_RETURN_IF_ERROR(r->Bytes("child", 32, &child));
  e->child = Id::FromBytes(child);
  TM_RETURN_IF_ERROR(r->Varint64("count", &e->count));
  if (e->count == 0) return r->Error("count", "child holds no entries");
  return Status::OK();
}

}  // namespace

TreeParams TreeParams::ForRepository(const Repository& repo) {
  TreeParams p;
  p.min_bytes = repo.config().tree_min;
  p.avg_bytes = repo.config().tree_avg;
  p.max_bytes = repo.config().tree_max;
  p.hash_key = HmacSha256(repo.keys().id_key, kBoundaryLabel).substr(0, kShortHashKeySize);
  return p;
}

// ---------------------------------------------------------------------------
// Node codec (§3)

std::string EncodeTreeNode(const TreeNode& node) {
  std::string out;
  out.push_back(kNodeMagic);
  out.push_back(static_cast<char>(node.level));
  PutVarint64(&out, node.entries.size());
  for (const TreeNode::Entry& e : node.entries) {
    PutLengthPrefixed(&out, e.key);
    if (node.level == 0) {
      PutLengthPrefixed(&out, e.value);
    } else {
      out.append(e.child.View());
      PutVarint64(&out, e.count);
    }
  }
  return out;
}

Result<TreeNode> DecodeTreeNode(std::string_view data, std::string_view what) {
  ByteReader r(data, std::string(what));
  TreeNode node;
  uint8_t magic;
  uint64_t n;
  if (!data.empty() && data[0] != kNodeMagic) return r.Error("magic", "not a tree node");
  TM_RETURN_IF_ERROR(r.Fixed8("magic", &magic));
  if (data.size() > 1 && static_cast<uint8_t>(data[1]) > kMaxLevel) {
    return r.Error("level", "level " + std::to_string(static_cast<uint8_t>(data[1])) +
                                " exceeds limit " + std::to_string(kMaxLevel));
  }
  TM_RETURN_IF_ERROR(r.Fixed8("level", &node.level));
  const size_t n_at = r.offset();
  TM_RETURN_IF_ERROR(r.Varint64("entry_count", &n));
  const size_t min_entry = node.level == 0 ? kMinLeafEntry : kMinInternalEntry;
  if (n > r.remaining() / min_entry) {
    return CorruptAt(what, n_at, "entry_count", "count larger than the node can hold");
  }
  if (n == 0 && node.level > 0)
    return CorruptAt(what, n_at, "entry_count", "internal node is empty");
  node.entries.resize(n);
  uint64_t total = 0;
  for (uint64_t i = 0; i < n; i++) {
    const size_t at = r.offset();
    TreeNode::Entry& e = node.entries[i];
    TM_RETURN_IF_ERROR(DecodeEntry(&r, node.level, &e));
    if (i > 0 && !(node.entries[i - 1].key < e.key)) {
      return CorruptAt(what, at, "key",
                       "keys not strictly increasing at entry " + std::to_string(i));
    }
    if (total + e.count < total) return CorruptAt(what, at, "count", "entry counts overflow");
    total += e.count;
  }
  TM_RETURN_IF_ERROR(r.ExpectEnd());
  return node;
}

// ---------------------------------------------------------------------------
// TreeBuilder (§2, §4)

// The node being built at one level, and the last node written there.
struct TreeBuilder::Level {
  std::string body;    // encoded entries of the pending node
  uint64_t n = 0;      // entries in body
  uint64_t count = 0;  // leaf entries under the pending node
  size_t key_pos = 0;  // the last entry's key: body[key_pos, key_pos + key_len)
  size_t key_len = 0;
  Id last_id;  // the last node written at this level, and its entry count
  uint64_t last_n = 0;
};

TreeBuilder::TreeBuilder(BlobStore* store, TreeParams params)
    : store_(store), params_(std::move(params)), status_(CheckParams(params_)) {}

TreeBuilder::~TreeBuilder() = default;

Status TreeBuilder::Add(std::string_view key, std::string_view value) {
  TM_RETURN_IF_ERROR(status_);
  if (finished_) return Status::InvalidArgument("tree: Add after Finish");
  if (key.size() > kMaxKey) {
    return Status::InvalidArgument("tree: key " + ShortKey(key) + " is longer than 64 KiB");
  }
  if (value.size() > kMaxValue) {
    return Status::InvalidArgument("tree: value of key " + ShortKey(key) + " is longer than 1 MiB");
  }
  if (any_ && !(std::string_view(last_key_) < key)) {
    return Status::InvalidArgument("tree: keys out of order: " + ShortKey(key) + " added after " +
                                   ShortKey(last_key_));
  }
  last_key_.assign(key);
  any_ = true;
  count_++;
  stats_.entry_bytes += key.size() + value.size();
  status_ = AddAt(0, key, value, 1);
  return status_;
}

// SipHash-2-4(hash_key, level || key) against the threshold of §2.
bool TreeBuilder::IsBoundary(size_t level, std::string_view key, size_t entry_bytes) {
  const uint64_t span = params_.avg_bytes - params_.min_bytes;
  if (entry_bytes >= span) return true;  // threshold >= 2^64: every hash is below it
  __extension__ using u128 = unsigned __int128;
  const uint64_t threshold = static_cast<uint64_t>((static_cast<u128>(entry_bytes) << 64) / span);
  hash_input_.assign(1, static_cast<char>(level));
  hash_input_.append(key);
  return ShortHash(params_.hash_key, hash_input_) < threshold;
}

// Appends one entry to the node pending at `level`, writing that node when a
// boundary falls after (or, for an oversized entry, before) the entry.
Status TreeBuilder::AddAt(size_t level, std::string_view key, std::string_view value,
                          uint64_t count) {
  if (level > kMaxLevel) return Status::InvalidArgument("tree: more than 32 levels");
  if (level == levels_.size()) levels_.push_back(std::make_unique<Level>());
  Level& l = *levels_[level];
  const uint64_t min_entries = level == 0 ? 1 : 2;
  size_t e = VarintLength(key.size()) + key.size();
  e += level == 0 ? VarintLength(value.size()) + value.size() : 32 + VarintLength(count);
  if (e >= params_.max_bytes && l.n >= min_entries) TM_RETURN_IF_ERROR(EmitNode(level));

  PutVarint64(&l.body, key.size());
  l.key_pos = l.body.size();
  l.key_len = key.size();
  l.body.append(key);
  if (level == 0) {
    PutLengthPrefixed(&l.body, value);
  } else {
    l.body.append(value);  // the child id
    PutVarint64(&l.body, count);
  }
  l.n++;
  l.count += count;
  if (l.n < min_entries) return Status::OK();
  const size_t s = 2 + VarintLength(l.n) + l.body.size();
  if (s >= params_.max_bytes || (s >= params_.min_bytes && IsBoundary(level, key, e))) {
    return EmitNode(level);
  }
  return Status::OK();
}

// Stores the node pending at `level` and remembers it as the level's last.
Result<Id> TreeBuilder::WriteNode(size_t level) {
  Level& l = *levels_[level];
  node_buf_.clear();
  node_buf_.push_back(kNodeMagic);
  node_buf_.push_back(static_cast<char>(level));
  PutVarint64(&node_buf_, l.n);
  node_buf_.append(l.body);
  Id id;
  if (store_nothing_) {
    id = store_->IdOf(node_buf_);
  } else {
    TM_ASSIGN_OR_RETURN(id, store_->Put(BlobType::kTree, node_buf_));
  }
  if (level == 0 && leaf_listener_) TM_RETURN_IF_ERROR(leaf_listener_(id, node_buf_));
  stats_.nodes++;
  stats_.node_bytes += node_buf_.size();
  l.last_id = id;
  l.last_n = l.n;
  return id;
}

// Writes the node pending at `level` and adds it to its parent's node.
Status TreeBuilder::EmitNode(size_t level) {
  TM_ASSIGN_OR_RETURN(Id id, WriteNode(level));
  Level& l = *levels_[level];
  // The key is a view into l.body, which stays untouched until AddAt returns.
  const std::string_view last_key(l.body.data() + l.key_pos, l.key_len);
  Status st = AddAt(level + 1, last_key, id.View(), l.count);
  l.body.clear();
  l.n = 0;
  l.count = 0;
  return st;
}

Result<TreeRoot> TreeBuilder::Finish() {
  TM_RETURN_IF_ERROR(status_);
  if (finished_) return Status::InvalidArgument("tree: Finish called twice");
  finished_ = true;
  Result<TreeRoot> root = FinishLevels();
  if (!root.ok()) status_ = root.status();
  return root;
}

// Flushes the pending nodes bottom-up. The top level's node is the root,
// unless it holds one entry: then that entry's child is the root, and a root
// that is an internal node of one entry is replaced by its child (§4).
Result<TreeRoot> TreeBuilder::FinishLevels() {
  if (levels_.empty()) levels_.push_back(std::make_unique<Level>());  // the empty tree
  for (size_t i = 0;; i++) {
    Level& l = *levels_[i];
    if (i + 1 < levels_.size()) {
      if (l.n > 0) TM_RETURN_IF_ERROR(EmitNode(i));
      continue;
    }
    TreeRoot root;
    if (i == 0 || l.n > 1) {
      TM_ASSIGN_OR_RETURN(root.id, WriteNode(i));
      root.level = static_cast<uint8_t>(i);
    } else {
      size_t j = i - 1;
      while (j > 0 && levels_[j]->last_n == 1) j--;
      root.id = levels_[j]->last_id;
      root.level = static_cast<uint8_t>(j);
    }
    root.count = count_;
    return root;
  }
}

}  // namespace tidemark
