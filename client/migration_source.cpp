#include "migration_source.hpp"

#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "../extension/core/cpp_only.hpp"
#include "../extension/core/risk_policy.hpp"

namespace pgm::client {
namespace {

// Section markers of three tools, each read the way that tool reads it:
//   dbmate       "-- migrate:up" (leading blanks allowed)
//   goose        "-- +goose Up" at the start of a line, any letter case
//   sql-migrate  "-- +migrate Up" at the start of a line
enum class Dialect { None, Dbmate, Goose, SqlMigrate };

constexpr std::string_view kDbmate = "-- migrate:";
constexpr std::string_view kGoose = "-- +goose";
constexpr std::string_view kSqlMigrate = "-- +migrate";

const char* dialect_marker(Dialect d) {
    switch (d) {
        case Dialect::Goose: return "-- +goose";
        case Dialect::SqlMigrate: return "-- +migrate";
        default: return "-- migrate:";
    }
}

std::string_view trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n'))
        s.remove_suffix(1);
    return s;
}

char lower_ascii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = lower_ascii(c);
    return out;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
    if (s.size() < prefix.size()) return false;
    for (std::size_t i = 0; i < prefix.size(); ++i)
        if (lower_ascii(s[i]) != lower_ascii(prefix[i])) return false;
    return true;
}

bool contains_ci(std::string_view text, std::string_view needle) {
    for (std::size_t at = text.find("--"); at != std::string_view::npos; at = text.find("--", at + 1))
        if (starts_with_ci(text.substr(at), needle)) return true;
    return false;
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

// Which tool's marker `line` is (None: an ordinary line); `rest` is what
// follows the marker.
Dialect marker_of(std::string_view line, std::string_view* rest) {
    const std::string_view t = trim(line);
    if (t.substr(0, kDbmate.size()) == kDbmate) {
        *rest = t.substr(kDbmate.size());
        return Dialect::Dbmate;
    }
    std::string_view unindented = line;  // goose and sql-migrate: no leading blank
    while (!unindented.empty() && (unindented.back() == '\n' || unindented.back() == '\r'))
        unindented.remove_suffix(1);
    for (const auto& [prefix, dialect] : {std::pair{kGoose, Dialect::Goose}, std::pair{kSqlMigrate, Dialect::SqlMigrate}}) {
        if (starts_with_ci(unindented, prefix) &&
            (unindented.size() == prefix.size() || unindented[prefix.size()] == ' ' || unindented[prefix.size()] == '\t')) {
            *rest = trim(unindented.substr(prefix.size()));
            return dialect;
        }
    }
    return Dialect::None;
}

enum class Section { None, Up, Down, Verify };

// What a marker line does: start a section, or stay in the current one as a
// comment (after setting a directive).
struct Marker {
    Section starts = Section::None;
    std::string name;  // of the section, for messages
};

Marker dbmate_marker(std::string_view rest, std::string_view line_text, int line, MigrationSource* result) {
    const std::vector<std::string_view> w = words(rest);
    const std::string_view keyword = w.empty() ? std::string_view() : w[0];
    if (keyword == "allow") {
        try {
            for (const auto& r : core::parse_risk_list(rest.substr(rest.find("allow") + 5))) result->allow.insert(r);
        } catch (const std::invalid_argument& e) {
            fail(line, "\"-- migrate:allow\": " + std::string(e.what()));
        }
        return {};
    }
    if (keyword == "pulled") return {};  // for the server: statements that ran here out of band are recorded
    if (keyword == "no-transaction") {
        if (w.size() > 1) fail(line, "\"-- migrate:no-transaction\" takes no options");
        result->no_transaction = true;
        return {};
    }
    Marker m{Section::None, std::string(keyword)};
    if (keyword == "up") m.starts = Section::Up;
    else if (keyword == "down") m.starts = Section::Down;
    else if (keyword == "verify") m.starts = Section::Verify;
    else
        fail(line, "unknown directive \"" + std::string(trim(line_text)) +
                       "\" (known: up, down, verify, no-transaction, allow, pulled)");
    for (std::size_t i = 1; i < w.size(); ++i) {
        if (m.starts == Section::Up && w[i] == "transaction:false") result->no_transaction = true;
        else if (m.starts == Section::Up && w[i] == "transaction:true") continue;
        else fail(line, "unknown option \"" + std::string(w[i]) + "\" for section \"" + m.name + "\"");
    }
    return m;
}

// goose's annotations; statementbegin/statementend only help goose's own
// splitter (the server's parser needs no help).
Marker goose_marker(std::string_view rest, std::string_view line_text, int line, MigrationSource* result) {
    std::string annotation;
    for (std::string_view w : words(rest)) annotation += (annotation.empty() ? "" : " ") + lower(w);
    if (annotation == "up") return {Section::Up, "up"};
    if (annotation == "down") return {Section::Down, "down"};
    if (annotation == "statementbegin" || annotation == "statementend") return {};
    if (annotation == "no transaction") {
        result->no_transaction = true;
        return {};
    }
    if (annotation == "envsub on" || annotation == "envsub off")
        fail(line, "\"" + std::string(trim(line_text)) +
                       "\" is not supported: goose substitutes environment variables into the SQL, "
                       "pg_migrate runs the SQL as it is written");
    fail(line, "unknown annotation \"" + std::string(trim(line_text)) +
                   "\" (known: up, down, statementbegin, statementend, no transaction)");
}

// rubenv/sql-migrate's commands, with the option "notransaction".
Marker sql_migrate_marker(std::string_view rest, std::string_view line_text, int line, MigrationSource* result) {
    const std::vector<std::string_view> w = words(rest);
    const std::string command = w.empty() ? std::string() : lower(w[0]);
    Marker m;
    if (command == "up") m = {Section::Up, "Up"};
    else if (command == "down") m = {Section::Down, "Down"};
    else if (command == "statementbegin" || command == "statementend") return {};
    else
        fail(line, "unknown command \"" + std::string(trim(line_text)) +
                       "\" (known: Up, Down, StatementBegin, StatementEnd)");
    for (std::size_t i = 1; i < w.size(); ++i) {
        if (lower(w[i]) != "notransaction")
            fail(line, "unknown option \"" + std::string(w[i]) + "\" for \"-- +migrate " + std::string(w[0]) + "\"");
        // A down script runs in migrate_revert's transaction whatever it says.
        if (m.starts == Section::Up) result->no_transaction = true;
    }
    return m;
}

bool has_any_marker(std::string_view text) {
    return text.find(kDbmate) != std::string_view::npos || contains_ci(text, kGoose) ||
           contains_ci(text, kSqlMigrate);
}

}  // namespace

