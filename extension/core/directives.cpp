#include "directives.hpp"

namespace pgm::core {

std::string_view trim_space(std::string_view s) {
    const char* space = " \t\r\n";
    const auto first = s.find_first_not_of(space);
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(space);
    return s.substr(first, last - first + 1);
}

std::vector<std::string> directive_arguments(std::string_view script,
                                             const std::vector<std::pair<int, int>>& statements,
                                             std::string_view name) {
    std::vector<std::string> found;
    std::size_t next_statement = 0;
    std::size_t line_start = 0;
    while (line_start < script.size()) {
        std::size_t line_end = script.find('\n', line_start);
        if (line_end == std::string_view::npos) line_end = script.size();
        // Skip statements that end before this line; is the line inside one?
        while (next_statement < statements.size() &&
               static_cast<std::size_t>(statements[next_statement].second) <= line_start)
            next_statement++;
        const bool inside = next_statement < statements.size() &&
                            static_cast<std::size_t>(statements[next_statement].first) < line_end;
        const std::string_view line = trim_space(script.substr(line_start, line_end - line_start));
        if (!inside && line.substr(0, 2) == "--") {
            const std::string_view comment = trim_space(line.substr(2));
            if (comment.substr(0, name.size()) == name &&
                (comment.size() == name.size() || comment[name.size()] == ' ' || comment[name.size()] == '\t'))
                found.emplace_back(trim_space(comment.substr(name.size())));
        }
        line_start = line_end + 1;
    }
    return found;
}

}  // namespace pgm::core
