// Which risks a migration may take: the refusal policy (migrate.refuse), what
// a caller allows (allow => '{data_loss}', the client's --allow) and what the
// migration allows itself ("-- migrate:allow data_loss" in the file).
//
// Pure C++, shared with the client and unit-tested.
#pragma once

#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgm::core {

// The risks a policy can name, lowest first ("safe" cannot be refused).
inline constexpr const char* kRefusableRisks[] = {"locking", "breaking", "data_loss"};

// "breaking, data_loss" -> {"breaking", "data_loss"}.  Empty items are
// skipped; an unknown name throws std::invalid_argument naming it.
std::set<std::string> parse_risk_list(std::string_view list);

// The risks allowed by "-- migrate:allow <risk>[, <risk>...]" comment lines of
// `script` that lie outside every statement (`statements`: byte ranges
// [start, end) of the statements, in order), so a string or a function body
// containing the same text allows nothing.  An unknown risk name throws
// std::invalid_argument.
std::set<std::string> allowed_by_directives(std::string_view script,
                                            const std::vector<std::pair<int, int>>& statements);

}  // namespace pgm::core
