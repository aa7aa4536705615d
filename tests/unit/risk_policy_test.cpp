#include "risk_policy.hpp"

#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

using pgm::core::allowed_by_directives;
using pgm::core::parse_risk_list;

TEST(RiskList, NamesAreSplitTrimmedAndChecked) {
    EXPECT_EQ(parse_risk_list("data_loss"), (std::set<std::string>{"data_loss"}));
    EXPECT_EQ(parse_risk_list(" breaking , data_loss,locking "),
              (std::set<std::string>{"breaking", "data_loss", "locking"}));
    EXPECT_TRUE(parse_risk_list("").empty());
    EXPECT_TRUE(parse_risk_list(" , ").empty());
    EXPECT_THROW(parse_risk_list("data-loss"), std::invalid_argument);
    EXPECT_THROW(parse_risk_list("safe"), std::invalid_argument);  // nothing to allow or refuse
}

TEST(AllowDirectives, ALineOfItsOwnOutsideStatementsAllows) {
    const std::string script = "-- migrate:allow data_loss\nDROP TABLE t;\n";
    EXPECT_EQ(allowed_by_directives(script, {{27, 39}}), (std::set<std::string>{"data_loss"}));
}

TEST(AllowDirectives, SeveralRisksAndSeveralLines) {
    const std::string script = "--migrate:allow locking\n  -- migrate:allow breaking, data_loss\nSELECT 1;";
    EXPECT_EQ(allowed_by_directives(script, {{62, 70}}),
              (std::set<std::string>{"breaking", "data_loss", "locking"}));
}

TEST(AllowDirectives, TextInsideAStatementAllowsNothing) {
    // The directive is inside a dollar-quoted body: it is the statement's text.
    const std::string script = "CREATE FUNCTION f() RETURNS int AS $$\n-- migrate:allow data_loss\nSELECT 1 $$ LANGUAGE sql;";
    EXPECT_TRUE(allowed_by_directives(script, {{0, static_cast<int>(script.size()) - 1}}).empty());
    // On the same line as a statement it is not a line of its own either.
    const std::string same_line = "DROP TABLE t; -- migrate:allow data_loss";
    EXPECT_TRUE(allowed_by_directives(same_line, {{0, 12}}).empty());
}

TEST(AllowDirectives, LookAlikesAllowNothing) {
    EXPECT_TRUE(allowed_by_directives("-- migrate:allowed data_loss\n", {}).empty());
    EXPECT_TRUE(allowed_by_directives("-- see migrate:allow data_loss\n", {}).empty());
    EXPECT_THROW(allowed_by_directives("-- migrate:allow everything\n", {}), std::invalid_argument);
}
