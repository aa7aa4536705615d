// "-- migrate:<name> ..." comment lines of a migration script: the
// directives a script carries for pg_migrate (allow, pulled).
//
// Pure C++.  Only comment lines outside every statement count, so a string or
// a function body holding the same text is not a directive.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pgm::core {

// `s` without the spaces, tabs and line ends around it.
std::string_view trim_space(std::string_view s);

// What follows "-- <name>" on each directive line of `script` named `name`
// ("migrate:allow"), trimmed; `statements` are the byte ranges [start, end)
// of the script's statements, in order.
std::vector<std::string> directive_arguments(std::string_view script,
                                             const std::vector<std::pair<int, int>>& statements,
                                             std::string_view name);

}  // namespace pgm::core
