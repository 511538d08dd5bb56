#include "ledger/ledger.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <thread>

#include "base/coding.h"
#include "base/logging.h"
#include "crypto/crypto.h"
#include "ledger/redact.h"

namespace tidemark {

namespace {

// "ledger entry 4 is missing (entries 3 and 5 exist)"; prev_seq 0 means no
// entry before the gap exists.
std::string MissingMessage(uint64_t prev_seq, uint64_t seq) {
  const uint64_t first = prev_seq + 1, last = seq - 1;
  std::string msg = first == last ? "ledger entry " + std::to_string(first) + " is missing"
                                  : "ledger entries " + std::to_string(first) + " to " +
                                        std::to_string(last) + " are missing";
  if (prev_seq == 0) return msg + " (entry " + std::to_string(seq) + " exists)";
  return msg + " (entries " + std::to_string(prev_seq) + " and " + std::to_string(seq) + " exist)";
}

std::string LinkMessage(uint64_t seq) {
  return "ledger entry " + std::to_string(seq) + ": does not link to entry " +
         std::to_string(seq - 1) + " (prev_hash mismatch)";
}

// Sleeps a random time that grows with the number of lost races, so that
// racing writers spread out.
void Backoff(int attempt) {
  const uint64_t cap_us = std::min<uint64_t>(1000ull << std::min(attempt, 7), 100000);
  const uint64_t r = DecodeFixed64(RandomBytes(8).data());
  std::this_thread::sleep_for(std::chrono::microseconds(r % cap_us));
}

}  // namespace

Ledger::Ledger(const Repository* repo, LedgerOptions options)
    : repo_(repo), options_(std::move(options)), cache_(options_.cache_dir, repo->id_hex()) {}

Result<std::vector<uint64_t>> Ledger::ListSeqs() const {
  std::vector<uint64_t> seqs;
  TM_RETURN_IF_ERROR(repo_->backend()->List(FileKind::kLedger, [&](const FileInfo& f) {
    uint64_t seq;
    if (ParseLedgerEntryName(f.handle.name, &seq)) seqs.push_back(seq);
    return Status::OK();
  }));
  std::sort(seqs.begin(), seqs.end());
  return seqs;
}

Result<LedgerEntry> Ledger::ReadEntry(uint64_t seq) const {
  const FileHandle h{FileKind::kLedger, LedgerEntryName(seq)};
  TM_ASSIGN_OR_RETURN(std::string file,
                      repo_->backend()->Get(h, 0, format::kMaxLedgerEntrySize + 1));
  if (file.size() > format::kMaxLedgerEntrySize) {
    return Status::Corruption("ledger entry " + std::to_string(seq) + ": file larger than " +
                              std::to_string(format::kMaxLedgerEntrySize) +
                              " bytes, the largest valid entry");
  }
  return DecodeLedgerEntry(h.name, file, repo_->keys(), repo_->config().sign_public_key);
}

Result<LedgerHead> Ledger::HeadOf(const std::vector<uint64_t>& seqs) const {
  if (seqs.empty()) return LedgerHead{};
  TM_ASSIGN_OR_RETURN(LedgerEntry entry, ReadEntry(seqs.back()));
  return LedgerHead{entry.seq, entry.hash};
}

Result<LedgerHead> Ledger::Head() const {
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ListSeqs());
  return HeadOf(seqs);
}

Status Ledger::CheckAppendable() const {
  const std::optional<LedgerHead> cached = cache_.Load();
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ListSeqs());
  TM_ASSIGN_OR_RETURN(LedgerHead head, HeadOf(seqs));
  return CheckAgainstCache(cached, head);
}

