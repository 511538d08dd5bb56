// The raw primitives beside the blob store: SHA-256, HMAC-SHA-256,
// XChaCha20-Poly1305, zstd, and the blob codec that chains them, each on
// 64 KiB buffers of bench/content.h records, timed by Google Benchmark on
// one thread. RunPrimitives() returns the median MiB/s of each over the
// repetitions, for the table. Header-only (one translation unit).
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "bench_util.h"
#include "compress/zstd.h"
#include "content.h"
#include "crypto/crypto.h"
#include "repo/blob.h"
#include "repo/format.h"
#include "repo/keys.h"

namespace tidemark::bench {

struct PrimitiveResult {
  std::string name;   // as registered, e.g. "sha256"
  std::string label;  // for the table
  std::string note;
  double mib_per_s = 0;       // median over repetitions, per second of thread CPU time
  double wall_mib_per_s = 0;  // the same per second of wall-clock time
};

inline constexpr size_t kPrimitiveBufSize = 64 * kKiB;
inline constexpr int kPrimitiveBuffers = 16;  // rotated, 1 MiB: fits in L2/L3

// Shows Google Benchmark's usual console output on stderr and keeps the
// rate of every iteration run, to take the median ourselves (that works
// whatever --benchmark_repetitions says).
class CollectingReporter : public benchmark::ConsoleReporter {
 public:
  CollectingReporter() : ConsoleReporter(OO_Tabular) {
    SetOutputStream(&std::cerr);
    SetErrorStream(&std::cerr);
  }
  void ReportRuns(const std::vector<Run>& runs) override {
    ConsoleReporter::ReportRuns(runs);
    for (const Run& r : runs) {
      if (r.error_occurred) Die("primitive " + r.benchmark_name() + ": " + r.error_message);
      if (r.run_type != Run::RT_Iteration) continue;
      const double bytes = static_cast<double>(r.iterations) * kPrimitiveBufSize;
      const std::string& name = r.run_name.function_name;
      if (r.cpu_accumulated_time > 0) cpu_[name].push_back(bytes / r.cpu_accumulated_time);
      if (r.real_accumulated_time > 0) wall_[name].push_back(bytes / r.real_accumulated_time);
    }
  }
  // Median bytes per second of thread CPU time (cpu) or of wall-clock time
  // for benchmark `name`, or 0 if it did not run.
  double MedianCpu(const std::string& name) const { return Median(cpu_, name); }
  double MedianWall(const std::string& name) const { return Median(wall_, name); }

 private:
  using Rates = std::map<std::string, std::vector<double>>;
  static double Median(const Rates& rates, const std::string& name) {
    auto it = rates.find(name);
    if (it == rates.end() || it->second.empty()) return 0;
    std::vector<double> v = it->second;
    std::sort(v.begin(), v.end());
    const size_t n = v.size();
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
  }

  Rates cpu_, wall_;
};

// Inputs shared by the primitive benchmarks, prepared once.
struct PrimitiveInputs {
  MasterKeys keys = MasterKeys::Generate();
  std::vector<std::string> plain, sealed, compressed;
  std::vector<EncodedBlob> blobs;
  double zstd_ratio = 0;

  PrimitiveInputs() {
    uint64_t raw = 0, packed = 0;
    for (int i = 0; i < kPrimitiveBuffers; i++) {
      plain.push_back(Content(0xC0FFEE00u + i, kPrimitiveBufSize));
      sealed.push_back(AeadSeal(keys.data_key, plain[i], format::kAadBlob));
      auto c = ZstdCompress(plain[i], format::kDefaultCompressionLevel);
      auto b = EncodeBlob(keys, plain[i], format::kDefaultCompressionLevel);
      if (!c.ok() || !b.ok()) Die("preparing primitive inputs: zstd or blob encoding failed");
      compressed.push_back(std::move(*c));
      blobs.push_back(std::move(*b));
      raw += plain[i].size();
      packed += compressed[i].size();
    }
    zstd_ratio = static_cast<double>(raw) / static_cast<double>(packed);
  }
};

// Registers `fn(i)` (work on buffer i) as benchmark `name`, counting 64 KiB
// of raw content per call.
inline void RegisterPrimitive(const std::string& name, std::function<void(int)> fn) {
  benchmark::RegisterBenchmark(
      name.c_str(),
      [fn](benchmark::State& state) {
        int i = 0;
        for (auto _ : state) {
          fn(i);
          i = (i + 1) % kPrimitiveBuffers;
        }
        state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * kPrimitiveBufSize);
      })
      ->Repetitions(3)
      ->Unit(benchmark::kMicrosecond);
}

