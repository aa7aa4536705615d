// PG zone: see fmgr_io.hpp.
#include "fmgr_io.hpp"

#include "script_parser.hpp"

extern "C" {
#include "access/htup_details.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "mb/pg_wchar.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

namespace pgm::pg {
namespace {

// The row type migrate_apply (or migrate_apply_repeatable) returns, kept per
// backend: get_call_result_type() reads the function's pg_proc row and builds
// the descriptor from its OUT parameters every time, which cost more than the
// rest of returning the row.  Any change to pg_proc drops it.
TupleDesc kept_result_desc;
Oid kept_result_function = InvalidOid;
bool result_desc_callback_registered = false;

void forget_result_desc(Datum, int, uint32) {
    if (kept_result_desc != nullptr) FreeTupleDesc(kept_result_desc);
    kept_result_desc = nullptr;
    kept_result_function = InvalidOid;
}

TupleDesc apply_result_desc(FunctionCallInfo fcinfo) {
    const Oid function = fcinfo->flinfo->fn_oid;
    if (kept_result_desc != nullptr && kept_result_function == function) return kept_result_desc;
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "migrate_apply must return a composite type");
    if (!result_desc_callback_registered) {
        CacheRegisterSyscacheCallback(PROCOID, forget_result_desc, Datum(0));
        result_desc_callback_registered = true;
    }
    forget_result_desc(Datum(0), PROCOID, 0);
    MemoryContext caller = MemoryContextSwitchTo(CacheMemoryContext);
    TupleDesc kept = CreateTupleDescCopy(desc);
    MemoryContextSwitchTo(caller);
    kept_result_desc = BlessTupleDesc(kept);
    kept_result_function = function;
    return kept_result_desc;
}

}  // namespace

bool arg_is_null(FunctionCallInfo fcinfo, int n) {
    return n >= PG_NARGS() || PG_ARGISNULL(n);
}

const char* text_arg(FunctionCallInfo fcinfo, int n) {
    if (arg_is_null(fcinfo, n)) return nullptr;
    return text_to_cstring(PG_GETARG_TEXT_PP(n));
}

bool bool_arg(FunctionCallInfo fcinfo, int n, bool if_null) {
    if (arg_is_null(fcinfo, n)) return if_null;
    return PG_GETARG_BOOL(n);
}

Datum datum_arg(FunctionCallInfo fcinfo, int n) { return PG_GETARG_DATUM(n); }

int int_arg(FunctionCallInfo fcinfo, int n) {
    if (arg_is_null(fcinfo, n))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("the statement number must not be null")));
    return PG_GETARG_INT32(n);
}

Datum caller_role_datum() { return ObjectIdGetDatum(GetUserId()); }

Datum void_result() { PG_RETURN_VOID(); }

Datum steps_begin_result(FunctionCallInfo fcinfo, const StepsBeginResult* result) {
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE || desc->natts != 3)
        elog(ERROR, "migrate_steps_begin: unexpected result type");
    desc = BlessTupleDesc(desc);
    Datum values[3] = {CStringGetTextDatum(result->status), Int32GetDatum(result->done),
                       Int32GetDatum(result->statements)};
    bool nulls[3] = {false, false, false};
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

