// The command model (cli_model.h) and what is generated from it: man pages
// (man_page.h) and completion tables (completion.h), over a small CLI11 app.
// tests/man_pages_test.sh and tests/completion_test.sh check the real app.
#include <gtest/gtest.h>

#include <CLI/CLI.hpp>

#include "cli/cli_model.h"
#include "cli/completion.h"
#include "cli/man_page.h"

namespace tidemark::cli {
namespace {

class GenerateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    app_.add_option("-r,--repo", repo_, "repository")->envname("TIDEMARK_REPOSITORY");
    CLI::App* exp = app_.add_subcommand("export", "Export a snapshot");
    exp->add_option("SNAP", s_, "the snapshot")->required();
    exp->add_option("--format", s_, "file format")->check(CLI::IsMember({"csv", "ndjson"}));
    exp->add_option("--tag", tags_, "a tag (repeatable)");
    exp->add_flag("--dry-run", flag_, "change nothing");
    CLI::App* key = app_.add_subcommand("key", "manage keys");
    key->add_subcommand("add", "add a key");
    app_.add_subcommand("__complete", "hidden")->group("");
    exp->add_option("--secret", s_, "hidden")->group("");
  }
  CLI::App app_{"test app"};
  std::string repo_, s_;
  std::vector<std::string> tags_;
  bool flag_ = false;
};

TEST_F(GenerateTest, ModelHasVisibleCommandsAndOptions) {
  const CommandModel m = ModelOf(app_);
  ASSERT_EQ(m.subcommands.size(), 2u);  // __complete is hidden
  const CommandModel& exp = m.subcommands[0];
  EXPECT_EQ(exp.FullName(), "tidemark export");
  ASSERT_EQ(exp.positionals.size(), 1u);
  EXPECT_TRUE(exp.positionals[0].required);
  std::vector<std::string> names;
  for (const OptionModel& o : exp.options) names.push_back(o.names.back());
  EXPECT_EQ(names, (std::vector<std::string>{"--help", "--format", "--tag", "--dry-run"}));
  EXPECT_EQ(exp.options[1].choices, (std::vector<std::string>{"csv", "ndjson"}));
  EXPECT_EQ(exp.options[1].value, "TEXT");
  EXPECT_TRUE(exp.options[2].repeatable);
  EXPECT_TRUE(exp.options[3].value.empty());  // a flag
  EXPECT_EQ(m.options[1].env, "TIDEMARK_REPOSITORY");
  EXPECT_EQ(m.subcommands[1].subcommands[0].FullName(), "tidemark key add");
}

TEST_F(GenerateTest, RoffEscapesDashesBackslashesAndLeadingDots) {
  EXPECT_EQ(RoffEscape("--dry-run"), "\\-\\-dry\\-run");
  EXPECT_EQ(RoffEscape("a\\b"), "a\\eb");
  EXPECT_EQ(RoffEscape(".hidden"), "\\&.hidden");
  EXPECT_EQ(RoffEscape("'quote"), "\\&'quote");
  EXPECT_EQ(RoffEscape("two\nlines"), "two lines");
}

TEST_F(GenerateTest, ManPagesOnePerCommand) {
  const auto pages = ManPages(ModelOf(app_), "9.9");
  ASSERT_EQ(pages.size(), 3u);
  EXPECT_EQ(pages[0].first, "tidemark.1");
  EXPECT_EQ(pages[1].first, "tidemark-export.1");
  const std::string& exp = pages[1].second;
  EXPECT_NE(exp.find(".TH \"TIDEMARK-EXPORT\" 1"), std::string::npos);
  EXPECT_NE(exp.find("tidemark\\-export \\- Export a snapshot"), std::string::npos);
  EXPECT_NE(exp.find("\\fB\\-\\-dry\\-run\\fR"), std::string::npos);
  EXPECT_NE(exp.find("(one of: csv ndjson)"), std::string::npos);
  EXPECT_NE(exp.find(".SH EXIT STATUS"), std::string::npos);
  EXPECT_EQ(exp.find("secret"), std::string::npos);
  EXPECT_NE(pages[2].second.find(".SS tidemark key add"), std::string::npos);
}

TEST_F(GenerateTest, CompletionTables) {
  const CommandModel m = ModelOf(app_);
  const std::string bash = BashCompletion(m);
  EXPECT_NE(bash.find("['tidemark']='export key'"), std::string::npos);
  EXPECT_NE(bash.find("['tidemark export|--format']='choice:csv ndjson'"), std::string::npos);
  EXPECT_NE(bash.find("['tidemark export']='snapshot'"), std::string::npos);
  EXPECT_NE(bash.find("['tidemark|--repo']='file'"), std::string::npos);
  EXPECT_EQ(bash.find("__complete'"), std::string::npos);  // hidden: not offered
  EXPECT_NE(bash.find("complete -F _tidemark tidemark"), std::string::npos);
  const std::string zsh = ZshCompletion(m);
  EXPECT_EQ(zsh.rfind("#compdef tidemark\n", 0), 0u);
  EXPECT_NE(zsh.find("emulate -L ksh"), std::string::npos);
}

}  // namespace
}  // namespace tidemark::cli
