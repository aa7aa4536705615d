// PG zone: see script_stream.hpp.
#include "script_stream.hpp"

#include "../psql_parts.hpp"
#include "../script_lexing.hpp"

extern "C" {
#include "common/cryptohash.h"
#include "common/sha2.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "parser/parser.h"
#include "parser/scanner.h"
#include "utils/memutils.h"
}

namespace pgm::pg {

namespace {

// A piece holds statements up to the first end past this many bytes (or one
// longer statement): its raw parse trees are many times its size.
constexpr int kPieceBytes = 1 << 20;
// Bytes asked of the source at a time.
constexpr int kReadBytes = 256 * 1024;

}  // namespace

struct ScriptStream {
    MemoryContext context;   // where the stream lives
    MemoryContext piece_context;
    ByteSource source;
    char* raw;               // kReadBytes from the source, and a character cut by the last read
    int raw_pending;         // bytes of that cut character at raw's start
    StringInfoData window;   // the script's text (database encoding) from `window_base` on
    int64 window_base;
    int pos;                 // where the unread text starts in the window
    bool eof;
    int64 bytes_read;
    int line;                // line of the script at pos
    int64 line_start;        // offset in the script where that line starts
    int statements_before;

    pg_cryptohash_ctx* checksum;
    bool pending_cr;         // the text read so far ends in "\r"
    char checksum_hex[65];

    ScriptPiece piece;
    bool piece_open;         // returned and not yet taken

    // The COPY whose data is being read.
    bool in_copy;
    bool mid_line;           // the last read of it stopped inside a line
    pg_cryptohash_ctx* copy_hash;
    pg_cryptohash_ctx* finished_copy_hash;  // its data ended in the read under way
    CopyDataSummary copy;
    CopyDataReader reader;

    StringInfoData kept;
    bool kept_cut;           // SQL past kKeptScriptBytes is summarised
    bool summarised;
    int64 omitted_bytes;
    int omitted_from_line;
};

namespace {

// In `context`: a digest outlives the memory of the piece that starts it.
pg_cryptohash_ctx* new_sha256(MemoryContext context) {
    MemoryContext caller = MemoryContextSwitchTo(context);
    pg_cryptohash_ctx* ctx = pg_cryptohash_create(PG_SHA256);
    MemoryContextSwitchTo(caller);
    if (ctx == nullptr || pg_cryptohash_init(ctx) < 0) elog(ERROR, "could not start a SHA-256 digest");
    return ctx;
}

void hash_bytes(pg_cryptohash_ctx* ctx, const char* data, size_t length) {
    if (length > 0 && pg_cryptohash_update(ctx, reinterpret_cast<const uint8*>(data), length) < 0)
        elog(ERROR, "could not compute a SHA-256 digest");
}

void finish_sha256(pg_cryptohash_ctx* ctx, char* hex) {
    uint8 digest[PG_SHA256_DIGEST_LENGTH];
    if (pg_cryptohash_final(ctx, digest, sizeof(digest)) < 0) elog(ERROR, "could not compute a SHA-256 digest");
    pg_cryptohash_free(ctx);
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < PG_SHA256_DIGEST_LENGTH; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0xf];
    }
    hex[2 * PG_SHA256_DIGEST_LENGTH] = '\0';
}

// The checksum's text: "\r\n" and a lone "\r" count as "\n" (checksum.hpp).
void hash_normalised(ScriptStream* s, const char* data, int length) {
    const char* p = data;
    const char* end = data + length;
    if (s->pending_cr && p < end) {
        s->pending_cr = false;
        hash_bytes(s->checksum, "\n", 1);
        if (*p == '\n') p++;
    }
    while (p < end) {
        const char* cr = static_cast<const char*>(memchr(p, '\r', end - p));
        if (cr == nullptr) {
            hash_bytes(s->checksum, p, end - p);
            break;
        }
        hash_bytes(s->checksum, p, cr - p);
        if (cr + 1 == end) {
            s->pending_cr = true;
            break;
        }
        hash_bytes(s->checksum, "\n", 1);
        p = cr[1] == '\n' ? cr + 2 : cr + 1;
    }
}

// Drops the text before pos, once it is most of the window.
void compact(ScriptStream* s) {
    if (s->pos == 0 || s->pos < s->window.len / 2) return;
    memmove(s->window.data, s->window.data + s->pos, s->window.len - s->pos + 1);  // with the NUL
    s->window.len -= s->pos;
    s->window_base += s->pos;
    s->pos = 0;
}