Datum apply_result(FunctionCallInfo fcinfo, const ApplyOutcome* outcome) {
    Interval* duration = static_cast<Interval*>(palloc0(sizeof(Interval)));
    duration->time = outcome->duration_us;

    Datum values[9];
    bool nulls[9] = {false, outcome->name == nullptr, false, false, false, false, false,
                     outcome->risk == nullptr, outcome->report_json == nullptr};
    values[0] = CStringGetTextDatum(outcome->version);
    values[1] = outcome->name ? CStringGetTextDatum(outcome->name) : (Datum)0;
    values[2] = CStringGetTextDatum(outcome->status);
    values[3] = CStringGetTextDatum(outcome->checksum);
    values[4] = Int32GetDatum(outcome->statements);
    values[5] = IntervalPGetDatum(duration);
    values[6] = BoolGetDatum(outcome->out_of_order);
    values[7] = outcome->risk ? CStringGetTextDatum(outcome->risk) : (Datum)0;
    values[8] = outcome->report_json ? DirectFunctionCall1(jsonb_in, CStringGetDatum(outcome->report_json)) : (Datum)0;
    // Last: nothing between here and heap_form_tuple reads the catalogs (and
    // so nothing can take in an invalidation that frees the descriptor).
    TupleDesc desc = apply_result_desc(fcinfo);
    if (desc->natts != 7 && desc->natts != 9) elog(ERROR, "migrate_apply: unexpected result type");
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

KeyList* text_array_arg(FunctionCallInfo fcinfo, int n) {
    KeyList* list = static_cast<KeyList*>(palloc0(sizeof(KeyList)));
    if (PG_NARGS() <= n || PG_ARGISNULL(n)) return list;
    Datum* elements;
    bool* nulls;
    int count;
    deconstruct_array(PG_GETARG_ARRAYTYPE_P(n), TEXTOID, -1, false, TYPALIGN_INT, &elements, &nulls, &count);
    list->keys = static_cast<const char**>(palloc(sizeof(char*) * (count + 1)));
    for (int i = 0; i < count; i++)
        if (!nulls[i]) list->keys[list->count++] = TextDatumGetCString(elements[i]);
    return list;
}

KeyList* jsonb_object_keys_of(Datum value, const char* what) {
    Jsonb* jb = DatumGetJsonbP(value);
    if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s must be a JSON object", what),
                        errhint("Pass {\"<version>\": \"<checksum>\", ...}.")));
    KeyList* list = static_cast<KeyList*>(palloc0(sizeof(KeyList)));
    list->keys = static_cast<const char**>(palloc(sizeof(char*) * (JB_ROOT_COUNT(jb) + 1)));
    JsonbIterator* it = JsonbIteratorInit(&jb->root);
    JsonbValue v;
    JsonbIteratorToken token;
    while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (token == WJB_KEY)
            list->keys[list->count++] = pnstrdup(v.val.string.val, v.val.string.len);
    }
    return list;
}

TextPairs* jsonb_text_pairs_of(Datum value, const char* what) {
    Jsonb* jb = DatumGetJsonbP(value);
    if (!JB_ROOT_IS_OBJECT(jb) || JB_ROOT_IS_SCALAR(jb))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s must be a JSON object", what),
                        errhint("Pass {\"<version>\": \"<script>\", ...}.")));
    TextPairs* pairs = static_cast<TextPairs*>(palloc0(sizeof(TextPairs)));
    const int n = JB_ROOT_COUNT(jb) + 1;
    pairs->keys = static_cast<const char**>(palloc0(sizeof(char*) * n));
    pairs->values = static_cast<const char**>(palloc0(sizeof(char*) * n));
    JsonbIterator* it = JsonbIteratorInit(&jb->root);
    JsonbValue v;
    JsonbIteratorToken token;
    while ((token = JsonbIteratorNext(&it, &v, true)) != WJB_DONE) {
        if (token == WJB_KEY) {
            pairs->keys[pairs->count] = pnstrdup(v.val.string.val, v.val.string.len);
        } else if (token == WJB_VALUE) {
            if (v.type == jbvString)
                pairs->values[pairs->count] = pnstrdup(v.val.string.val, v.val.string.len);
            else if (v.type != jbvNull)
                ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                errmsg("%s must map each version to a string", what),
                                errdetail("The value of \"%s\" is not a string.", pairs->keys[pairs->count])));
            pairs->count++;
        }
    }
    return pairs;
}

namespace {

HeapTuple tuple_from_cells(AttInMetadata* meta, int columns, const char* const* cells) {
    char** values = static_cast<char**>(palloc(sizeof(char*) * columns));
    for (int c = 0; c < columns; c++) values[c] = const_cast<char*>(cells[c]);
    return BuildTupleFromCStrings(meta, values);
}

}  // namespace

int result_columns(FunctionCallInfo fcinfo) {
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) elog(ERROR, "unexpected result type");
    return desc->natts;
}

