// Pulled migrations: the directive, and which statements match the DDL
// recorded outside migrations (core/recorded_ddl.hpp).
#include <gtest/gtest.h>

#include "directives.hpp"
#include "recorded_ddl.hpp"

using namespace pgm::core;

namespace {
// Byte ranges of the statements of `script` given as substrings of it.
std::vector<std::pair<int, int>> ranges(const std::string& script, const std::vector<std::string>& statements) {
    std::vector<std::pair<int, int>> out;
    std::size_t from = 0;
    for (const auto& s : statements) {
        const std::size_t at = script.find(s, from);
        out.emplace_back(static_cast<int>(at), static_cast<int>(at + s.size()));
        from = at + s.size();
    }
    return out;
}
}  // namespace

TEST(RecordedDdl, TheDirectiveOnlyOutsideStatements) {
    const std::string pulled = "-- migrate:pulled\nALTER TABLE t ADD c int;\n";
    EXPECT_TRUE(is_pulled_script(pulled, ranges(pulled, {"ALTER TABLE t ADD c int"})));
    const std::string in_string = "SELECT '\n-- migrate:pulled\n';\n";
    EXPECT_FALSE(is_pulled_script(in_string, ranges(in_string, {"SELECT '\n-- migrate:pulled\n'"})));
    const std::string other = "-- migrate:pulledx\n-- migrate:allow data_loss\nSELECT 1;\n";
    EXPECT_FALSE(is_pulled_script(other, ranges(other, {"SELECT 1"})));
    EXPECT_EQ(directive_arguments(other, ranges(other, {"SELECT 1"}), "migrate:allow"),
              std::vector<std::string>{"data_loss"});
}

TEST(RecordedDdl, ComparableStatement) {
    EXPECT_EQ(comparable_statement("  CREATE INDEX i ON t (a);\n"), "CREATE INDEX i ON t (a)");
    EXPECT_EQ(comparable_statement("CREATE INDEX i ON t (a) ; "), "CREATE INDEX i ON t (a)");
    EXPECT_EQ(comparable_statement(" ;\n"), "");
}

TEST(RecordedDdl, MatchesInOrderEachRecordOnce) {
    // The script repeats a statement that ran once: only the first matches.
    EXPECT_EQ(match_recorded_statements({"ALTER TABLE t ADD a int", "ALTER TABLE t ADD a int"},
                                        {"ALTER TABLE t ADD a int;"}),
              (std::vector<int>{0, -1}));
    // A statement never run by hand is skipped over; order is kept.
    EXPECT_EQ(match_recorded_statements({"CREATE INDEX i ON t (a)", "ALTER TABLE t ADD b int", "DROP INDEX i"},
                                        {"CREATE INDEX i ON t (a)", "DROP INDEX i"}),
              (std::vector<int>{0, -1, 1}));
    // After a match only later records count: a record before it is not reused.
    EXPECT_EQ(match_recorded_statements({"B", "A"}, {"A", "B"}), (std::vector<int>{1, -1}));
    EXPECT_EQ(match_recorded_statements({"A"}, {}), (std::vector<int>{-1}));
}
