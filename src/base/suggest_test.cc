#include "base/suggest.h"

#include <gtest/gtest.h>

namespace tidemark {
namespace {

// 65 tables, the user's last in schema order (the operator-trial case).
std::vector<std::string> ManyTables() {
  std::vector<std::string> names;
  for (int i = 0; i < 62; ++i) names.push_back("nc_meta_" + std::to_string(i));
  names.push_back("Books");
  names.push_back("Authors");
  names.push_back("book_loans");
  return names;
}

TEST(SuggestTest, FindsUserTablesAmongManyCaseInsensitively) {
  const std::vector<std::string> close = ClosestNames("book", ManyTables());
  ASSERT_EQ(close.size(), 2u);
  EXPECT_EQ(close[0], "Books");
  EXPECT_EQ(close[1], "book_loans");
  EXPECT_EQ(ClosestNames("AUTHORS", ManyTables()), std::vector<std::string>{"Authors"});
  EXPECT_EQ(ClosestNames("athors", ManyTables()), std::vector<std::string>{"Authors"});
}

TEST(SuggestTest, FarNamesAreNotSuggested) {
  EXPECT_TRUE(ClosestNames("invoices", {"Books", "Authors"}).empty());
  EXPECT_EQ(DidYouMean("invoices", {"Books", "Authors"}, "tables"), "(2 tables)");
  EXPECT_EQ(DidYouMean("bookz", ManyTables(), "tables"), "did you mean 'Books'? (65 tables)");
}

TEST(SuggestTest, AtMostMaxNames) {
  EXPECT_EQ(ClosestNames("nc_meta", ManyTables(), 3).size(), 3u);
}

}  // namespace
}  // namespace tidemark
