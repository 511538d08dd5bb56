// blobstore_bench: BlobStore Put / dedup Put / Get throughput on ~1 GiB of
// 4-64 KiB blobs in a LocalBackend repository, beside the raw speed of the
// primitives a blob goes through (SHA-256, HMAC-SHA-256, XChaCha20-Poly1305,
// zstd). Prints markdown tables to stdout and progress to stderr; bench/run
// adds the machine facts and writes bench/results.md. See bench/README.md.
//
// Usage: blobstore_bench [--tmpdir=DIR] [--only=primitives|store]
//                        [--benchmark_* flags for the primitives]
// Environment: BENCH_BYTES (default 1G; "64M" for a quick run).
#include <fcntl.h>
#include <openssl/crypto.h>
#include <sodium.h>
#include <sys/statvfs.h>
#include <unistd.h>
#include <zstd.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <random>

#include "bench_util.h"
#include "content.h"
#include "primitives.h"
#include "repo/blob_store.h"
#include "repo/repository.h"
#include "storage/local_backend.h"
#include "timed_backend.h"

namespace tidemark::bench {
namespace {

constexpr uint32_t kMinBlob = 4 * kKiB;
constexpr uint32_t kMaxBlob = 64 * kKiB;
constexpr uint64_t kDiskMargin = 256 * kMiB;
constexpr uint64_t kMinBytes = 16 * kMiB;
constexpr size_t kVerifyEvery = 16;      // Get compares every 16th blob byte for byte
constexpr KdfParams kBenchKdf{1, 8192};  // the KDF is not what we measure
constexpr const char* kPassword = "bench";

struct Options {
  uint64_t bytes = kGiB;
  std::string bytes_spec = "default 1 GiB";
  std::string tmpdir;  // parent of the temporary repository
  bool primitives = true;
  bool store = true;
};

[[noreturn]] void Usage(const std::string& why) {
  Die(why +
      "\nusage: blobstore_bench [--tmpdir=DIR] [--only=primitives|store] "
      "[--benchmark_* flags]\n  env BENCH_BYTES=64M|1G|<bytes> (default 1G)");
}

Options ParseOptions(int argc, char** argv) {
  Options o;
  if (const char* b = std::getenv("BENCH_BYTES"); b != nullptr && *b != '\0') {
    auto n = ParseSize(b);
    if (!n || *n < kMinBytes) Usage(std::string("BENCH_BYTES=") + b + ": want a size >= 16M");
    o.bytes = *n;
    o.bytes_spec = std::string("BENCH_BYTES=") + b;
  }
  const char* t = std::getenv("TMPDIR");
  o.tmpdir = (t != nullptr && *t != '\0') ? t : "/tmp";
  for (int i = 1; i < argc; i++) {
    const std::string_view a = argv[i];
    if (a.starts_with("--tmpdir=")) {
      o.tmpdir = std::string(a.substr(9));
    } else if (a == "--only=primitives") {
      o.store = false;
    } else if (a == "--only=store") {
      o.primitives = false;
    } else {
      Usage("unknown argument " + std::string(a));
    }
  }
  return o;
}

// ---------------------------------------------------------------- workload

// Blob i has size sizes[i] (uniform in 4-64 KiB) and content
// Content(seed_base + i, sizes[i]): distinct for every i.
struct Workload {
  uint64_t seed_base = 1000000;
  std::vector<uint32_t> sizes;
  uint64_t total = 0;

