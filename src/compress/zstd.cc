#include "compress/zstd.h"

#include <zstd.h>

namespace tidemark {

Result<std::string> ZstdCompress(std::string_view data, int level) {
  if (level < 1 || level > ZSTD_maxCLevel()) {
    return Status::InvalidArgument("zstd level must be 1.." + std::to_string(ZSTD_maxCLevel()));
  }
  std::string out(ZSTD_compressBound(data.size()), '\0');
  size_t n = ZSTD_compress(out.data(), out.size(), data.data(), data.size(), level);
  if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
  out.resize(n);
  return out;
}

Result<std::string> ZstdDecompress(std::string_view frame, size_t max_size) {
  unsigned long long size = ZSTD_getFrameContentSize(frame.data(), frame.size());
  if (size == ZSTD_CONTENTSIZE_ERROR) return Status::Corruption("not a zstd frame");
  if (size == ZSTD_CONTENTSIZE_UNKNOWN) {
    return Status::Corruption("zstd frame does not declare its content size");
  }
  const size_t frame_size = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(frame_size)) return Status::Corruption("truncated zstd frame");
  if (frame_size != frame.size()) {
    return Status::Corruption(std::to_string(frame.size() - frame_size) +
                              " bytes after the zstd frame");
  }
  if (size > max_size) {
    return Status::Corruption("zstd frame declares " + std::to_string(size) +
                              " bytes, more than the limit " + std::to_string(max_size));
  }
  std::string out(size, '\0');
  // One context per thread, reused: ZSTD_decompress would allocate and
  // initialise one per call (a restore decompresses every node).
  struct Context {
    ZSTD_DCtx* ctx = ZSTD_createDCtx();
    ~Context() { ZSTD_freeDCtx(ctx); }
  };
  thread_local Context dctx;
  if (dctx.ctx == nullptr) return Status::Internal("zstd: cannot allocate a decompression context");
  size_t n = ZSTD_decompressDCtx(dctx.ctx, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(n)) return Status::Corruption(std::string("zstd: ") + ZSTD_getErrorName(n));
  if (n != size) return Status::Corruption("zstd frame size differs from its declared size");
  return out;
}

}  // namespace tidemark