// Checks the bytes read (and converts them to the database encoding) and
// appends them to the window.  A character cut by the read's end waits for
// the next read.
void take_bytes(ScriptStream* s, int length) {
    const int valid = pg_encoding_verifymbstr(s->source.encoding, s->raw, length);
    int usable = valid;
    if (valid < length) {
        const int left = length - valid;
        const bool cut = !s->eof && s->raw[valid] != '\0' && left < pg_encoding_max_length(s->source.encoding) &&
                         pg_encoding_mblen(s->source.encoding, s->raw + valid) > left;
        if (!cut) report_invalid_encoding(s->source.encoding, s->raw + valid, left);
    }
    const char* text = s->raw;
    if (s->source.encoding != GetDatabaseEncoding() && usable > 0)
        text = pg_any_to_server(s->raw, usable, s->source.encoding);
    const int text_length = text == s->raw ? usable : static_cast<int>(strlen(text));
    appendBinaryStringInfo(&s->window, text, text_length);
    hash_normalised(s, text, text_length);
    if (text != s->raw) pfree(const_cast<char*>(text));
    s->raw_pending = length - usable;
    memmove(s->raw, s->raw + usable, s->raw_pending);
}

// Reads until the window holds `want` bytes from pos, or the script ends.
void fill(ScriptStream* s, int want) {
    while (!s->eof && s->window.len - s->pos < want) {
        CHECK_FOR_INTERRUPTS();
        compact(s);
        const int n = s->source.read(s->source.arg, s->raw + s->raw_pending, kReadBytes);
        if (n == 0) {
            s->eof = true;
            if (s->raw_pending > 0) report_invalid_encoding(s->source.encoding, s->raw, s->raw_pending);
            break;
        }
        s->bytes_read += n;
        take_bytes(s, s->raw_pending + n);
    }
}

void keep(ScriptStream* s, const char* text, int length) {
    if (!s->kept_cut && s->kept.len + length > kKeptScriptBytes) {
        s->kept_cut = true;
        s->summarised = true;
        s->omitted_from_line = s->line;
    }
    if (s->kept_cut) s->omitted_bytes += length;
    else appendBinaryStringInfo(&s->kept, text, length);
}

// Moves pos over `length` bytes of SQL text, kept and counted in lines.
void pass_text(ScriptStream* s, int length) {
    const char* text = s->window.data + s->pos;
    keep(s, text, length);
    const char* end = text + length;
    for (const char* p = text; (p = static_cast<const char*>(memchr(p, '\n', end - p))) != nullptr; p++) {
        s->line++;
        s->line_start = s->window_base + s->pos + (p - text) + 1;
    }
    s->pos += length;
}

// ------------------------------------------------------------ pieces

struct Cut {
    const char* text;  // in: NUL-terminated
    int length;        // in
    int end;           // out: just past the last statement end taken, or 0
    bool copy;         // out: that statement is COPY ... FROM STDIN
    bool lexed_all;    // out: the lexer reached the text's end without an error
};

int end_of_line(const char* text, int length, int offset) {
    const void* newline = memchr(text + offset, '\n', length - offset);
    return newline != nullptr ? static_cast<int>(static_cast<const char*>(newline) - text) : length;
}

// Statement ends in c->text, found by PostgreSQL's lexer: up to the first
// past kPieceBytes, or to a COPY ... FROM STDIN whose data follows.  A
// "\restrict" line is passed over; another meta-command ends the piece (its
// parse refuses it).
void find_cut(void* arg) {
    Cut* c = static_cast<Cut*>(arg);
    core_yy_extra_type extra;
    core_YYSTYPE value;
    YYLTYPE location = 0;
    core_yyscan_t scanner = scanner_init(c->text, &extra, &ScanKeywords, ScanKeywordTokens);
    char* lexed = extra.scanbuf;  // flex scans its copy in place: blanked ahead of it is not read
    StatementEnds ends;
    int statement_start = -1;
    int first_token = 0;
    int skip_until = -1;
    for (;;) {
        const int token = core_yylex(&value, &location, scanner);
        if (token == 0) {
            c->lexed_all = true;
            break;
        }
        if (location < skip_until) continue;
        if (statement_start < 0) {
            if (token == '\\') {
                const int line_end = end_of_line(c->text, c->length, location);
                if (!is_restrict_line(c->text + location, line_end - location)) {
                    c->end = line_end;
                    break;
                }
                for (int i = Min(location + 2, line_end); i < line_end; i++) lexed[i] = ' ';
                skip_until = line_end;
                continue;
            }
            statement_start = location;
            first_token = token;
        }
        if (!ends.ends_statement(token)) continue;
        c->end = location + 1;
        if (first_token == ends.tokens.copy && statement_is_copy_from_stdin(lexed, statement_start, location + 1)) {
            c->copy = true;
            break;
        }
        statement_start = -1;
        if (c->end >= kPieceBytes) break;
    }
    scanner_finish(scanner);
}

// ------------------------------------------------------------ COPY data

