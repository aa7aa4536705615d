// Reading SQL arguments and building SQL results.  PG zone.
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

// NULL when the argument is SQL NULL (or absent).
const char* text_arg(FunctionCallInfo fcinfo, int n);
bool bool_arg(FunctionCallInfo fcinfo, int n, bool if_null);
bool arg_is_null(FunctionCallInfo fcinfo, int n);
int int_arg(FunctionCallInfo fcinfo, int n);  // raises on NULL
Datum datum_arg(FunctionCallInfo fcinfo, int n);
// The role running the current function (GetUserId), as an oid Datum.
Datum caller_role_datum();

struct ApplyOutcome {
    const char* version;
    const char* name;
    const char* status;
    const char* checksum;
    int statements;
    int64 duration_us;
    bool out_of_order;
    const char* risk;         // 0.7 on; NULL when not assessed (skipped)
    const char* report_json;  // 0.7 on; the dry run's evidence, or NULL
};

// The one-row composite result of migrate_apply (7 columns up to 0.6, 9 on).
Datum apply_result(FunctionCallInfo fcinfo, const ApplyOutcome* outcome);

// The top-level keys of a jsonb object; raises an error when `value` is not
// an object.  `what` names the argument in the message.
struct KeyList {
    int count;
    const char** keys;
};
KeyList* jsonb_object_keys_of(Datum value, const char* what);

// The non-NULL elements of a text[] argument (count 0 for a NULL argument).
KeyList* text_array_arg(FunctionCallInfo fcinfo, int n);

// The members of a jsonb object whose values are strings (or null: value
// NULL); raises an error naming `what` for anything else.
struct TextPairs {
    int count;
    const char** keys;
    const char** values;
};
TextPairs* jsonb_text_pairs_of(Datum value, const char* what);

// A set-returning function's rows, given as text in the order of its OUT
// columns (NULL for SQL NULL); each is read with its column type's input
// function.  `cells` holds rows * columns entries.
void text_rows_result(FunctionCallInfo fcinfo, const char* const* cells, int rows);
// How many columns the function's result row has as declared in SQL: an
// older extension version may declare fewer than the library knows.
int result_columns(FunctionCallInfo fcinfo);
// The same for a function returning one composite row.
Datum text_row_result(FunctionCallInfo fcinfo, const char* const* cells);

// The rows of migrate_split: one per statement of `parsed`.
struct ParsedScript;
void split_result(FunctionCallInfo fcinfo, const ParsedScript* parsed);

Datum text_result(const char* text);
// A timestamptz written as text (any input format PostgreSQL accepts).
int64 timestamptz_from_text(const char* text);
void release(const char* buffer);  // pfree
Datum void_result();

// The one-row result of migrate_steps_begin.
struct StepsBeginResult {
    const char* status;
    int done;
    int statements;
};
Datum steps_begin_result(FunctionCallInfo fcinfo, const StepsBeginResult* result);
Datum bytea_result(const char* bytes, int len);
Datum int64_result(int64 value);
Datum bool_result(bool value);

// A NOTICE to the client.
void report_notice(const char* message, const char* detail);

// Makes a script-relative error position (from raw_parser) point into the
// statement that holds it, and adds "<label>, statement N, line L, column C"
// to the error's context (label: "migration 001").  Modifies `edata` in place.
struct ScriptOrigin;  // script_parser.hpp
void annotate_script_error(ErrorData* edata, const char* label, const char* script,
                           const ScriptOrigin* origin = nullptr);

// The psql meta-command ("\set x 1") at the error position of `edata`, or
// NULL when the error is about something else.
const char* meta_command_at_error(const ErrorData* edata, const char* script);

}  // namespace pgm::pg