  size_t count() const { return sizes.size(); }
  uint64_t Seed(size_t i) const { return seed_base + i; }
};

Workload MakeWorkload(uint64_t bytes) {
  Workload w;
  Rng r(42);
  while (w.total < bytes) {
    w.sizes.push_back(static_cast<uint32_t>(r.Between(kMinBlob, kMaxBlob)));
    w.total += w.sizes.back();
  }
  return w;
}

// Shrinks opt->bytes (with a warning) when the file system holding the
// temporary repository cannot take it. The repository needs about a third
// of the raw bytes (zstd); we ask for half plus a margin.
std::string CheckDiskSpace(Options* opt) {
  struct statvfs fs {};
  if (statvfs(opt->tmpdir.c_str(), &fs) != 0) {
    Die("statvfs " + opt->tmpdir + ": " + std::strerror(errno) +
        " (set TMPDIR or --tmpdir to a writable folder)");
  }
  const uint64_t avail = static_cast<uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (opt->bytes / 2 + kDiskMargin <= avail) return "";
  const uint64_t fit = avail > kDiskMargin ? (avail - kDiskMargin) * 2 : 0;
  if (fit < kMinBytes) Die("only " + MiB(avail) + " free in " + opt->tmpdir + "; need 264 MiB");
  const std::string warn = "WARNING: only " + MiB(avail) + " free in " + opt->tmpdir +
                           ": scaled down from " + MiB(opt->bytes) + " to " + MiB(fit);
  std::fprintf(stderr, "blobstore_bench: %s\n", warn.c_str());
  opt->bytes = fit;
  return warn;
}

// ------------------------------------------------------------ store phases

struct StoreRow {
  std::string phase;
  double seconds = 0;
  uint64_t bytes = 0;  // raw content bytes; 0: no MiB/s column
  uint64_t blobs = 0;
  std::string note;
};

struct StoreReport {
  std::vector<StoreRow> rows;
  std::vector<std::string> notes;
  std::string workload;
  std::string warning;                  // the run was scaled down for lack of disk space
  double put_mib_s = 0, get_mib_s = 0;  // for comparing with the primitives
};

// Writes "3" to /proc/sys/vm/drop_caches after sync(). Returns "" on
// success, else why not (not root, read-only /proc in a container, ...).
std::string DropCaches() {
  ::sync();
  const int fd = ::open("/proc/sys/vm/drop_caches", O_WRONLY);
  if (fd < 0) return std::string("open /proc/sys/vm/drop_caches: ") + std::strerror(errno);
  const bool ok = ::write(fd, "3\n", 2) == 2;
  const int err = errno;
  ::close(fd);
  if (!ok) return std::string("write /proc/sys/vm/drop_caches: ") + std::strerror(err);
  return "";
}

class StoreBench {
 public:
  explicit StoreBench(const Options& opt) : opt_(opt), w_(MakeWorkload(opt.bytes)) {}

  void Setup();
  void PutPass();
  void DedupPass();
  void GetPasses();
  StoreReport Finish();

 private:
  void OpenBackend();  // (re)opens local_ and timed_ on dir_
  void GetPass(BlobStore* store, const std::string& phase);
  std::string StorageShare(double backend_s, double total_s, const char* what) const;