void begin_copy_data(ScriptStream* s) {
    // The data starts on the line after the statement's ';'.
    for (;;) {
        const char* rest = s->window.data + s->pos;
        const void* newline = memchr(rest, '\n', s->window.len - s->pos);
        if (newline != nullptr) {
            pass_text(s, static_cast<int>(static_cast<const char*>(newline) - rest) + 1);
            break;
        }
        if (s->eof) {
            pass_text(s, s->window.len - s->pos);
            break;
        }
        fill(s, s->window.len - s->pos + kReadBytes);
    }
    s->in_copy = true;
    s->mid_line = false;
    s->copy = CopyDataSummary{0, 0, s->line, {0}};
    s->copy_hash = new_sha256(s->context);
}

// The data's digest is final once the bytes of the read that met its end
// are in it (they are hashed a read at a time, not a line at a time).
void end_copy_data(ScriptStream* s) {
    s->in_copy = false;
    s->finished_copy_hash = s->copy_hash;
    s->copy_hash = nullptr;
}

void finish_copy_digest(ScriptStream* s) {
    finish_sha256(s->finished_copy_hash, s->copy.sha256);
    s->finished_copy_hash = nullptr;
}

// Gives `length` bytes at pos to COPY.
void hand_out(ScriptStream* s, char* out, int length, bool whole_line) {
    memcpy(out, s->window.data + s->pos, length);
    s->copy.bytes += length;
    s->pos += length;
    s->mid_line = !whole_line;
    if (whole_line) {
        s->copy.lines++;
        s->line++;
        s->line_start = s->window_base + s->pos;
    }
}

// COPY's data callback: whole lines while they fit, up to the "\." line.
int read_copy_data(void* arg, char* out, int max) {
    ScriptStream* s = static_cast<ScriptStream*>(arg);
    int n = 0;
    while (s->in_copy && n < max) {
        const char* line = s->window.data + s->pos;
        const int available = s->window.len - s->pos;
        const char* newline = static_cast<const char*>(memchr(line, '\n', available));
        if (newline == nullptr && !s->eof) {
            if (n > 0) break;
            if (available >= max) {  // a line longer than COPY's buffer (never "\."): its start goes now
                hand_out(s, out, max, false);
                n = max;
                break;
            }
            fill(s, available + kReadBytes);
            continue;
        }
        const int length = newline != nullptr ? static_cast<int>(newline - line) : available;
        if (!s->mid_line && is_end_of_data(line, length)) {
            s->pos += newline != nullptr ? length + 1 : length;
            s->line++;
            s->line_start = s->window_base + s->pos;
            end_copy_data(s);
            break;
        }
        if (length == 0 && newline == nullptr) {  // the script ends without "\."
            end_copy_data(s);
            break;
        }
        const int with_newline = newline != nullptr ? length + 1 : length;
        if (with_newline <= max - n) {
            hand_out(s, out + n, with_newline, newline != nullptr);
            n += with_newline;
        } else if (n == 0) {
            hand_out(s, out, max, false);  // a line longer than COPY's buffer
            n = max;
        } else {
            break;
        }
    }
    hash_bytes(s->copy_hash != nullptr ? s->copy_hash : s->finished_copy_hash, out, n);
    if (!s->in_copy && s->finished_copy_hash != nullptr) finish_copy_digest(s);
    return n;
}

void summarise_copy(ScriptStream* s, int64 rows) {
    char* summary = rows >= 0
                        ? psprintf("\\.\n-- pg_migrate: COPY data not kept: " INT64_FORMAT " rows, " INT64_FORMAT
                                   " lines, " INT64_FORMAT " bytes, SHA-256 %s, from line %d\n",
                                   rows, s->copy.lines, s->copy.bytes, s->copy.sha256, s->copy.first_line)
                        : psprintf("\\.\n-- pg_migrate: COPY data not kept: " INT64_FORMAT " lines, " INT64_FORMAT
                                   " bytes, SHA-256 %s, from line %d\n",
                                   s->copy.lines, s->copy.bytes, s->copy.sha256, s->copy.first_line);
    s->summarised = true;
    if (!s->kept_cut) appendStringInfoString(&s->kept, summary);
    pfree(summary);
}

void read_rest_of_copy(ScriptStream* s) {
    char* scratch = static_cast<char*>(palloc(kReadBytes));
    while (s->in_copy) read_copy_data(s, scratch, kReadBytes);
    pfree(scratch);
}

void copy_done(void* arg, uint64 rows) {
    ScriptStream* s = static_cast<ScriptStream*>(arg);
    read_rest_of_copy(s);  // a binary COPY stops at its trailer
    summarise_copy(s, static_cast<int64>(rows));
}

}  // namespace

