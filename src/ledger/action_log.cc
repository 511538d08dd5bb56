#include "ledger/action_log.h"

#include "ledger/ledger.h"

namespace tidemark {

const char* LedgerFailureOutcome(const Status& status) {
  if (status.IsCancelled()) return "cancelled";
  const bool refused =
      status.code() == Status::Code::kRefused || status.code() == Status::Code::kAlreadyExists;
  return refused ? "refused" : "failed";
}

Status ActionLog::Preflight() const {
  if (repo_ == nullptr) return Status::Internal("ledger check without an open repository");
  Status s = Ledger(repo_).CheckAppendable();
  return s.WithContext("nothing was changed, because the ledger would not record it");
}

Status ActionLog::Record(const std::string& action, const std::string& outcome,
                         std::vector<std::string> targets,
                         std::vector<std::pair<std::string, int64_t>> counts,
                         const std::string& reason) const {
  if (repo_ == nullptr) return Status::Internal("ledger entry without an open repository");
  LedgerRecord rec;
  rec.actor = actor_;
  rec.action = action;
  rec.outcome = outcome;
  rec.args.emplace_back("command", command_);
  if (!reason.empty()) rec.args.emplace_back("reason", reason);
  rec.targets = std::move(targets);
  rec.counts = std::move(counts);
  Ledger ledger(repo_);
  auto entry = ledger.Append(std::move(rec));
  if (!entry.ok()) {
    return entry.status().WithContext(action + " was done, but recording it in the ledger failed");
  }
  return Status::OK();
}

}  // namespace tidemark
