// Migration versions: validation and natural ordering.
//
// A version is 1 to 128 characters of letters, digits, '.', '_' and '-'.
// Versions are ordered naturally: runs of digits compare as numbers
// ("2" < "10", "1.9" < "1.10"), everything else byte by byte.  Two spellings of
// the same number ("1" and "001") have the same sort key and therefore name the
// same version: the ledger refuses the second spelling.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace pgm::core {

constexpr std::size_t kMaxVersionLength = 128;

// Returns a human-readable reason when `version` is not a valid version.
std::optional<std::string> version_problem(std::string_view version);

// Versions starting with "R__" name repeatable migrations (Flyway's R__name):
// applied after every versioned migration, again whenever their script changes.
constexpr std::string_view kRepeatablePrefix = "R__";
bool is_repeatable_version(std::string_view version);

// A byte string whose plain byte order (memcmp, bytea ordering in SQL) is the
// natural order of versions.  Repeatable versions get the prefix byte 0xFF,
// above every versioned key (those start with an ASCII byte), ordered by name.  Digit runs are encoded as '0', the number of
// significant digits, then the digits without leading zeros; any other byte is
// copied.  Precondition: version_problem(version) is empty.
std::string version_sort_key(std::string_view version);

// <0, 0, >0 like strcmp, in natural order.  Equal means "same version".
int compare_versions(std::string_view a, std::string_view b);

}  // namespace pgm::core

