// PG zone: see psql_parts.hpp.
#include "psql_parts.hpp"

#include "script_lexing.hpp"

extern "C" {
#include "nodes/parsenodes.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "parser/scansup.h"
}

#include <cstring>

namespace pgm::pg {

bool is_copy_from_stdin(Node* stmt) {
    if (!IsA(stmt, CopyStmt)) return false;
    const CopyStmt* copy = castNode(CopyStmt, stmt);
    return copy->is_from && copy->filename == nullptr && !copy->is_program;
}

namespace {

// COPY ... FROM STDIN always says "stdin"; a meta-command starts a line.
bool might_hold_psql_parts(const char* script, int length) {
    const char* end = script + length;
    for (const char* p = script; (p = static_cast<const char*>(memchr(p, '\\', end - p))) != nullptr; p++)
        if (p == script || p[-1] == '\n') return true;
    return strcasestr(script, "stdin") != nullptr;
}

// Offset of the '\n' ending the line that holds `offset`, or `length`.
int end_of_line(const char* text, int length, int offset) {
    const void* newline = memchr(text + offset, '\n', length - offset);
    return newline != nullptr ? static_cast<int>(static_cast<const char*>(newline) - text) : length;
}

int start_of_next_line(const char* text, int length, int offset) {
    const int end = end_of_line(text, length, offset);
    return end < length ? end + 1 : length;
}

}  // namespace

bool is_restrict_line(const char* line, int length) {
    for (const char* word : {"\\restrict", "\\unrestrict"}) {
        const int n = static_cast<int>(strlen(word));
        if (length >= n && memcmp(line, word, n) == 0 && (length == n || scanner_isspace(line[n])))
            return true;
    }
    return false;
}

bool is_end_of_data(const char* line, int length) {
    return (length == 2 || (length == 3 && line[2] == '\r')) && line[0] == '\\' && line[1] == '.';
}

namespace {

void blank(char* text, int from, int to) {
    for (int i = from; i < to; i++)
        if (text[i] != '\n') text[i] = ' ';
}

struct CopyCheck {
    const char* text;
    bool from_stdin;
};

void check_copy(void* arg) {
    CopyCheck* check = static_cast<CopyCheck*>(arg);
    List* raw = raw_parser(check->text, RAW_PARSE_DEFAULT);
    check->from_stdin = list_length(raw) == 1 && is_copy_from_stdin(linitial_node(RawStmt, raw)->stmt);
}

}  // namespace

bool statement_is_copy_from_stdin(const char* text, int start, int end) {
    CopyCheck check{pnstrdup(text + start, end - start), false};
    without_script_errors(check_copy, &check);
    pfree(const_cast<char*>(check.text));
    return check.from_stdin;
}

namespace {

struct Search {
    const char* script;  // NUL-terminated at length
    int length;
    SkippedText* skipped;
    int skipped_count;
    InlineCopy* copies;
    int copy_count;
    int capacity;  // of both arrays
};

void add_part(Search* s, SkippedText skipped, const InlineCopy* copy) {
    if (s->skipped_count == s->capacity) {
        s->capacity *= 2;
        s->skipped = static_cast<SkippedText*>(repalloc(s->skipped, sizeof(SkippedText) * s->capacity));
        s->copies = static_cast<InlineCopy*>(repalloc(s->copies, sizeof(InlineCopy) * s->capacity));
    }
    s->skipped[s->skipped_count++] = skipped;
    if (copy != nullptr) s->copies[s->copy_count++] = *copy;
}

// The data of the COPY whose ';' is at `semicolon`: from the next line up to
// the "\." line, or to the end of the script; none when no line follows.
// Returns where the script goes on after it (0: no data).
int take_copy_data(Search* s, int statement_start, int semicolon) {
    const int data_start = start_of_next_line(s->script, s->length, semicolon);
    if (data_start >= s->length) return 0;
    int data_end = s->length;
    int after = s->length;
    for (int line = data_start; line < s->length;) {
        const int end = end_of_line(s->script, s->length, line);
        if (is_end_of_data(s->script + line, end - line)) {
            data_end = line;
            after = end < s->length ? end + 1 : s->length;
            break;
        }
        line = end < s->length ? end + 1 : s->length;
    }
    const InlineCopy copy{statement_start, data_start, data_end};
    add_part(s, SkippedText{data_start, after}, &copy);
    return after;
}

// Data this long is not lexed, even as blanks: the lexer starts again after
// it (copying the rest of the script is much cheaper than lexing it).
constexpr int kRestartAfterBytes = 1 << 20;

// Lexes the script from `base`; returns where to lex again from (a large
// COPY's data skipped), or 0 at the end.
int search_from(Search* s, int base) {
    core_yy_extra_type extra;
    core_YYSTYPE value;
    YYLTYPE location = 0;  // relative to base
    core_yyscan_t scanner = scanner_init(s->script + base, &extra, &ScanKeywords, ScanKeywordTokens);
    // The lexer's own copy of the text, which flex scans in place
    // (yy_scan_buffer): what is blanked there ahead of it is what it reads.
    char* lexed = extra.scanbuf;
    StatementEnds ends;
    int statement_start = -1;
    int first_token = 0;
    int skip_until = -1;  // the rest of a \restrict line
    int restart_at = 0;
    for (;;) {
        const int token = core_yylex(&value, &location, scanner);
        if (token == 0) break;
        const int at = base + location;
        if (at < skip_until) continue;
        if (statement_start < 0) {
            if (token == '\\') {
                const int line_end = end_of_line(s->script, s->length, at);
                if (!is_restrict_line(s->script + at, line_end - at)) break;  // refused by the parse
                // The character after the backslash is held by flex: the
                // lexer may still read it, as an identifier that is skipped.
                blank(lexed, Min(location + 2, line_end - base), line_end - base);
                add_part(s, SkippedText{at, line_end}, nullptr);
                skip_until = line_end;
                continue;
            }
            statement_start = at;
            first_token = token;
        }
        if (!ends.ends_statement(token)) continue;
        if (first_token == ends.tokens.copy && statement_is_copy_from_stdin(lexed, statement_start - base, location + 1)) {
            if (take_copy_data(s, statement_start, at) > 0) {
                const SkippedText data = s->skipped[s->skipped_count - 1];
                if (data.to - data.from >= kRestartAfterBytes) {
                    restart_at = data.to;
                    break;
                }
                // flex holds only the character after the ';', and the data
                // starts on the next line.
                blank(lexed, data.from - base, data.to - base);
            }
        }
        statement_start = -1;
    }
    scanner_finish(scanner);
    return restart_at < s->length ? restart_at : 0;
}

void search(void* arg) {
    Search* s = static_cast<Search*>(arg);
    for (int base = 0; (base = search_from(s, base)) > 0;) {
    }
}

}  // namespace

PsqlParts* find_psql_parts(const char* script, int length) {
    if (!might_hold_psql_parts(script, length)) return nullptr;
    Search s{script, length, nullptr, 0, nullptr, 0, 8};
    s.skipped = static_cast<SkippedText*>(palloc(sizeof(SkippedText) * s.capacity));
    s.copies = static_cast<InlineCopy*>(palloc(sizeof(InlineCopy) * s.capacity));
    without_script_errors(search, &s);  // a lexer error ends the search; the parse reports it
    if (s.skipped_count == 0) {
        pfree(s.skipped);
        pfree(s.copies);
        return nullptr;
    }
    PsqlParts* parts = static_cast<PsqlParts*>(palloc0(sizeof(PsqlParts)));
    *parts = PsqlParts{s.skipped, s.skipped_count, s.copies, s.copy_count};
    return parts;
}

char* blank_psql_parts(const char* script, int length, const PsqlParts* parts) {
    char* text = pnstrdup(script, length);
    for (int i = 0; i < parts->skipped_count; i++) blank(text, parts->skipped[i].from, parts->skipped[i].to);
    return text;
}

}  // namespace pgm::pg
