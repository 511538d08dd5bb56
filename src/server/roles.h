// Roles and scope (docs/api.md#roles): who may do what, on which sources.
// One pure function decides every request (Authorize); roles_test.cc checks
// the whole matrix.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace tidemark {

// Ordered: each role may do everything the ones below it may.
enum class Role : uint8_t { kViewer = 1, kOperator = 2, kRestorer = 3, kAdmin = 4 };

const char* RoleName(Role role);  // "viewer", "operator", "restorer", "admin"
// InvalidArgument naming the four roles for anything else.
Result<Role> ParseRole(std::string_view name);

// A role on every source (sources empty) or on the named sources only.
struct Grant {
  Role role = Role::kViewer;
  std::vector<std::string> sources;
  bool scoped() const { return !sources.empty(); }
};

enum class Action : uint8_t {
  kView,            // status, sources, snapshots, records, alerts, holds, ledger, metrics
  kAckAlert,        // operator
  kBackup,          // operator
  kDrill,           // operator
  kCheck,           // operator
  kRestore,         // restorer
  kRollback,        // restorer (rollback and revert)
  kManageHolds,     // admin
  kRetention,       // admin (forget, prune)
  kManageAccounts,  // admin
  kManageKeys,      // admin
};
inline constexpr Action kAllActions[] = {
    Action::kView,      Action::kAckAlert,       Action::kBackup,    Action::kDrill,
    Action::kCheck,     Action::kRestore,        Action::kRollback,  Action::kManageHolds,
    Action::kRetention, Action::kManageAccounts, Action::kManageKeys};

const char* ActionName(Action action);  // "view", "ack-alert", ...
// The least role that may take `action`.
Role MinimumRole(Action action);

// What an action is about.
enum class Scope : uint8_t {
  kSource,      // one source (a snapshot's source, a backup of a source)
  kListing,     // a list filtered to the grant's sources (snapshots, alerts, status)
  kRepository,  // the whole repository (the ledger, check, prune, accounts)
};
struct Target {
  Scope scope = Scope::kRepository;
  std::string_view source;  // for kSource
  static Target Source(std::string_view s) { return {Scope::kSource, s}; }
  static Target Listing() { return {Scope::kListing, {}}; }
  static Target Repository() { return {Scope::kRepository, {}}; }
};

enum class Decision : uint8_t {
  kAllow,
  kDenyRole,    // the role is below the action's (HTTP 403)
  kDenySource,  // the source, or the whole repository, is outside the grant (HTTP 403)
};
const char* DecisionName(Decision d);  // "allow", "deny-role", "deny-source"

// The one rule: the grant's role must be at least MinimumRole(action); a
// source target must be among a scoped grant's sources; a repository target
// needs an unscoped grant; a listing is allowed to every grant (the caller
// filters it with InScope).
Decision Authorize(const Grant& grant, Action action, const Target& target);

// True when `source` is among the grant's sources (always when unscoped).
bool InScope(const Grant& grant, std::string_view source);

}  // namespace tidemark