ScriptStream* open_script_stream(const ByteSource* source) {
    ScriptStream* s = static_cast<ScriptStream*>(palloc0(sizeof(ScriptStream)));
    s->source = *source;
    s->raw = static_cast<char*>(palloc(kReadBytes + MAX_MULTIBYTE_CHAR_LEN));
    initStringInfo(&s->window);
    initStringInfo(&s->kept);
    s->line = 1;
    s->context = CurrentMemoryContext;
    s->piece_context = AllocSetContextCreate(s->context, "pg_migrate script piece", ALLOCSET_DEFAULT_SIZES);
    s->checksum = new_sha256(s->context);
    s->reader = CopyDataReader{read_copy_data, copy_done, s};
    return s;
}

ScriptPiece* next_script_piece(ScriptStream* s) {
    if (s->piece_open) elog(ERROR, "the last piece of the script was not taken");
    if (s->in_copy) {
        read_rest_of_copy(s);
        summarise_copy(s, -1);
    }
    for (int want = kPieceBytes + 1;; want = Max(want, s->window.len - s->pos) * 2) {
        fill(s, want);
        const int available = s->window.len - s->pos;
        if (available == 0 && s->eof) return nullptr;
        Cut c{s->window.data + s->pos, available, 0, false, false};
        lex_quietly(find_cut, &c);
        int length;
        if (c.copy || c.end >= kPieceBytes || (!s->eof && c.end > 0)) length = c.end;
        else if (s->eof) length = available;  // the rest, whatever it holds: its parse says
        else continue;                        // a statement longer than the window
        const int64 pos_in_script = s->window_base + s->pos;
        const int64 line_part = pos_in_script - s->line_start;
        const int column_offset = line_part > 0 && s->line_start >= s->window_base
                                      ? pg_mbstrlen_with_len(s->window.data + (s->line_start - s->window_base),
                                                             static_cast<int>(line_part))
                                      : 0;
        s->piece = ScriptPiece{pnstrdup(c.text, length), length,
                               ScriptOrigin{s->line, column_offset, s->statements_before},
                               s->eof && length == available, c.copy && length == c.end};
        s->piece_open = true;
        return &s->piece;
    }
}

void take_piece(ScriptStream* s, ParsedScript* parsed) {
    const ScriptPiece* p = &s->piece;
    for (int i = 0; i < parsed->count; i++) {
        ScriptStatement* st = &parsed->statements[i];
        if (st->line == 1) st->column += p->origin.column_offset;
        st->line += p->origin.first_line - 1;
        st->number += p->origin.statements_before;
        if (st->copy_data != nullptr) st->copy_data_line += p->origin.first_line - 1;
    }
    pass_text(s, p->length);
    s->statements_before += parsed->count;
    s->piece_open = false;
    if (!p->data_follows || parsed->count == 0) return;
    ScriptStatement* copy = &parsed->statements[parsed->count - 1];
    if (!copy->copy_from_stdin) elog(ERROR, "the statement before streamed COPY data is not COPY FROM STDIN");
    begin_copy_data(s);
    copy->copy_reader = &s->reader;
    copy->copy_data_line = s->copy.first_line;
    copy->unsupported = nullptr;
    copy->unsupported_detail = nullptr;
    copy->unsupported_hint = nullptr;
}

void skip_copy_data(ScriptStream* s) {
    if (!s->in_copy) return;
    read_rest_of_copy(s);
    summarise_copy(s, -1);
}

const CopyDataSummary* last_copy_data(const ScriptStream* s) { return &s->copy; }

const char* stream_checksum(ScriptStream* s) {
    if (s->checksum != nullptr) {
        if (!s->eof || s->pos < s->window.len) elog(ERROR, "the script was not read to its end");
        if (s->pending_cr) hash_bytes(s->checksum, "\n", 1);
        finish_sha256(s->checksum, s->checksum_hex);
        s->checksum = nullptr;
    }
    return s->checksum_hex;
}

const char* kept_script(const ScriptStream* s, bool* summarised) {
    *summarised = s->summarised;
    if (!s->kept_cut) return s->kept.data;
    const bool ends_line = s->kept.len == 0 || s->kept.data[s->kept.len - 1] == '\n';
    return psprintf("%s%s-- pg_migrate: the rest of the script is not kept: " INT64_FORMAT
                    " bytes from line %d on; the checksum is of the whole script\n",
                    s->kept.data, ends_line ? "" : "\n", s->omitted_bytes, s->omitted_from_line);
}

void enter_piece_memory(ScriptStream* s) {
    MemoryContextSwitchTo(s->context);
    MemoryContextReset(s->piece_context);
    MemoryContextSwitchTo(s->piece_context);
}

void leave_piece_memory(ScriptStream* s) { MemoryContextSwitchTo(s->context); }

int64 stream_bytes_read(const ScriptStream* s) { return s->bytes_read; }

}  // namespace pgm::pg
