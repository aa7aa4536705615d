#include "recorded_ddl.hpp"

#include "directives.hpp"

namespace pgm::core {

bool is_pulled_script(std::string_view script, const std::vector<std::pair<int, int>>& statements) {
    return !directive_arguments(script, statements, kPulledDirective).empty();
}

std::string_view comparable_statement(std::string_view text) {
    const char* space = " \t\r\n\f\v";
    auto first = text.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    text.remove_prefix(first);
    while (!text.empty() && (text.back() == ';' || std::string_view(space).find(text.back()) != std::string_view::npos))
        text.remove_suffix(1);
    return text;
}

std::vector<int> match_recorded_statements(const std::vector<std::string_view>& script_statements,
                                           const std::vector<std::string_view>& recorded) {
    std::vector<int> matches(script_statements.size(), -1);
    std::size_t next = 0;  // the first recorded statement not passed yet
    for (std::size_t i = 0; i < script_statements.size(); ++i) {
        const std::string_view wanted = comparable_statement(script_statements[i]);
        if (wanted.empty()) continue;
        for (std::size_t r = next; r < recorded.size(); ++r) {
            if (comparable_statement(recorded[r]) != wanted) continue;
            matches[i] = static_cast<int>(r);
            next = r + 1;
            break;
        }
    }
    return matches;
}

}  // namespace pgm::core
