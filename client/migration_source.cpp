#include "migration_source.hpp"

#include <stdexcept>
#include <vector>

#include "../extension/core/cpp_only.hpp"
#include "../extension/core/risk_policy.hpp"

namespace pgm::client {
namespace {

constexpr std::string_view kMarker = "-- migrate:";

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

std::vector<std::string_view> words(std::string_view s) {
    std::vector<std::string_view> out;
    std::size_t i = 0;
    while (i < s.size()) {
        while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
        std::size_t start = i;
        while (i < s.size() && s[i] != ' ' && s[i] != '\t') ++i;
        if (i > start) out.push_back(s.substr(start, i - start));
    }
    return out;
}

[[noreturn]] void fail(int line, const std::string& what) {
    throw std::invalid_argument("line " + std::to_string(line) + ": " + what);
}

bool is_comment_or_blank(std::string_view line) {
    const std::string_view t = trim(line);
    return t.empty() || t.substr(0, 2) == "--";
}

enum class Section { None, Up, Down, Verify };

}  // namespace

bool is_blank(std::string_view text) {
    for (char c : text)
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
    return true;
}

MigrationSource parse_migration_source(std::string owned_text) {
    MigrationSource result;
    if (owned_text.find(kMarker) == std::string::npos) {  // the common case: one plain script
        result.up = std::move(owned_text);
        return result;
    }
    const std::string_view text = owned_text;
    std::string sections[4];
    bool seen[4] = {false, false, false, false};
    bool any_marker = false;
    Section current = Section::None;

    std::size_t pos = 0;
    int line_number = 0;
    while (pos < text.size()) {
        std::size_t end = text.find('\n', pos);
        end = end == std::string_view::npos ? text.size() : end + 1;
        const std::string_view line = text.substr(pos, end - pos);
        pos = end;
        ++line_number;

        const std::string_view t = trim(line);
        if (t.substr(0, kMarker.size()) != kMarker) {
            if (current == Section::None) {
                sections[0].append(line);  // text before any marker
            } else {
                sections[static_cast<int>(current)].append(line);
            }
            continue;
        }
        const std::vector<std::string_view> w = words(t.substr(kMarker.size()));
        const std::string_view keyword = w.empty() ? std::string_view() : w[0];
        if (keyword == "allow") {
            try {
                for (const auto& r : core::parse_risk_list(t.substr(kMarker.size() + keyword.size())))
                    result.allow.insert(r);
            } catch (const std::invalid_argument& e) {
                fail(line_number, "\"-- migrate:allow\": " + std::string(e.what()));
            }
            if (current != Section::None) sections[static_cast<int>(current)].append(line);
            else sections[0].append(line);
            continue;
        }
        if (keyword == "no-transaction") {
            if (w.size() > 1) fail(line_number, "\"-- migrate:no-transaction\" takes no options");
            result.no_transaction = true;
            if (current != Section::None) sections[static_cast<int>(current)].append(line);
            else sections[0].append(line);
            continue;
        }
        Section next;
        if (keyword == "up") next = Section::Up;
        else if (keyword == "down") next = Section::Down;
        else if (keyword == "verify") next = Section::Verify;
        else
            fail(line_number, "unknown directive \"-- migrate:" + std::string(keyword) +
                                  "\" (known: up, down, verify, no-transaction, allow)");
        const int index = static_cast<int>(next);
        if (seen[index]) fail(line_number, "section \"" + std::string(keyword) + "\" appears twice");
        seen[index] = true;
        for (std::size_t i = 1; i < w.size(); ++i) {
            if (next == Section::Up && (w[i] == "transaction:false"))
                result.no_transaction = true;
            else if (next == Section::Up && w[i] == "transaction:true")
                continue;
            else
                fail(line_number, "unknown option \"" + std::string(w[i]) + "\" for section \"" +
                                      std::string(keyword) + "\"");
        }
        if (!any_marker) {
            // Only comments may precede the first section: anything else would
            // belong to no section and silently never run.
            std::size_t p = 0;
            int l = 0;
            const std::string& before = sections[0];
            while (p < before.size()) {
                std::size_t e = before.find('\n', p);
                e = e == std::string::npos ? before.size() : e + 1;
                ++l;
                if (!is_comment_or_blank(std::string_view(before).substr(p, e - p)))
                    fail(l, "SQL before the first \"-- migrate:\" section belongs to no section");
                p = e;
            }
            sections[0].clear();
        }
        any_marker = true;
        current = next;
        if (next == Section::Up) result.up_first_line = line_number + 1;
    }

    if (!any_marker) {
        result.up = std::string(text);
        return result;
    }
    if (!seen[static_cast<int>(Section::Up)]) fail(1, "no \"-- migrate:up\" section");
    result.up = std::move(sections[static_cast<int>(Section::Up)]);
    if (seen[static_cast<int>(Section::Down)] && !is_blank(sections[static_cast<int>(Section::Down)]))
        result.down = std::move(sections[static_cast<int>(Section::Down)]);
    if (seen[static_cast<int>(Section::Verify)] &&
        !is_blank(sections[static_cast<int>(Section::Verify)]))
        result.verify = std::move(sections[static_cast<int>(Section::Verify)]);
    return result;
}

bool is_valid_utf8(std::string_view text, std::size_t* bad_offset) {
    const auto* s = reinterpret_cast<const unsigned char*>(text.data());
    const std::size_t n = text.size();
    std::size_t i = 0;
    auto bad = [&](std::size_t at) {
        if (bad_offset) *bad_offset = at;
        return false;
    };
    while (i < n) {
        const unsigned char c = s[i];
        if (c == 0) return bad(i);
        if (c < 0x80) {
            ++i;
            continue;
        }
        int len;
        unsigned int cp;
        if (c >= 0xC2 && c <= 0xDF) len = 2, cp = c & 0x1F;
        else if (c >= 0xE0 && c <= 0xEF) len = 3, cp = c & 0x0F;
        else if (c >= 0xF0 && c <= 0xF4) len = 4, cp = c & 0x07;
        else return bad(i);
        if (i + len > n) return bad(i);
        for (int k = 1; k < len; ++k) {
            if ((s[i + k] & 0xC0) != 0x80) return bad(i);
            cp = (cp << 6) | (s[i + k] & 0x3F);
        }
        if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) || cp > 0x10FFFF ||
            (cp >= 0xD800 && cp <= 0xDFFF))
            return bad(i);
        i += len;
    }
    return true;
}

}  // namespace pgm::client
