#include "schema_diff.hpp"

#include <gtest/gtest.h>

using pgm::core::definition_excerpt;
using pgm::core::describe_definition_change;

TEST(SchemaDiff, OneLineDefinitionShowsBothSides) {
    EXPECT_EQ(describe_definition_change("text not null", "character varying(20) not null"),
              "was: text not null; now: character varying(20) not null");
}

TEST(SchemaDiff, ManyLineDefinitionShowsOnlyTheLinesThatDiffer) {
    const std::string before = "table\nrow level security enabled";
    const std::string after = "unlogged table\nrow level security enabled";
    EXPECT_EQ(describe_definition_change(before, after), "was: table; now: unlogged table");
}

TEST(SchemaDiff, AddedOrRemovedLinesSayNothingOnTheOtherSide) {
    EXPECT_EQ(describe_definition_change("table", "table\nrow level security enabled"),
              "was: (nothing); now: row level security enabled");
    EXPECT_EQ(describe_definition_change("table\nunlogged", "table"), "was: unlogged; now: (nothing)");
}

TEST(SchemaDiff, FunctionBodyChangeNamesTheChangedLine) {
    const std::string before =
        "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$\n  SELECT 1\n$function$\n";
    const std::string after =
        "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\nAS $function$\n  SELECT 2\n$function$\n";
    EXPECT_EQ(describe_definition_change(before, after), "was: SELECT 1; now: SELECT 2");
}

TEST(SchemaDiff, RepeatedLinesAreCountedNotMerged) {
    EXPECT_EQ(describe_definition_change("x\nx", "x"), "was: x; now: (nothing)");
}

TEST(SchemaDiff, WhitespaceOnlyChangeIsSaidSo) {
    EXPECT_EQ(describe_definition_change("SELECT  1\n", "SELECT 1"),
              "only its layout changed (whitespace or line breaks)");
    EXPECT_EQ(describe_definition_change("a\n\nb", "a\nb"), "only its layout changed (whitespace or line breaks)");
}

TEST(SchemaDiff, LongChangesAreCutAndCounted) {
    std::string before, after;
    for (int i = 0; i < 6; ++i) {
        before += "old line " + std::to_string(i) + "\n";
        after += "new line " + std::to_string(i) + "\n";
    }
    const std::string text = describe_definition_change(before, after);
    EXPECT_NE(text.find("was: old line 0 | old line 1 | old line 2 | (3 more lines)"), std::string::npos) << text;
    EXPECT_NE(text.find("now: new line 0 | new line 1 | new line 2 | (3 more lines)"), std::string::npos) << text;
    const std::string long_line(500, 'x');
    EXPECT_EQ(describe_definition_change("a", long_line), "was: a; now: " + std::string(160, 'x') + "...");
}

TEST(SchemaDiff, ExcerptCollapsesWhitespaceAndNeverSplitsACharacter) {
    EXPECT_EQ(definition_excerpt("  SELECT\n   1  ", 100), "SELECT 1");
    // "é" is two bytes: cutting after 2 bytes would split the second one.
    EXPECT_EQ(definition_excerpt("aéé", 2), "a...");
    EXPECT_EQ(definition_excerpt("aéé", 3), "aé...");
    EXPECT_EQ(definition_excerpt("short", 5), "short");
}