std::string_view section_markers_of(std::string_view text) {
    if (!has_any_marker(text)) return "";
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t end = text.find('\n', pos);
        end = end == std::string_view::npos ? text.size() : end + 1;
        std::string_view rest;
        switch (marker_of(text.substr(pos, end - pos), &rest)) {
            case Dialect::Dbmate: return "dbmate";
            case Dialect::Goose: return "goose";
            case Dialect::SqlMigrate: return "sql-migrate";
            case Dialect::None: break;
        }
        pos = end;
    }
    return "";
}

bool is_blank(std::string_view text) {
    for (char c : text)
        if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v') return false;
    return true;
}

struct SectionScanner::State {
    Dialect dialect = Dialect::None;  // of the markers met so far
    Section current = Section::None;
    SectionRange* open = nullptr;     // the section being read
    int line_number = 0;
    int first_sql_line = 0;           // before the first section: a line that is not a comment
};

SectionScanner::SectionScanner() : state_(std::make_unique<State>()) {}
SectionScanner::~SectionScanner() = default;

void SectionScanner::line(std::string_view head, std::size_t offset, std::size_t length) {
    // Most lines of a data migration start with neither a blank nor '-':
    // SQL or data, never a marker.
    if (!head.empty() && head[0] != ' ' && head[0] != '\t' && head[0] != '-' && head[0] != '\r' && head[0] != '\n')
        return plain_line();
    State& st = *state_;
    ++st.line_number;
    std::string_view rest;
    const Dialect marker = marker_of(head, &rest);
    if (marker == Dialect::None) {
        if (st.current == Section::None && st.first_sql_line == 0 && !is_comment_or_blank(head))
            st.first_sql_line = st.line_number;
        return;
    }
    if (st.dialect != Dialect::None && marker != st.dialect)
        fail(st.line_number, "\"" + std::string(trim(head)) + "\" in a file whose sections are marked with \"" +
                                 dialect_marker(st.dialect) + "\"");
    MigrationSource directives;
    const Marker m = marker == Dialect::Dbmate ? dbmate_marker(rest, head, st.line_number, &directives)
                     : marker == Dialect::Goose ? goose_marker(rest, head, st.line_number, &directives)
                                                : sql_migrate_marker(rest, head, st.line_number, &directives);
    layout_.no_transaction = layout_.no_transaction || directives.no_transaction;
    if (marker == Dialect::Dbmate && words(rest).size() == 1 && words(rest)[0] == "pulled") layout_.pulled = true;
    layout_.allow.insert(directives.allow.begin(), directives.allow.end());
    if (m.starts == Section::None) {  // a directive: the line stays where it is
        if (st.dialect == Dialect::None) st.dialect = marker;
        return;
    }
    SectionRange* section = m.starts == Section::Up ? &layout_.up : m.starts == Section::Down ? &layout_.down
                                                                                              : &layout_.verify;
    if (section->seen) fail(st.line_number, "section \"" + m.name + "\" appears twice");
    if (marker != Dialect::Dbmate && m.starts == Section::Down && !layout_.up.seen)
        fail(st.line_number, "the \"" + std::string(trim(head)) + "\" section comes before the up section");
    // Only comments may precede the first section: anything else would belong
    // to no section and silently never run.
    if (st.current == Section::None && st.first_sql_line > 0)
        fail(st.first_sql_line, std::string("SQL before the first \"") + dialect_marker(marker) +
                                    "\" section belongs to no section");
    if (st.open != nullptr) st.open->end = offset;
    *section = SectionRange{offset + length, offset + length, true};
    st.open = section;
    st.dialect = marker;
    st.current = m.starts;
    if (m.starts == Section::Up) layout_.up_first_line = st.line_number + 1;
}