Status Ledger::CheckAgainstCache(const std::optional<LedgerHead>& cached,
                                 const LedgerHead& head) const {
  if (!cached || cached->seq == 0) return Status::OK();
  const std::string advice =
      "; run `tidemark ledger verify`. If the repository was restored "
      "from an older copy on purpose, delete " +
      cache_.path();
  if (cached->seq > head.seq) {
    return Status::Refused("ledger ends at entry " + std::to_string(head.seq) + " but entry " +
                           std::to_string(cached->seq) + " was seen on this machine (head cache " +
                           cache_.path() + "): the newest entries were removed" + advice);
  }
  Id seen = head.hash;
  if (cached->seq < head.seq) {
    TM_ASSIGN_OR_RETURN(LedgerEntry entry, ReadEntry(cached->seq));
    seen = entry.hash;
  }
  if (seen != cached->hash) {
    return Status::Refused("ledger entry " + std::to_string(cached->seq) +
                           " differs from the one seen on this machine (head cache " +
                           cache_.path() + "): the ledger was rewritten" + advice);
  }
  return Status::OK();
}

Result<LedgerEntry> Ledger::TryAppend(const LedgerRecord& rec) const {
  // Load the cache before listing: the cache only ever names entries that
  // were written before it was updated, so it cannot be ahead of a later list.
  const std::optional<LedgerHead> cached = cache_.Load();
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ListSeqs());
  TM_ASSIGN_OR_RETURN(LedgerHead head, HeadOf(seqs));
  TM_RETURN_IF_ERROR(CheckAgainstCache(cached, head));
  if (head.seq == std::numeric_limits<uint64_t>::max()) {
    return Status::Refused("the ledger is full (entry " + std::to_string(head.seq) + " exists)");
  }
  LedgerEntry entry;
  entry.seq = head.seq + 1;
  entry.time_us = repo_->clock()->NowMicros();
  entry.prev_hash = head.hash;
  entry.record = rec;
  TM_ASSIGN_OR_RETURN(std::string file, EncodeLedgerEntry(entry, repo_->keys()));
  TM_RETURN_IF_ERROR(repo_->backend()->Put({FileKind::kLedger, LedgerEntryName(entry.seq)}, file,
                                           PutMode::kCreateExclusive));
  entry.hash = Id::FromBytes(Sha256(file));
  return entry;
}

Result<LedgerEntry> Ledger::Append(LedgerRecord rec) {
  if (rec.actor.empty()) rec.actor = CurrentUser() + "@" + CurrentHost();
  RedactArgs(&rec.args);
  for (std::string& target : rec.targets) target = RedactUrlPasswords(target);
  FitLedgerRecord(&rec);
  for (int attempt = 1; attempt <= options_.max_append_attempts; attempt++) {
    auto entry = TryAppend(rec);
    if (entry.ok()) {
      TM_LOG(kInfo, "ledger entry ", entry->seq, " appended: ", entry->record.action, " ",
             entry->record.outcome);
      cache_.Advance({entry->seq, entry->hash});
      return entry;
    }
    if (!entry.status().IsAlreadyExists()) return entry.status();
    Backoff(attempt);  // another writer appended first: re-read the head
  }
  return Status::Refused(
      "the ledger is too contended: " + std::to_string(options_.max_append_attempts) +
      " attempts to append lost the race to other writers; try again");
}

Status Ledger::ForEach(uint64_t from_seq,
                       const std::function<Status(const LedgerEntry&)>& fn) const {
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ListSeqs());
  const uint64_t start = std::max<uint64_t>(from_seq, 1);
  uint64_t prev_seq = start - 1;
  Id prev_hash;  // zero: the "hash" before entry 1
  if (prev_seq > 0 && !seqs.empty() && seqs.back() >= start) {
    auto prev = ReadEntry(prev_seq);
    if (prev.status().IsNotFound()) {
      return Status::Corruption("ledger entry " + std::to_string(prev_seq) + " is missing");
    }
    if (!prev.ok()) return prev.status();
    prev_hash = prev->hash;
  }
  for (uint64_t seq : seqs) {
    if (seq < start) continue;
    if (seq != prev_seq + 1) return Status::Corruption(MissingMessage(prev_seq, seq));
    TM_ASSIGN_OR_RETURN(LedgerEntry entry, ReadEntry(seq));
    if (entry.prev_hash != prev_hash) return Status::Corruption(LinkMessage(seq));
    TM_RETURN_IF_ERROR(fn(entry));
    prev_seq = seq;
    prev_hash = entry.hash;
  }
  return Status::OK();
}