inline void Check(bool ok, const char* what) {
  if (!ok) Die(std::string("primitive ") + what + " failed");
}

inline void RegisterAllPrimitives(const PrimitiveInputs& in) {
  const int level = format::kDefaultCompressionLevel;
  RegisterPrimitive("sha256", [&](int i) { benchmark::DoNotOptimize(Sha256(in.plain[i])); });
  RegisterPrimitive("hmac_sha256", [&](int i) {
    benchmark::DoNotOptimize(HmacSha256(in.keys.id_key, in.plain[i]));
  });
  RegisterPrimitive("aead_seal", [&](int i) {
    benchmark::DoNotOptimize(AeadSeal(in.keys.data_key, in.plain[i], format::kAadBlob));
  });
  RegisterPrimitive("aead_open", [&](int i) {
    Check(AeadOpen(in.keys.data_key, in.sealed[i], format::kAadBlob).ok(), "aead_open");
  });
  RegisterPrimitive("zstd3_compress",
                    [&](int i) { Check(ZstdCompress(in.plain[i], level).ok(), "zstd compress"); });
  RegisterPrimitive("zstd_decompress", [&](int i) {
    Check(ZstdDecompress(in.compressed[i], kPrimitiveBufSize).ok(), "zstd decompress");
  });
  RegisterPrimitive("blob_encode", [&](int i) {
    Check(EncodeBlob(in.keys, in.plain[i], level).ok(), "blob encode");
  });
  RegisterPrimitive("blob_decode", [&](int i) {
    const EncodedBlob& b = in.blobs[i];
    Check(DecodeBlob(in.keys, b.id, b.sealed, b.raw_len, "bench").ok(), "blob decode");
  });
}

// Runs the primitive benchmarks (honouring --benchmark_* flags already
// given to benchmark::Initialize) and returns one row per primitive.
inline std::vector<PrimitiveResult> RunPrimitives() {
  PrimitiveInputs in;
  RegisterAllPrimitives(in);
  CollectingReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  const std::string ratio = Fmt("%.2fx", in.zstd_ratio);
  std::vector<PrimitiveResult> rows = {
      {"sha256", "SHA-256", "`Sha256`, OpenSSL EVP"},
      {"hmac_sha256", "HMAC-SHA-256", "`HmacSha256`: the blob id"},
      {"aead_seal", "XChaCha20-Poly1305 seal", "`AeadSeal`, libsodium; fresh random nonce"},
      {"aead_open", "XChaCha20-Poly1305 open", "`AeadOpen`, tag verified"},
      {"zstd3_compress", "zstd level 3 compress", "`ZstdCompress`; ratio " + ratio},
      {"zstd_decompress", "zstd decompress", "`ZstdDecompress`; MiB/s of output"},
      {"blob_encode", "blob encode = HMAC + zstd 3 + seal",
       "`EncodeBlob`: the CPU work of one new Put"},
      {"blob_decode", "blob decode = open + unzstd + HMAC check",
       "`DecodeBlob`: the CPU work of one Get"},
  };
  for (PrimitiveResult& r : rows) {
    r.mib_per_s = reporter.MedianCpu(r.name) / kMiB;
    r.wall_mib_per_s = reporter.MedianWall(r.name) / kMiB;
  }
  return rows;
}

}  // namespace tidemark::bench
