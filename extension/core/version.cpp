#include "version.hpp"

#include <cstring>

#include "cpp_only.hpp"

namespace pgm::core {
namespace {

bool is_digit(char c) { return c >= '0' && c <= '9'; }

bool is_version_char(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' ||
           c == '_' || c == '-';
}

}  // namespace

bool is_repeatable_version(std::string_view version) {
    return version.size() > kRepeatablePrefix.size() &&
           version.substr(0, kRepeatablePrefix.size()) == kRepeatablePrefix;
}

std::optional<std::string> version_problem(std::string_view version) {
    if (version.empty()) return std::string("a version must not be empty");
    if (version == kRepeatablePrefix)
        return std::string("a repeatable migration's version needs a name after \"R__\"");
    if (version.size() > kMaxVersionLength)
        return "a version must be at most " + std::to_string(kMaxVersionLength) +
               " characters long, this one has " + std::to_string(version.size());
    for (std::size_t i = 0; i < version.size(); ++i) {
        if (!is_version_char(version[i]))
            return "character " + std::to_string(i + 1) +
                   " is not allowed: use only letters, digits, \".\", \"_\" and \"-\"";
    }
    return std::nullopt;
}

std::string version_sort_key(std::string_view version) {
    std::string key;
    key.reserve(version.size() + 8);
    std::size_t i = 0;
    if (is_repeatable_version(version)) {
        key.push_back(static_cast<char>(0xFF));
        i = kRepeatablePrefix.size();
    }
    while (i < version.size()) {
        if (!is_digit(version[i])) {
            key.push_back(version[i++]);
            continue;
        }
        std::size_t end = i;
        while (end < version.size() && is_digit(version[end])) ++end;
        std::size_t first = i;
        while (first + 1 < end && version[first] == '0') ++first;  // keep one "0"
        // '0' sorts digit runs where the first digit would have sorted them among
        // other characters; the length byte then makes shorter numbers smaller.
        // Lengths are <= 128, so the byte never collides with a real ordering.
        key.push_back('0');
        key.push_back(static_cast<char>(end - first));
        key.append(version.substr(first, end - first));
        i = end;
    }
    return key;
}

int compare_versions(std::string_view a, std::string_view b) {
    const std::string ka = version_sort_key(a);
    const std::string kb = version_sort_key(b);
    const std::size_t n = ka.size() < kb.size() ? ka.size() : kb.size();
    const int c = std::memcmp(ka.data(), kb.data(), n);
    if (c != 0) return c < 0 ? -1 : 1;
    if (ka.size() == kb.size()) return 0;
    return ka.size() < kb.size() ? -1 : 1;
}

}  // namespace pgm::core
