#include "snapshot/large_values.h"

namespace tidemark {

ChunkedValueStore::ChunkedValueStore(BlobStore* store, const Repository& repo, bool dry_run)
    : store_(store), keys_(repo.keys()), dry_run_(dry_run) {
  params_.min_size = repo.config().chunker_min;
  params_.avg_size = repo.config().chunker_avg;
  params_.max_size = repo.config().chunker_max;
}

Result<LargeValue> ChunkedValueStore::Store(std::string_view content) {
  LargeValue v;
  v.length = content.size();
  while (!content.empty()) {
    const size_t n = NextChunkLength(content, params_);
    const std::string_view chunk = content.substr(0, n);
    Id id;
    if (dry_run_) {
      id = ComputeBlobId(keys_, chunk);
    } else {
      TM_ASSIGN_OR_RETURN(id, store_->Put(BlobType::kData, chunk));
    }
    v.chunk_ids.emplace_back(id.View());
    content.remove_prefix(n);
  }
  return v;
}

Result<std::string> ChunkedValueStore::Load(const LargeValue& ref) {
  std::string out;
  out.reserve(ref.length);
  for (const std::string& raw : ref.chunk_ids) {
    TM_ASSIGN_OR_RETURN(std::string chunk, store_->Get(Id::FromBytes(raw)));
    if (out.size() + chunk.size() > ref.length) break;
    out += chunk;
  }
  if (out.size() != ref.length) {
    return Status::Corruption("large value: its chunks hold a different length than the " +
                              std::to_string(ref.length) + " bytes its reference says");
  }
  return out;
}

}  // namespace tidemark
