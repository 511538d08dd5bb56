#include "server/roles.h"

#include <algorithm>

namespace tidemark {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kViewer:
      return "viewer";
    case Role::kOperator:
      return "operator";
    case Role::kRestorer:
      return "restorer";
    case Role::kAdmin:
      return "admin";
  }
  return "unknown";
}

Result<Role> ParseRole(std::string_view name) {
  for (Role r : {Role::kViewer, Role::kOperator, Role::kRestorer, Role::kAdmin}) {
    if (name == RoleName(r)) return r;
  }
  return Status::InvalidArgument("unknown role '" + std::string(name) +
                                 "': use viewer, operator, restorer or admin");
}

const char* ActionName(Action action) {
  switch (action) {
    case Action::kView:
      return "view";
    case Action::kAckAlert:
      return "ack-alert";
    case Action::kBackup:
      return "backup";
    case Action::kDrill:
      return "drill";
    case Action::kCheck:
      return "check";
    case Action::kRestore:
      return "restore";
    case Action::kRollback:
      return "rollback";
    case Action::kManageHolds:
      return "manage-holds";
    case Action::kRetention:
      return "retention";
    case Action::kManageAccounts:
      return "manage-accounts";
    case Action::kManageKeys:
      return "manage-keys";
  }
  return "unknown";
}

Role MinimumRole(Action action) {
  switch (action) {
    case Action::kView:
      return Role::kViewer;
    case Action::kAckAlert:
    case Action::kBackup:
    case Action::kDrill:
    case Action::kCheck:
      return Role::kOperator;
    case Action::kRestore:
    case Action::kRollback:
      return Role::kRestorer;
    case Action::kManageHolds:
    case Action::kRetention:
    case Action::kManageAccounts:
    case Action::kManageKeys:
      return Role::kAdmin;
  }
  return Role::kAdmin;  // an unknown action needs the most
}

const char* DecisionName(Decision d) {
  switch (d) {
    case Decision::kAllow:
      return "allow";
    case Decision::kDenyRole:
      return "deny-role";
    case Decision::kDenySource:
      return "deny-source";
  }
  return "unknown";
}

bool InScope(const Grant& grant, std::string_view source) {
  return !grant.scoped() ||
         std::find(grant.sources.begin(), grant.sources.end(), source) != grant.sources.end();
}

Decision Authorize(const Grant& grant, Action action, const Target& target) {
  if (static_cast<uint8_t>(grant.role) < static_cast<uint8_t>(MinimumRole(action))) {
    return Decision::kDenyRole;
  }
  switch (target.scope) {
    case Scope::kListing:
      return Decision::kAllow;
    case Scope::kSource:
      return InScope(grant, target.source) ? Decision::kAllow : Decision::kDenySource;
    case Scope::kRepository:
      return grant.scoped() ? Decision::kDenySource : Decision::kAllow;
  }
  return Decision::kDenySource;
}

}  // namespace tidemark
