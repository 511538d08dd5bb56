// Large values in the blob store: content-defined chunks, one data blob each
// (docs/format/records.md §3).
#pragma once

#include "chunker/fastcdc.h"
#include "records/encoding.h"
#include "repo/blob_store.h"

namespace tidemark {

class ChunkedValueStore : public LargeValueStore {
 public:
  // With `dry_run`, Store only computes ids (to compare a live value with a
  // stored one) and writes nothing. `store` must outlive this object.
  ChunkedValueStore(BlobStore* store, const Repository& repo, bool dry_run = false);

  Result<LargeValue> Store(std::string_view content) override;
  Result<std::string> Load(const LargeValue& ref) override;

 private:
  BlobStore* store_;
  const MasterKeys& keys_;
  ChunkerParams params_;
  bool dry_run_;
};

}  // namespace tidemark
