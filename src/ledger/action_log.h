// ActionLog: how a front end (the CLI today, `tidemark serve` later) and the
// use cases in ops/ record what they did on someone's behalf. Every entry
// carries the front end's description of the request (arg "command": for the
// CLI its redacted command line) and, when given, a reason.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "base/result.h"
#include "repo/repository.h"

namespace tidemark {

// The outcome word of an action that did not succeed: "refused" when it
// declined to act (Refused, AlreadyExists: exit 4 in the CLI), "cancelled"
// when it was stopped on request (Cancelled: exit 130), else "failed".
const char* LedgerFailureOutcome(const Status& status);

class ActionLog {
 public:
  // `repo` must outlive the log; `command` says what was asked for;
  // `actor` names who asked ("" = this process's user, CurrentUser()@host;
  // the server names the account).
  ActionLog(const Repository* repo, std::string command, std::string actor = "")
      : repo_(repo), command_(std::move(command)), actor_(std::move(actor)) {}

  // Refused when the ledger would not accept an entry now. A use case whose
  // action cannot be undone calls it before acting (FORMAT.md §11).
  Status Preflight() const;

  // Appends one entry. `reason` (optional) explains a refusal or failure; it
  // is kept whole as an argument, since outcomes are short words ("ok",
  // "refused", "damaged"). The error says the action was done but not recorded.
  Status Record(const std::string& action, const std::string& outcome,
                std::vector<std::string> targets,
                std::vector<std::pair<std::string, int64_t>> counts,
                const std::string& reason = "") const;

  const Repository* repo() const { return repo_; }

 private:
  const Repository* repo_;
  std::string command_;
  std::string actor_;
};

}  // namespace tidemark