SectionLayout SectionScanner::finish(std::size_t end_offset) {
    State& st = *state_;
    if (st.open != nullptr) st.open->end = end_offset;
    if (st.current == Section::None) {  // no section (directives only at most): the whole file is the up script
        layout_.sections = false;
        return layout_;
    }
    if (!layout_.up.seen)
        fail(1, st.dialect == Dialect::Dbmate ? "no \"-- migrate:up\" section"
                                              : std::string("no \"") + dialect_marker(st.dialect) + " Up\" section");
    layout_.sections = true;
    return layout_;
}

void SectionScanner::plain_line() {
    State& st = *state_;
    ++st.line_number;
    if (st.current == Section::None && st.first_sql_line == 0) st.first_sql_line = st.line_number;
}

bool SectionScanner::in_up() const { return state_->open == &layout_.up; }

MigrationSource parse_migration_source(std::string owned_text) {
    MigrationSource result;
    if (!has_any_marker(owned_text)) {  // the common case: one plain script
        result.up = std::move(owned_text);
        return result;
    }
    const std::string_view text = owned_text;
    SectionScanner scanner;
    for (std::size_t pos = 0; pos < text.size();) {
        std::size_t end = text.find('\n', pos);
        end = end == std::string_view::npos ? text.size() : end + 1;
        scanner.line(text.substr(pos, end - pos), pos, end - pos);
        pos = end;
    }
    const SectionLayout layout = scanner.finish(text.size());
    result.no_transaction = layout.no_transaction;
    result.allow = layout.allow;
    if (!layout.sections) {
        result.up = std::move(owned_text);
        return result;
    }
    auto slice = [&](const SectionRange& r) { return std::string(text.substr(r.begin, r.end - r.begin)); };
    result.up = slice(layout.up);
    result.up_first_line = layout.up_first_line;
    if (layout.down.seen) {
        std::string down = slice(layout.down);
        if (!is_blank(down)) result.down = std::move(down);
    }
    if (layout.verify.seen) {
        std::string verify = slice(layout.verify);
        if (!is_blank(verify)) result.verify = std::move(verify);
    }
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
        // Eight ASCII bytes at a time (no high bit, no zero byte): most of a
        // data migration.
        while (i + 8 <= n) {
            std::uint64_t word;
            std::memcpy(&word, s + i, 8);
            const bool high_bit = (word & 0x8080808080808080ULL) != 0;
            const bool zero_byte = ((word - 0x0101010101010101ULL) & ~word & 0x8080808080808080ULL) != 0;
            if (high_bit || zero_byte) break;
            i += 8;
        }
        if (i >= n) break;
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