Status Ledger::CheckChain(const std::vector<uint64_t>& seqs, std::map<uint64_t, Id>* hashes,
                          VerifyReport* report) const {
  uint64_t prev_seq = 0;
  std::optional<Id> prev_hash = Id{};  // nullopt when entry prev_seq did not verify
  for (uint64_t seq : seqs) {
    if (seq == 0) {
      report->problems.push_back({0, "ledger file ledger/" + LedgerEntryName(0) +
                                         ": seq 0 is not valid (entries start at 1)"});
      continue;
    }
    if (seq != prev_seq + 1) {
      report->problems.push_back({prev_seq + 1, MissingMessage(prev_seq, seq)});
      prev_hash.reset();
    }
    report->entries_checked++;
    report->head = {seq, Id{}};
    prev_seq = seq;
    auto entry = ReadEntry(seq);
    if (!entry.ok()) {
      const Status& s = entry.status();
      if (!s.IsCorruption() && !s.IsNotFound()) return s;
      report->problems.push_back({seq, s.message()});
      prev_hash.reset();
      continue;
    }
    if (prev_hash && entry->prev_hash != *prev_hash) {
      report->problems.push_back({seq, LinkMessage(seq)});
    }
    prev_hash = entry->hash;
    report->head.hash = entry->hash;
    if (auto it = hashes->find(seq); it != hashes->end()) it->second = entry->hash;
  }
  return Status::OK();
}

void Ledger::CheckRemembered(const LedgerHead& remembered, const std::string& source,
                             const std::map<uint64_t, Id>& hashes, VerifyReport* report) const {
  if (remembered.seq == 0) return;
  const uint64_t last = report->head.seq;
  if (remembered.seq > last) {
    const std::string ends =
        last == 0 ? "ledger is empty" : "ledger ends at entry " + std::to_string(last);
    report->problems.push_back({remembered.seq, ends + " but entry " +
                                                    std::to_string(remembered.seq) + " was " +
                                                    source + ": the newest entries were removed"});
    return;
  }
  auto it = hashes.find(remembered.seq);
  // A zero hash means the entry is missing or bad, which is reported already.
  if (it == hashes.end() || it->second.IsZero() || it->second == remembered.hash) return;
  report->problems.push_back(
      {remembered.seq, "ledger entry " + std::to_string(remembered.seq) + " has hash " +
                           it->second.Short() + "… but hash " + remembered.hash.Short() + "… was " +
                           source + ": the ledger was rewritten"});
}

Result<VerifyReport> Ledger::Verify(std::optional<LedgerHead> expected) const {
  const std::optional<LedgerHead> cached = cache_.Load();
  TM_ASSIGN_OR_RETURN(std::vector<uint64_t> seqs, ListSeqs());
  std::map<uint64_t, Id> hashes;  // hashes of the remembered entries, found by CheckChain
  if (cached) hashes[cached->seq] = Id{};
  if (expected) hashes[expected->seq] = Id{};
  VerifyReport report;
  TM_RETURN_IF_ERROR(CheckChain(seqs, &hashes, &report));
  if (cached) {
    CheckRemembered(*cached, "seen on this machine (head cache " + cache_.path() + ")", hashes,
                    &report);
  }
  if (expected) {
    CheckRemembered(*expected, "expected (--expect-head " + FormatHead(*expected) + ")", hashes,
                    &report);
  }
  std::stable_sort(report.problems.begin(), report.problems.end(),
                   [](const LedgerProblem& a, const LedgerProblem& b) { return a.seq < b.seq; });
  report.ok = report.problems.empty();
  if (report.ok && report.head.seq > 0 && (!cached || cached->seq < report.head.seq)) {
    cache_.Advance(report.head);
  }
  return report;
}

}  // namespace tidemark
