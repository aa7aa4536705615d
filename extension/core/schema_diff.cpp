#include "schema_diff.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <vector>

#include "cpp_only.hpp"

namespace pgm::core {
namespace {

constexpr std::size_t kLineBytes = 160;
constexpr std::size_t kLinesShown = 3;

std::string collapse_whitespace(const std::string& text) {
    std::string out;
    bool pending_space = false;
    for (char c : text) {
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            pending_space = !out.empty();
            continue;
        }
        if (pending_space) out += ' ';
        pending_space = false;
        out += c;
    }
    return out;
}

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    std::string line;
    while (std::getline(in, line)) {
        std::string collapsed = collapse_whitespace(line);
        if (!collapsed.empty()) lines.push_back(collapsed);
    }
    return lines;
}

// Lines of `from` not matched by a line of `other` (as many times as each
// occurs), in their order.
std::vector<std::string> lines_missing_from(const std::vector<std::string>& from,
                                            const std::vector<std::string>& other) {
    std::map<std::string, int> available;
    for (const auto& line : other) ++available[line];
    std::vector<std::string> missing;
    for (const auto& line : from) {
        auto it = available.find(line);
        if (it != available.end() && it->second > 0)
            --it->second;
        else
            missing.push_back(line);
    }
    return missing;
}

std::string cut(const std::string& text, std::size_t max_bytes) {
    if (text.size() <= max_bytes) return text;
    std::size_t end = max_bytes;
    // Back up to the first byte of a UTF-8 character.
    while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
    return text.substr(0, end) + "...";
}

std::string side(const std::string& label, const std::vector<std::string>& lines) {
    if (lines.empty()) return std::string(label) + ": (nothing)";
    std::string text = std::string(label) + ": ";
    for (std::size_t i = 0; i < lines.size() && i < kLinesShown; ++i)
        text += (i ? " | " : "") + cut(lines[i], kLineBytes);
    if (lines.size() > kLinesShown) text += " | (" + std::to_string(lines.size() - kLinesShown) + " more lines)";
    return text;
}

}  // namespace

std::string describe_definition_change(const std::string& recorded, const std::string& live) {
    const std::vector<std::string> before = lines_of(recorded);
    const std::vector<std::string> after = lines_of(live);
    const std::vector<std::string> gone = lines_missing_from(before, after);
    const std::vector<std::string> came = lines_missing_from(after, before);
    if (gone.empty() && came.empty()) return "only its layout changed (whitespace or line breaks)";
    return side("was", gone) + "; " + side("now", came);
}

std::string describe_definition_difference(const std::string& first, const std::string& second,
                                           const std::string& first_label, const std::string& second_label) {
    const std::vector<std::string> a = lines_of(first);
    const std::vector<std::string> b = lines_of(second);
    const std::vector<std::string> only_a = lines_missing_from(a, b);
    const std::vector<std::string> only_b = lines_missing_from(b, a);
    if (only_a.empty() && only_b.empty()) return "only the layout differs (whitespace or line breaks)";
    return side(first_label, only_a) + "; " + side(second_label, only_b);
}

std::string definition_excerpt(const std::string& definition, std::size_t max_bytes) {
    return cut(collapse_whitespace(definition), max_bytes);
}

}  // namespace pgm::core
