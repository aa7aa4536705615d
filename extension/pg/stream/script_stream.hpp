// A migration script read as a stream, never held whole: the bytes come from
// a source (the client's COPY data, a large object: stream_sources.hpp) into
// a window that holds only what the next piece needs.  The window is cut into
// pieces at statement ends found by PostgreSQL's lexer (about a megabyte of
// statements, or one statement however long it is); each piece is parsed on
// its own.  A piece that ends with COPY ... FROM STDIN leaves that statement's
// data in the stream, and running the COPY reads it from there line by line
// up to the "\." line, as psql reads it: bulk data is never a piece.
//
// As the bytes go by the stream computes what migrate_apply computes from a
// whole script: the SHA-256 of the text with line endings normalised (the
// ledger's checksum), and the script the ledger keeps, with every COPY's data
// summarised (lines, bytes, SHA-256) and, past kKeptScriptBytes of SQL, the
// rest summarised too.
//
// PG zone: C-style code that may ereport.  Call it from C++ through pg_call.
#pragma once

#include "../script_parser.hpp"

namespace pgm::pg {

// Reads up to `max` bytes of the script into `out`; 0 at its end.
struct ByteSource {
    int (*read)(void* arg, char* out, int max);
    void* arg;
    // The encoding the bytes are in (the client's for COPY data); they are
    // checked, and converted to the database's when it differs.
    int encoding;
};

// SQL of a streamed script that the ledger keeps; what follows is summarised.
inline constexpr int kKeptScriptBytes = 16 * 1024 * 1024;

struct ScriptStream;

// A piece of the script: whole statements and the text around them, as it
// is in the script, NUL-terminated.
struct ScriptPiece {
    const char* text;
    int length;
    ScriptOrigin origin;
    bool last;              // the script ends with it
    bool data_follows;      // its last statement is COPY ... FROM STDIN, its data next in the stream
};

ScriptStream* open_script_stream(const ByteSource* source);

// The next piece, or NULL when the script is done.  The piece before must
// have been taken (take_piece) and its COPY data read (or skipped).
ScriptPiece* next_script_piece(ScriptStream* stream);

// Takes the piece (`parsed`: its parse): the next piece starts after it.
// Renumbers its statements and their lines as in the whole script and, when
// the piece's data follows, gives its COPY the stream as reader.
void take_piece(ScriptStream* stream, ParsedScript* parsed);

// Reads the COPY data that follows the piece just taken without loading it
// (the script is only being compared), or what its COPY left unread.
void skip_copy_data(ScriptStream* stream);

// What the last COPY's data was.
struct CopyDataSummary {
    int64 bytes;
    int64 lines;
    int first_line;
    char sha256[65];  // lowercase hex
};
const CopyDataSummary* last_copy_data(const ScriptStream* stream);

// After the last piece: the SHA-256 of the whole script, line endings
// normalised, as core::script_checksum computes it.
const char* stream_checksum(ScriptStream* stream);

// The script as the ledger keeps it, and whether anything of it is
// summarised rather than kept.
const char* kept_script(const ScriptStream* stream, bool* summarised);

// Memory for one piece at a time: enter_piece_memory frees what was
// allocated there for the piece before and makes it current;
// leave_piece_memory makes current again what was current at open.
void enter_piece_memory(ScriptStream* stream);
void leave_piece_memory(ScriptStream* stream);

// Bytes of the script read so far (for progress and messages).
int64 stream_bytes_read(const ScriptStream* stream);

}  // namespace pgm::pg
