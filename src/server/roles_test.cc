// The whole role x action x scope matrix of Authorize, written out: a
// change to who may do what must change this table.
#include "server/roles.h"

#include <gtest/gtest.h>

#include <map>

namespace tidemark {
namespace {

constexpr Role kRoles[] = {Role::kViewer, Role::kOperator, Role::kRestorer, Role::kAdmin};

// The least role of each action (the table).
const std::map<Action, Role> kLeast = {
    {Action::kView, Role::kViewer},       {Action::kAckAlert, Role::kOperator},
    {Action::kBackup, Role::kOperator},   {Action::kDrill, Role::kOperator},
    {Action::kCheck, Role::kOperator},    {Action::kRestore, Role::kRestorer},
    {Action::kRollback, Role::kRestorer}, {Action::kManageHolds, Role::kAdmin},
    {Action::kRetention, Role::kAdmin},   {Action::kManageAccounts, Role::kAdmin},
    {Action::kManageKeys, Role::kAdmin},
};

TEST(RolesTest, EveryActionHasItsLeastRole) {
  ASSERT_EQ(kLeast.size(), std::size(kAllActions));
  for (Action a : kAllActions) EXPECT_EQ(MinimumRole(a), kLeast.at(a)) << ActionName(a);
}

TEST(RolesTest, FullMatrix) {
  const Grant scoped_crm = {Role::kViewer, {"crm"}};
  for (Role role : kRoles) {
    for (Action action : kAllActions) {
      const bool role_ok = static_cast<int>(role) >= static_cast<int>(kLeast.at(action));
      const Decision role_deny = role_ok ? Decision::kAllow : Decision::kDenyRole;
      const Grant all{role, {}};
      Grant mine = scoped_crm;
      mine.role = role;
      const std::string what = std::string(RoleName(role)) + " " + ActionName(action);
      // Unscoped: the role alone decides, whatever the target.
      EXPECT_EQ(Authorize(all, action, Target::Source("crm")), role_deny) << what;
      EXPECT_EQ(Authorize(all, action, Target::Source("hr")), role_deny) << what;
      EXPECT_EQ(Authorize(all, action, Target::Listing()), role_deny) << what;
      EXPECT_EQ(Authorize(all, action, Target::Repository()), role_deny) << what;
      // Scoped to crm: the role first, then the source.
      EXPECT_EQ(Authorize(mine, action, Target::Source("crm")), role_deny) << what;
      EXPECT_EQ(Authorize(mine, action, Target::Listing()), role_deny) << what;
      EXPECT_EQ(Authorize(mine, action, Target::Source("hr")),
                role_ok ? Decision::kDenySource : Decision::kDenyRole)
          << what;
      EXPECT_EQ(Authorize(mine, action, Target::Repository()),
                role_ok ? Decision::kDenySource : Decision::kDenyRole)
          << what;
    }
  }
}

TEST(RolesTest, ScopeIsExactName) {
  const Grant g{Role::kAdmin, {"crm", "hr"}};
  EXPECT_TRUE(InScope(g, "crm"));
  EXPECT_TRUE(InScope(g, "hr"));
  EXPECT_FALSE(InScope(g, "CRM"));
  EXPECT_FALSE(InScope(g, "crm2"));
  EXPECT_FALSE(InScope(g, ""));
  EXPECT_TRUE(InScope(Grant{Role::kViewer, {}}, "anything"));
}

TEST(RolesTest, ParseRole) {
  for (Role r : kRoles) EXPECT_EQ(*ParseRole(RoleName(r)), r);
  EXPECT_TRUE(ParseRole("Admin").status().IsInvalidArgument());
  EXPECT_TRUE(ParseRole("").status().IsInvalidArgument());
  EXPECT_TRUE(ParseRole("root").status().IsInvalidArgument());
}

}  // namespace
}  // namespace tidemark
