#include "version.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

using pgm::core::compare_versions;
using pgm::core::version_problem;
using pgm::core::version_sort_key;

TEST(VersionValidation, AcceptsNumbersTimestampsAndDottedVersions) {
    for (const char* v : {"1", "001", "20240101120000", "1.2.3", "2024_01_01", "V-1", "a.b_c-d"})
        EXPECT_FALSE(version_problem(v).has_value()) << v;
}

TEST(VersionValidation, RejectsEmptyTooLongAndForeignCharacters) {
    EXPECT_TRUE(version_problem("").has_value());
    EXPECT_TRUE(version_problem(std::string(129, '1')).has_value());
    EXPECT_FALSE(version_problem(std::string(128, '1')).has_value());
    for (const char* v : {"1 2", "1;DROP", "x'y", "1/2", "ü1", "1\n"})
        EXPECT_TRUE(version_problem(v).has_value()) << v;
}

TEST(VersionValidation, ReasonNamesTheOffendingCharacter) {
    auto problem = version_problem("12;3");
    ASSERT_TRUE(problem.has_value());
    EXPECT_NE(problem->find("character 3"), std::string::npos) << *problem;
}

TEST(VersionOrder, DigitRunsCompareAsNumbers) {
    EXPECT_LT(compare_versions("2", "10"), 0);
    EXPECT_LT(compare_versions("9", "10"), 0);
    EXPECT_GT(compare_versions("1.10", "1.9"), 0);
    EXPECT_LT(compare_versions("1.2", "1.2.1"), 0);
    EXPECT_LT(compare_versions("20240101120000", "20240102000000"), 0);
    EXPECT_LT(compare_versions("002", "0015"), 0);
}

TEST(VersionOrder, SpellingsOfOneNumberAreTheSameVersion) {
    EXPECT_EQ(compare_versions("1", "001"), 0);
    EXPECT_EQ(compare_versions("1.02", "1.2"), 0);
    EXPECT_EQ(compare_versions("0", "000"), 0);
    EXPECT_EQ(version_sort_key("007"), version_sort_key("7"));
    EXPECT_NE(compare_versions("1", "1.0"), 0);
}

TEST(VersionOrder, SortKeyByteOrderIsNaturalOrder) {
    std::vector<std::string> versions = {"10", "2", "1.10", "1.9", "1", "1.2.3", "100", "20", "3a", "3"};
    std::vector<std::string> by_key = versions;
    std::sort(by_key.begin(), by_key.end(), [](const std::string& a, const std::string& b) {
        return version_sort_key(a) < version_sort_key(b);
    });
    const std::vector<std::string> expected = {"1", "1.2.3", "1.9", "1.10", "2", "3", "3a", "10", "20", "100"};
    EXPECT_EQ(by_key, expected);
}

TEST(VersionOrder, LongNumbersBeyondSixtyFourBitsStillOrder) {
    const std::string big(40, '9');
    const std::string bigger = "1" + std::string(40, '0');
    EXPECT_LT(compare_versions(big, bigger), 0);
}

TEST(RepeatableVersions, SortAfterEveryVersionByName) {
    EXPECT_TRUE(pgm::core::is_repeatable_version("R__views"));
    EXPECT_FALSE(pgm::core::is_repeatable_version("R__"));
    EXPECT_FALSE(pgm::core::is_repeatable_version("R_1"));
    EXPECT_TRUE(version_problem("R__").has_value());
    EXPECT_FALSE(version_problem("R__create_views").has_value());
    EXPECT_GT(compare_versions("R__a", "99999999999999999999"), 0);
    EXPECT_GT(compare_versions("R__a", "zzz"), 0);
    EXPECT_LT(compare_versions("R__a_views", "R__b_functions"), 0);
    EXPECT_EQ(static_cast<unsigned char>(version_sort_key("R__x")[0]), 0xFFu);
}