void text_rows_result(FunctionCallInfo fcinfo, const char* const* cells, int rows) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    AttInMetadata* meta = TupleDescGetAttInMetadata(rsinfo->setDesc);
    const int columns = rsinfo->setDesc->natts;
    for (int r = 0; r < rows; r++)
        tuplestore_puttuple(rsinfo->setResult, tuple_from_cells(meta, columns, cells + r * columns));
}

Datum text_row_result(FunctionCallInfo fcinfo, const char* const* cells) {
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE)
        elog(ERROR, "function returning a record called in a context that cannot accept one");
    desc = BlessTupleDesc(desc);
    HeapTuple tuple = tuple_from_cells(TupleDescGetAttInMetadata(desc), desc->natts, cells);
    return HeapTupleGetDatum(tuple);
}

void split_result(FunctionCallInfo fcinfo, const ParsedScript* parsed) {
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (int i = 0; i < parsed->count; i++) {
        const ScriptStatement* st = &parsed->statements[i];
        Datum values[5];
        bool nulls[5] = {false, false, false, false, false};
        values[0] = Int32GetDatum(st->number);
        values[1] = Int32GetDatum(st->line);
        values[2] = CStringGetTextDatum(st->command);
        values[3] = BoolGetDatum(st->not_in_transaction == nullptr &&
                                 st->kind == StatementKind::Plain && st->unsupported == nullptr);
        values[4] = CStringGetTextDatum(st->text);
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
}

void release(const char* buffer) { pfree(const_cast<char*>(buffer)); }

Datum text_result(const char* text) { return CStringGetTextDatum(text); }

int64 timestamptz_from_text(const char* text) {
    return DatumGetTimestampTz(DirectFunctionCall3(timestamptz_in, CStringGetDatum(text),
                                                   ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

Datum bytea_result(const char* bytes, int len) {
    bytea* value = static_cast<bytea*>(palloc(VARHDRSZ + len));
    SET_VARSIZE(value, VARHDRSZ + len);
    memcpy(VARDATA(value), bytes, len);
    return PointerGetDatum(value);
}

void report_notice(const char* message, const char* detail) {
    ereport(NOTICE, (errmsg_internal("%s", message),
                     detail ? errdetail_internal("%s", detail) : 0));
}

namespace {

int end_of_line(const char* script, int offset) {
    while (script[offset] != '\0' && script[offset] != '\n') offset++;
    return offset;
}

// Our line goes first: PostgreSQL lists context innermost first, and the
// outer callers' lines are already in the error.
void prepend_context(ErrorData* edata, const char* line) {
    if (edata->context == nullptr || edata->context[0] == '\0') {
        edata->context = pstrdup(line);
        return;
    }
    edata->context = psprintf("%s\n%s", line, edata->context);
}

}  // namespace

void annotate_script_error(ErrorData* edata, const char* label, const char* script, const ScriptOrigin* origin) {
    if (edata->cursorpos <= 0) {
        prepend_context(edata, label);
        return;
    }
    ScriptLocation* where = locate_script_position(script, edata->cursorpos);
    const int offset = where->offset;
    const int statement_start = where->statement_start;
    move_location(where, origin);
    int stop = end_of_line(script, offset);
    // The caret is drawn under the statement, not under the caller's query.
    edata->internalquery = pnstrdup(script + statement_start, stop - statement_start);
    edata->internalpos = pg_mbstrlen_with_len(script + statement_start, offset - statement_start) + 1;
    edata->cursorpos = 0;
    prepend_context(edata, psprintf("%s, statement %d, line %d, column %d", label,
                                   where->statement, where->line, where->column));
}

const char* meta_command_at_error(const ErrorData* edata, const char* script) {
    if (edata->cursorpos <= 0) return nullptr;
    ScriptLocation* where = locate_script_position(script, edata->cursorpos);
    if (script[where->offset] != '\\') return nullptr;
    return pnstrdup(script + where->offset, end_of_line(script, where->offset) - where->offset);
}

Datum int64_result(int64 value) { return Int64GetDatum(value); }
Datum bool_result(bool value) { return BoolGetDatum(value); }

}  // namespace pgm::pg