  const Options opt_;
  const Workload w_;
  std::string dir_;
  std::unique_ptr<LocalBackend> local_;
  std::unique_ptr<TimedBackend> timed_;
  std::unique_ptr<Repository> repo_;
  std::unique_ptr<BlobStore> writer_;
  std::vector<Id> ids_;
  StoreReport report_;
};

void StoreBench::OpenBackend() {
  auto local = LocalBackend::Open(dir_);
  if (!local.ok()) Die("LocalBackend::Open: " + local.status().ToString());
  local_ = std::move(*local);
  timed_ = std::make_unique<TimedBackend>(local_.get());
}

void StoreBench::Setup() {
  std::string tmpl = opt_.tmpdir + "/tidemark-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) Die("mkdtemp " + tmpl + ": " + std::strerror(errno));
  CleanupDir() = tmpl;
  dir_ = tmpl + "/repo";
  Status s = LocalBackend::Create(dir_);
  if (!s.ok()) Die("LocalBackend::Create: " + s.ToString());
  OpenBackend();
  InitOptions init;
  init.kdf = kBenchKdf;
  auto repo = Repository::Init(timed_.get(), kPassword, init);
  if (!repo.ok()) Die("Repository::Init: " + repo.status().ToString());
  repo_ = std::move(*repo);
  writer_ = std::make_unique<BlobStore>(repo_.get());
  report_.workload = Fmt("%zu blobs, sizes uniform in 4-64 KiB (mean %.1f KiB), ", w_.count(),
                         static_cast<double>(w_.total) / w_.count() / kKiB) +
                     MiB(w_.total) + " in total (" + opt_.bytes_spec + "); pack target " +
                     MiB(repo_->config().pack_target) + ", zstd level " +
                     std::to_string(repo_->config().compression_level) + "; repository in " + dir_ +
                     " (removed afterwards)";
  std::fprintf(stderr, "store: %s\n", report_.workload.c_str());
}

std::string StoreBench::StorageShare(double backend_s, double total_s, const char* what) const {
  return Fmt("%s %.2f s = %.0f%% of the time", what, backend_s,
             total_s > 0 ? 100.0 * backend_s / total_s : 0.0);
}

void StoreBench::PutPass() {
  const BackendTimes before = timed_->times();
  Accumulator acc;
  ProgressLine progress("put", w_.total);
  std::string buf;
  uint64_t done = 0;
  ids_.reserve(w_.count());
  for (size_t i = 0; i < w_.count(); i++) {
    Content(w_.Seed(i), w_.sizes[i], &buf);
    Result<Id> id = acc.Time([&] { return writer_->Put(BlobType::kData, buf); });
    if (!id.ok()) Die("Put of blob " + std::to_string(i) + ": " + id.status().ToString());
    ids_.push_back(*id);
    done += buf.size();
    progress.Update(done, acc.Seconds());
  }
  Status s = acc.Time([&] { return writer_->Flush(); });
  if (!s.ok()) Die("Flush: " + s.ToString());
  const BlobStoreStats st = writer_->stats();
  if (st.blobs_added != w_.count() || st.blobs_deduped != 0 || st.bytes_added != w_.total) {
    Die(Fmt("Put pass: expected %zu new blobs, store counted %llu new and %llu deduplicated",
            w_.count(), (unsigned long long)st.blobs_added, (unsigned long long)st.blobs_deduped));
  }
  const BackendTimes after = timed_->times();
  const double put_s = after.put_seconds - before.put_seconds;
  report_.rows.push_back(
      {"Put, new content (incl. final Flush)", acc.Seconds(), w_.total, w_.count(),
       MiB(w_.total) + " raw -> " + MiB(st.bytes_written) +
           Fmt(" written (%.2fx) in %llu packs + as many index files; ",
               static_cast<double>(w_.total) / static_cast<double>(st.bytes_written),
               (unsigned long long)st.packs_written) +
           StorageShare(put_s, acc.Seconds(), "backend Put (write + fsync + link + dir fsync)")});
  report_.put_mib_s = static_cast<double>(w_.total) / kMiB / acc.Seconds();
}

void StoreBench::DedupPass() {
  const BlobStoreStats before = writer_->stats();
  Accumulator acc;
  ProgressLine progress("dedup put", w_.total);
  std::string buf;
  uint64_t done = 0;
  for (size_t i = 0; i < w_.count(); i++) {
    Content(w_.Seed(i), w_.sizes[i], &buf);
    Result<Id> id = acc.Time([&] { return writer_->Put(BlobType::kData, buf); });
    if (!id.ok()) Die("dedup Put of blob " + std::to_string(i) + ": " + id.status().ToString());
    if (*id != ids_[i]) Die("dedup Put of blob " + std::to_string(i) + " returned another id");
    done += buf.size();
    progress.Update(done, acc.Seconds());
  }
  Status s = acc.Time([&] { return writer_->Flush(); });
  if (!s.ok()) Die("Flush after dedup pass: " + s.ToString());
  const BlobStoreStats st = writer_->stats();
  if (st.blobs_deduped - before.blobs_deduped != w_.count() ||
      st.packs_written != before.packs_written) {
    Die("dedup pass stored new data: expected every Put to be deduplicated");
  }
  report_.rows.push_back({"Put, same content again (all deduplicated)", acc.Seconds(), w_.total,
                          w_.count(),
                          "HMAC-SHA-256 of the content + index lookup; nothing written"});
}

// Reads every blob in a random order; compares every kVerifyEvery-th blob
// with regenerated content and the size of all others.
void StoreBench::GetPass(BlobStore* store, const std::string& phase) {
  std::vector<size_t> order(w_.count());
  for (size_t i = 0; i < order.size(); i++) order[i] = i;
  std::shuffle(order.begin(), order.end(), std::mt19937_64(7));
  const BackendTimes before = timed_->times();
  Accumulator acc;
  ProgressLine progress("get", w_.total);
  std::string expect;
  uint64_t done = 0, verified = 0;
  for (size_t i : order) {
    Result<std::string> got = acc.Time([&] { return store->Get(ids_[i]); });
    if (!got.ok()) Die("Get of blob " + std::to_string(i) + ": " + got.status().ToString());
    if (got->size() != w_.sizes[i]) Die("Get of blob " + std::to_string(i) + ": wrong size");
    if (i % kVerifyEvery == 0) {
      Content(w_.Seed(i), w_.sizes[i], &expect);
      if (*got != expect) Die("Get of blob " + std::to_string(i) + " returned other content");
      verified++;
    }
    done += got->size();
    progress.Update(done, acc.Seconds());
  }
  const double get_s = timed_->times().get_seconds - before.get_seconds;
  report_.rows.push_back(
      {phase, acc.Seconds(), w_.total, w_.count(),
       Fmt("%llu blobs compared byte for byte, all sizes checked; ", (unsigned long long)verified) +
           StorageShare(get_s, acc.Seconds(), "backend Get (open + pread + close)")});
  report_.get_mib_s = static_cast<double>(w_.total) / kMiB / acc.Seconds();
}

// Closes everything, drops the page cache if it can, then re-opens the
// repository and reads it back with a fresh BlobStore.
void StoreBench::GetPasses() {
  writer_.reset();
  repo_.reset();
  timed_.reset();
  local_.reset();
  const std::string drop = geteuid() == 0 ? DropCaches() : "not running as root";
  const bool cold = drop.empty();
  report_.notes.push_back(
      cold ? "Page cache: dropped (sync; echo 3 > /proc/sys/vm/drop_caches) before LoadIndex, "
             "so LoadIndex and the first Get pass read from the device (in a VM, perhaps from "
             "the host's cache of it); the second Get pass reads from the page cache."
           : "Page cache: NOT dropped (" + drop +
                 "), so LoadIndex and Get read what the Put "
                 "pass left in the OS page cache: these are warm-cache numbers, an upper bound "
                 "for reads from the device.");
  std::fprintf(stderr, "store: drop_caches %s\n", cold ? "worked" : drop.c_str());
  OpenBackend();
  auto repo = Repository::Open(timed_.get(), kPassword);
  if (!repo.ok()) Die("Repository::Open: " + repo.status().ToString());
  repo_ = std::move(*repo);
  BlobStore reader(repo_.get());
  Stopwatch sw;
  Status s = reader.LoadIndex();
  const double load_s = sw.Seconds();
  if (!s.ok()) Die("LoadIndex: " + s.ToString());
  const MemIndex& index = reader.index();
  if (index.blob_count() != w_.count()) Die("LoadIndex found a different number of blobs");
  report_.rows.push_back(
      {Fmt("LoadIndex (%zu index files)%s", index.pack_count(), cold ? ", cold cache" : ""), load_s,
       0, index.blob_count(),
       Fmt("MemIndex::MemoryBytes(): %.1f bytes/blob (",
           static_cast<double>(index.MemoryBytes()) / index.blob_count()) +
           MiB(index.MemoryBytes()) + ")"});
  GetPass(&reader,
          cold ? "Get, random order, cold page cache" : "Get, random order (page cache warm)");
  if (cold) GetPass(&reader, "Get, random order, warm page cache");
}

StoreReport StoreBench::Finish() {
  repo_.reset();
  timed_.reset();
  local_.reset();
  RemoveCleanupDir();
  return std::move(report_);
}

// ------------------------------------------------------------------ report

void PrintBuild() {
  std::printf("## Build\n\n");
  std::printf("- compiler: %s %s, %s\n",
#ifdef __clang__
              "clang",
#else
              "GCC",
#endif
              __VERSION__,
#ifdef NDEBUG
              "NDEBUG (release)"
#else
              "assertions ON: not a release build, numbers are not representative"
#endif
  );
  std::printf("- libraries: %s; libsodium %s; zstd %s\n", OpenSSL_version(OPENSSL_VERSION),
              sodium_version_string(), ZSTD_versionString());
  std::printf("- everything runs on one thread\n\n");
}

void PrintPrimitives(const std::vector<PrimitiveResult>& rows) {
  std::printf("## Raw primitives (64 KiB buffers of generated records, one thread)\n\n");
  std::printf("| Operation | MiB/s (CPU) | MiB/s (wall) | Notes |\n|---|---:|---:|---|\n");
  for (const PrimitiveResult& r : rows) {
    std::printf("| %s | %s | %s | %s |\n", r.label.c_str(), Num(r.mib_per_s).c_str(),
                Num(r.wall_mib_per_s).c_str(), r.note.c_str());
  }
  std::printf(
      "\nMedian of 3 Google Benchmark repetitions; MiB/s of raw (uncompressed) "
      "content, 1 MiB = 2^20 bytes. \"CPU\" divides by the thread's CPU time "
      "(Google Benchmark's default, blind to other load on the machine), \"wall\" by "
      "elapsed time (what the store rows below use).\n\n");
}

void PrintStore(const StoreReport& rep) {
  std::printf("## Blob store (LocalBackend, one thread)\n\n");
  std::printf("Workload: %s.\n\n", rep.workload.c_str());
  if (!rep.warning.empty()) std::printf("**%s**\n\n", rep.warning.c_str());
  std::printf("| Phase | MiB/s | blobs/s | Time | Notes |\n|---|---:|---:|---:|---|\n");
  for (const StoreRow& r : rep.rows) {
    const std::string mib = r.bytes ? Num(static_cast<double>(r.bytes) / kMiB / r.seconds) : "-";
    std::printf("| %s | %s | %s | %s | %s |\n", r.phase.c_str(), mib.c_str(),
                Num(static_cast<double>(r.blobs) / r.seconds).c_str(), Seconds(r.seconds).c_str(),
                r.note.c_str());
  }
  std::printf("| Peak RSS of the process | | | | %s (getrusage ru_maxrss, whole run) |\n\n",
              MiB(PeakRssBytes()).c_str());
}

void PrintNotes(const std::vector<PrimitiveResult>& prims, const StoreReport& rep) {
  std::printf("### Notes\n\n");
  std::printf(
      "- MiB/s is raw (uncompressed) content per second; Put and Get are timed per "
      "call, so generating and checking the content is not counted. Put time includes "
      "every pack and index write with its fsyncs, and the final Flush.\n");
  for (const std::string& n : rep.notes) std::printf("- %s\n", n.c_str());
  auto find = [&](const char* name) {
    for (const PrimitiveResult& p : prims)
      if (p.name == name) return p.mib_per_s;
    return 0.0;
  };
  if (find("blob_encode") > 0 && rep.put_mib_s > 0) {
    std::printf(
        "- Put reached %.0f%% of the blob-encode primitive (%s MiB/s CPU, the ceiling "
        "of one thread); the last Get pass reached %.0f%% of blob decode (%s MiB/s "
        "CPU). The gap is the store's own work (pack buffering, pack and index "
        "encoding, index updates, storage time noted above) plus, since the store is "
        "timed by the wall clock, any other load on the machine.\n",
        100 * rep.put_mib_s / find("blob_encode"), Num(find("blob_encode")).c_str(),
        100 * rep.get_mib_s / find("blob_decode"), Num(find("blob_decode")).c_str());
  }
  std::printf("\n");
}

}  // namespace
}  // namespace tidemark::bench

int main(int argc, char** argv) {
  using namespace tidemark::bench;
  benchmark::Initialize(&argc, argv);  // takes the --benchmark_* flags
  Options opt = ParseOptions(argc, argv);
  if (!tidemark::CryptoInit().ok()) Die("CryptoInit failed");
  std::vector<PrimitiveResult> prims;
  if (opt.primitives) prims = RunPrimitives();
  StoreReport store;
  if (opt.store) {
    const std::string warn = CheckDiskSpace(&opt);
    StoreBench b(opt);
    b.Setup();
    b.PutPass();
    b.DedupPass();
    b.GetPasses();
    store = b.Finish();
    store.warning = warn;
  }
  PrintBuild();
  if (opt.primitives) PrintPrimitives(prims);
  if (opt.store) {
    PrintStore(store);
    PrintNotes(prims, store);
  }
  benchmark::Shutdown();
  return 0;
}
