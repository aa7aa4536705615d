// PG zone: see ddl_events.hpp.
#include "ddl_events.hpp"

#include "citus/citus.hpp"
#include "attribution.hpp"
#include "evidence.hpp"
#include "ledger.hpp"
#include "row_writer.hpp"
#include "schema_snapshot.hpp"
#include "settings.hpp"

extern "C" {
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "access/xact.h"
#include "commands/event_trigger.h"
#include "executor/executor.h"
#include "funcapi.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "nodes/parsenodes.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/fmgrprotos.h"
#include "utils/tuplestore.h"
#include "utils/xid8.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
}

namespace pgm::pg {
namespace {


// Set while a handler runs: DDL caused by the handler itself is not handled
// again (no recursion, whatever a future log table trigger might do).
bool in_handler = false;

// SQLSTATE of the guard's refusal (class "MG": see api/errors.hpp).
const int kDdlOutsideMigration = MAKE_SQLSTATE('M', 'G', '0', '0', '7');

// Statements shown in messages are cut after this many bytes.
constexpr int kStatementExcerpt = 300;

// The columns of pg_event_trigger_ddl_commands() that the log reads.
enum CommandColumn { kClassId, kObjId, kCommandTag, kObjectType, kSchemaName, kObjectIdentity, kInExtension,
                     kCommandColumns };
const char* const kCommandColumnNames[kCommandColumns] = {"classid",     "objid",           "command_tag",
                                                          "object_type", "schema_name",     "object_identity",
                                                          "in_extension"};

EventTriggerData* event_data(FunctionCallInfo fcinfo) {
    if (!CALLED_AS_EVENT_TRIGGER(fcinfo))
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("function can only be called as an event trigger")));
    return reinterpret_cast<EventTriggerData*>(fcinfo->context);
}

Oid ddl_log_relation() {
    Oid schema = get_namespace_oid("migrate", true);
    return OidIsValid(schema) ? get_relname_relid("ddl_log", schema) : InvalidOid;
}

// ---------------------------------------------------------------- the log

// Every log row: $1 version, $2 statement (NULL outside a migration), $3 the
// role, $4 the statement's text, $5 the command tag; who and where from the
// session itself.  Each query comes in two forms: with the catalog address of
// the object (classid, objid: version 0.5 on) and without it, for a library
// that is newer than the extension's installed tables (before ALTER EXTENSION
// ... UPDATE, DDL must keep working).
#define PGM_LOG_INSERT(ADDRESS_COLUMNS)                                                       \
    "INSERT INTO migrate.ddl_log (event, version, statement, command_tag, object_type, "      \
    "schema_name, object_identity, detail, role, session_role, application_name, client_addr, " \
    "backend_pid, xid, statement_text" ADDRESS_COLUMNS ") "
#define PGM_LOG_SESSION                                                                       \
    "$3, pg_catalog.session_user(), "                                                         \
    "NULLIF(pg_catalog.current_setting('application_name'), ''), "                 \
    "pg_catalog.inet_client_addr(), pg_catalog.pg_backend_pid(), pg_catalog.pg_current_xact_id(), $4 "
#define PGM_ADDRESS_COLUMNS ", classid, objid"

// Objects dropped: the ones the statement named and those dropped with them
// by CASCADE ("normal" dependencies); not the internal parts (row types,
// constraint triggers, a view's rule) that go with every table or view, nor
// the members of an extension dropped with DROP EXTENSION.
#define PGM_LOG_DROPPED(ADDRESS_COLUMNS, ADDRESS)                                             \
    PGM_LOG_INSERT(ADDRESS_COLUMNS)                                                           \
    "SELECT 'sql_drop', $1, $2, $5, d.object_type, d.schema_name, d.object_identity, "       \
    "CASE WHEN NOT d.original THEN 'dropped with another object (CASCADE)' END, "             \
    PGM_LOG_SESSION ADDRESS                                                                   \
    " FROM pg_catalog.pg_event_trigger_dropped_objects() AS d "                               \
    "WHERE (d.original OR (d.normal AND d.object_type <> 'rule' AND $5 <> 'DROP EXTENSION')) " \
    "AND NOT d.is_temporary "                                                                 \
    "AND NOT (d.object_type = 'extension' AND d.object_identity = 'pg_migrate')"

#define PGM_LOG_REWRITTEN(ADDRESS_COLUMNS, ADDRESS)                                           \
    PGM_LOG_INSERT(ADDRESS_COLUMNS)                                                           \
    "SELECT 'table_rewrite', $1, $2, $5, o.type, o.schema, o.identity, "                      \
    "'table rewritten: ' || pg_catalog.concat_ws(', ', "                                      \
    "CASE WHEN r.reason & 1 <> 0 THEN 'persistence changed' END, "                            \
    "CASE WHEN r.reason & 2 <> 0 THEN 'column added with a volatile default' END, "           \
    "CASE WHEN r.reason & 4 <> 0 THEN 'column type changed' END, "                            \
    "CASE WHEN r.reason & 8 <> 0 THEN 'access method changed' END), " PGM_LOG_SESSION ADDRESS  \
    " FROM (SELECT pg_catalog.pg_event_trigger_table_rewrite_oid() AS relid, "                \
    "pg_catalog.pg_event_trigger_table_rewrite_reason() AS reason) AS r "                     \
    "JOIN pg_catalog.pg_class AS c ON c.oid = r.relid "                                       \
    "CROSS JOIN LATERAL pg_catalog.pg_identify_object('pg_catalog.pg_class'::pg_catalog.regclass, " \
    "r.relid, 0) AS o "                                                                       \
    "WHERE c.relpersistence <> 't'"

// The shapes of migrate.ddl_log a log query is written for: before 0.5, with
// the catalog address (0.5), and with `reverting` too (0.6 on).
enum LogShape { kNoAddress, kAddress, kAddressReverting, kLogShapes };

// One log query in each shape, each with the plan kept for it.
struct LogQuery {
    const char* sql[kLogShapes];
    SPIPlanPtr plan[kLogShapes];
};

#define PGM_REVERTING_COLUMNS PGM_ADDRESS_COLUMNS ", reverting"
LogQuery dropped{{PGM_LOG_DROPPED("", ""), PGM_LOG_DROPPED(PGM_ADDRESS_COLUMNS, ", d.classid, d.objid"),
                  PGM_LOG_DROPPED(PGM_REVERTING_COLUMNS, ", d.classid, d.objid, $6")},
                 {}};
LogQuery rewritten{{PGM_LOG_REWRITTEN("", ""),
                    PGM_LOG_REWRITTEN(PGM_ADDRESS_COLUMNS, ", 'pg_catalog.pg_class'::pg_catalog.regclass, r.relid"),
                    PGM_LOG_REWRITTEN(PGM_REVERTING_COLUMNS, ", 'pg_catalog.pg_class'::pg_catalog.regclass, r.relid, $6")},
                   {}};

// REFRESH MATERIALIZED VIEW fires the DDL events but changes data, not the
// schema: routine maintenance (often scheduled) is neither logged nor guarded.
bool changes_schema(const EventTriggerData* data) { return data->tag != CMDTAG_REFRESH_MATERIALIZED_VIEW; }

// Logging is skipped inside extension scripts (CREATE / ALTER EXTENSION ...
// UPDATE run them; the command itself is logged when it ends), while a
// handler runs, when the log does not exist (the extension is being dropped,
// or an older version is installed), and on a Citus worker in the sessions
// its coordinator opens to propagate a command (logged on the coordinator).
bool logging_applies() {
    return !creating_extension && !in_handler && OidIsValid(ddl_log_relation()) && !citus_internal_session();
}

LogShape log_shape(Oid log) {
    if (get_attnum(log, "reverting") != InvalidAttrNumber) return kAddressReverting;
    if (get_attnum(log, "classid") != InvalidAttrNumber) return kAddress;
    return kNoAddress;
}

void write_log_rows(LogQuery* query, EventTriggerData* data) {
    const LogShape shape = log_shape(ddl_log_relation());
    SPIPlanPtr* plan_slot = &query->plan[shape];
    const char* sql = query->sql[shape];
    const int nargs = shape == kAddressReverting ? 6 : 5;
    const Attribution* attribution = current_attribution();
    const char* text = current_statement_text();
    Oid types[6] = {TEXTOID, INT4OID, TEXTOID, TEXTOID, TEXTOID, BOOLOID};
    Datum values[6];
    char nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
    if (attribution != nullptr) {
        values[0] = CStringGetTextDatum(attribution->version);
        values[1] = Int32GetDatum(attribution->statement);
    } else {
        values[0] = values[1] = Datum(0);
        nulls[0] = nulls[1] = 'n';
    }
    // The role whose rights ran the DDL: read before switching to the owner.
    values[2] = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
    values[3] = text != nullptr ? CStringGetTextDatum(text) : Datum(0);
    nulls[3] = text != nullptr ? ' ' : 'n';
    values[4] = CStringGetTextDatum(GetCommandTagName(data->tag));
    values[5] = BoolGetDatum(attribution != nullptr && attribution->reverting);

    in_handler = true;
    PG_TRY();
    {
        OwnerScope scope;
        enter_owner_scope(&scope);
        SPIPlanPtr plan = kept_plan(plan_slot, sql, nargs, types);
        if (SPI_execute_plan(plan, values, nulls, false, 0) != SPI_OK_INSERT)
            elog(ERROR, "could not write to migrate.ddl_log");
        leave_owner_scope(&scope);
    }
    PG_FINALLY();
    {
        in_handler = false;
    }
    PG_END_TRY();
}

// ------------------------------------------------- commands created or altered

// ddl_command_end fires for nearly every statement of a migration: its rows
// are written without SPI (pg/row_writer.hpp) from the rows of
// pg_event_trigger_ddl_commands(), called directly in materialize mode.  The
// drop and rewrite events are rare and keep their INSERT ... SELECT.

struct DdlCommands {
    ExprContext* econtext;  // owns the result's memory
    ReturnSetInfo rsinfo;
};

void read_ddl_commands(DdlCommands* commands) {
    FmgrInfo flinfo;
    fmgr_info(F_PG_EVENT_TRIGGER_DDL_COMMANDS, &flinfo);
    commands->econtext = CreateStandaloneExprContext();
    ReturnSetInfo* rsinfo = &commands->rsinfo;
    memset(rsinfo, 0, sizeof(*rsinfo));
    rsinfo->type = T_ReturnSetInfo;
    rsinfo->econtext = commands->econtext;
    rsinfo->allowedModes = SFRM_Materialize;
    LOCAL_FCINFO(fcinfo, 0);
    InitFunctionCallInfoData(*fcinfo, &flinfo, 0, InvalidOid, nullptr, reinterpret_cast<Node*>(rsinfo));
    FunctionCallInvoke(fcinfo);
    if (rsinfo->returnMode != SFRM_Materialize || rsinfo->setDesc == nullptr)
        elog(ERROR, "pg_event_trigger_ddl_commands did not return a materialized set");
}

// The attribute number of `name` in the function's result.
int result_column(TupleDesc desc, const char* name) {
    for (int i = 0; i < desc->natts; i++)
        if (strcmp(NameStr(TupleDescAttr(desc, i)->attname), name) == 0) return i + 1;
    elog(ERROR, "pg_event_trigger_ddl_commands() has no column \"%s\"", name);
}

// Who ran the DDL, and from where: the same for every row of one event.
struct SessionColumns {
    Datum role, session_role, application_name, client_addr, backend_pid, xid;
    bool application_name_null, client_addr_null;
};

SessionColumns session_columns() {
    SessionColumns c{};
    // The role whose rights ran the DDL: read before switching to the owner.
    c.role = CStringGetTextDatum(GetUserNameFromId(GetUserId(), false));
    c.session_role = CStringGetTextDatum(GetUserNameFromId(GetSessionUserId(), false));
    const char* app = GetConfigOption("application_name", false, false);
    c.application_name_null = app == nullptr || app[0] == '\0';
    c.application_name = c.application_name_null ? Datum(0) : CStringGetTextDatum(app);
    LOCAL_FCINFO(fcinfo, 0);
    InitFunctionCallInfoData(*fcinfo, nullptr, 0, InvalidOid, nullptr, nullptr);
    c.client_addr = inet_client_addr(fcinfo);
    c.client_addr_null = fcinfo->isnull;
    c.backend_pid = Int32GetDatum(MyProcPid);
    c.xid = FullTransactionIdGetDatum(GetTopFullTransactionId());
    return c;
}

// Whether a command of pg_event_trigger_ddl_commands() is logged: not the
// members of an extension script, not temporary objects, not pg_migrate itself.
bool command_is_logged(TupleTableSlot* row, const int* col) {
    bool isnull;
    if (DatumGetBool(slot_getattr(row, col[kInExtension], &isnull))) return false;
    Datum schema = slot_getattr(row, col[kSchemaName], &isnull);
    if (!isnull && strcmp(TextDatumGetCString(schema), "pg_temp") == 0) return false;
    bool type_null, identity_null;
    Datum type = slot_getattr(row, col[kObjectType], &type_null);
    Datum identity = slot_getattr(row, col[kObjectIdentity], &identity_null);
    return type_null || identity_null || strcmp(TextDatumGetCString(type), "extension") != 0 ||
           strcmp(TextDatumGetCString(identity), "pg_migrate") != 0;
}

void copy_column(RowWriter* writer, const char* column, TupleTableSlot* row, int attnum) {
    bool isnull;
    Datum value = slot_getattr(row, attnum, &isnull);
    set_column(writer, column, value, isnull);
}

void write_command_rows(RowWriter* writer, const DdlCommands& commands, const SessionColumns& session) {
    const Attribution* attribution = current_attribution();
    const char* text = current_statement_text();
    const bool address = has_column(writer, "classid");
    const bool reverting = has_column(writer, "reverting");
    TupleDesc desc = commands.rsinfo.setDesc;
    int col[kCommandColumns];
    for (int i = 0; i < kCommandColumns; i++) col[i] = result_column(desc, kCommandColumnNames[i]);
    TupleTableSlot* row = MakeSingleTupleTableSlot(desc, &TTSOpsMinimalTuple);
    while (tuplestore_gettupleslot(commands.rsinfo.setResult, true, false, row)) {
        if (!command_is_logged(row, col)) continue;
        set_text_column(writer, "event", "ddl_command_end");
        if (attribution != nullptr) {
            set_text_column(writer, "version", attribution->version);
            set_column(writer, "statement", Int32GetDatum(attribution->statement));
        }
        copy_column(writer, "command_tag", row, col[kCommandTag]);
        copy_column(writer, "object_type", row, col[kObjectType]);
        copy_column(writer, "schema_name", row, col[kSchemaName]);
        copy_column(writer, "object_identity", row, col[kObjectIdentity]);
        set_column(writer, "role", session.role);
        set_column(writer, "session_role", session.session_role);
        set_column(writer, "application_name", session.application_name, session.application_name_null);
        set_column(writer, "client_addr", session.client_addr, session.client_addr_null);
        set_column(writer, "backend_pid", session.backend_pid);
        set_column(writer, "xid", session.xid);
        set_text_column(writer, "statement_text", text);
        if (address) {
            copy_column(writer, "classid", row, col[kClassId]);
            copy_column(writer, "objid", row, col[kObjId]);
        }
        if (reverting) set_column(writer, "reverting", BoolGetDatum(attribution != nullptr && attribution->reverting));
        insert_written_row(writer);
    }
    ExecDropSingleTupleTableSlot(row);
}

void log_created_or_altered() {
    const SessionColumns session = session_columns();
    in_handler = true;
    PG_TRY();
    {
        DdlCommands commands;
        read_ddl_commands(&commands);
        RowWriter* writer = open_row_writer(ddl_log_relation());  // as the log's owner
        write_command_rows(writer, commands, session);
        close_row_writer(writer);
        FreeExprContext(commands.econtext, true);
    }
    PG_FINALLY();
    {
        in_handler = false;
    }
    PG_END_TRY();
}

// ---------------------------------------------------------------- the guard

bool names_pg_migrate(const char* name) { return name != nullptr && strcmp(name, "pg_migrate") == 0; }

// CREATE / ALTER / DROP EXTENSION pg_migrate: installing, updating and
// removing the extension itself is never refused (DROP works from any state).
bool is_pg_migrate_command(Node* parsetree) {
    switch (nodeTag(parsetree)) {
        case T_CreateExtensionStmt:
            return names_pg_migrate(castNode(CreateExtensionStmt, parsetree)->extname);
        case T_AlterExtensionStmt:
            return names_pg_migrate(castNode(AlterExtensionStmt, parsetree)->extname);
        case T_DropStmt: {
            DropStmt* drop = castNode(DropStmt, parsetree);
            if (drop->removeType != OBJECT_EXTENSION) return false;
            ListCell* cell;
            foreach (cell, drop->objects) {
                if (!IsA(lfirst(cell), String) || !names_pg_migrate(strVal(lfirst(cell)))) return false;
            }
            return true;
        }
        default:
            return false;
    }
}

// A relation a statement creates: temporary by TEMP or by naming pg_temp.
bool creates_temporary(const RangeVar* rv) {
    return rv != nullptr && (rv->relpersistence == RELPERSISTENCE_TEMP ||
                             (rv->schemaname != nullptr && strcmp(rv->schemaname, "pg_temp") == 0));
}

// An existing relation a statement names, resolved as the statement will.
bool names_temporary(const RangeVar* rv) {
    if (rv == nullptr) return false;
    if (creates_temporary(rv)) return true;
    Oid relid = RangeVarGetRelid(rv, NoLock, true);
    return OidIsValid(relid) && get_rel_persistence(relid) == RELPERSISTENCE_TEMP;
}

bool drops_only_temporary(DropStmt* drop) {
    switch (drop->removeType) {
        case OBJECT_TABLE:
        case OBJECT_INDEX:
        case OBJECT_VIEW:
        case OBJECT_SEQUENCE:
        case OBJECT_MATVIEW:
            break;
        default:
            return false;
    }
    ListCell* cell;
    foreach (cell, drop->objects) {
        if (!names_temporary(makeRangeVarFromNameList(castNode(List, lfirst(cell))))) return false;
    }
    return drop->objects != NIL;
}

// Temporary objects are session scratch space, not schema: the guard lets
// their DDL through (and the log leaves it out).
bool touches_only_temporary(Node* parsetree) {
    switch (nodeTag(parsetree)) {
        case T_CreateStmt:
            return creates_temporary(castNode(CreateStmt, parsetree)->relation);
        case T_CreateTableAsStmt:
            return creates_temporary(castNode(CreateTableAsStmt, parsetree)->into->rel);
        case T_ViewStmt:
            return creates_temporary(castNode(ViewStmt, parsetree)->view);
        case T_CreateSeqStmt:
            return creates_temporary(castNode(CreateSeqStmt, parsetree)->sequence);
        case T_IndexStmt:
            return names_temporary(castNode(IndexStmt, parsetree)->relation);
        case T_AlterTableStmt:
            return names_temporary(castNode(AlterTableStmt, parsetree)->relation);
        case T_RenameStmt:
            return names_temporary(castNode(RenameStmt, parsetree)->relation);
        case T_DropStmt:
            return drops_only_temporary(castNode(DropStmt, parsetree));
        default:
            return false;
    }
}

char* statement_excerpt(const char* text) {
    if (text == nullptr) return pstrdup("(unknown)");
    int len = static_cast<int>(strlen(text));
    if (len <= kStatementExcerpt) return pstrdup(text);
    int cut = pg_mbcliplen(text, len, kStatementExcerpt);
    return psprintf("%.*s...", cut, text);
}

void report_ddl_outside_migration(const char* tag, const char* statement) {
    char* excerpt = statement_excerpt(statement);
    const char* hint =
        "Put the statement in a migration file and run \"pg_migrate up\", or apply it with "
        "SELECT migrate_apply(version, script).";
    if (guard_setting == kGuardBlock)
        ereport(ERROR, (errcode(kDdlOutsideMigration),
                        errmsg("%s is not allowed outside a migration", tag),
                        errdetail("migrate.guard is \"block\": schema changes are made only by "
                                  "migrations. The statement was: %s",
                                  excerpt),
                        errhint("%s A superuser may SET migrate.guard = off for one session to "
                                "make an emergency change, which is still logged.",
                                hint)));
    ereport(WARNING, (errcode(kDdlOutsideMigration), errmsg("%s outside a migration", tag),
                      errdetail("It is logged in migrate.ddl_log and reported as drift by "
                                "migrate_status(). The statement was: %s",
                                excerpt),
                      errhint("%s", hint)));
}

}  // namespace

bool ddl_log_installed() { return OidIsValid(ddl_log_relation()); }

void guard_ddl_command_start(FunctionCallInfo fcinfo) {
    EventTriggerData* data = event_data(fcinfo);
    if (guard_setting == kGuardOff || creating_extension || in_handler || !changes_schema(data)) return;
    if (current_attribution() != nullptr || citus_internal_session()) return;
    if (is_pg_migrate_command(data->parsetree) || touches_only_temporary(data->parsetree)) return;
    report_ddl_outside_migration(GetCommandTagName(data->tag), current_statement_text());
}

void log_ddl_command_end(FunctionCallInfo fcinfo) {
    EventTriggerData* data = event_data(fcinfo);
    if (logging_applies() && changes_schema(data))
        log_created_or_altered();
}

void log_sql_drop(FunctionCallInfo fcinfo) {
    EventTriggerData* data = event_data(fcinfo);
    if (!logging_applies()) return;
    write_log_rows(&dropped, data);
    // What a migration drops leaves the schema snapshot with it (what is
    // dropped outside migrations stays there: schema_drift reports it).
    if (current_attribution() != nullptr) {
        in_handler = true;
        PG_TRY();
        {
            forget_dropped_objects();
        }
        PG_FINALLY();
        {
            in_handler = false;
        }
        PG_END_TRY();
    }
}

void log_table_rewrite(FunctionCallInfo fcinfo) {
    EventTriggerData* data = event_data(fcinfo);
    evidence_note_rewrite();
    if (logging_applies()) write_log_rows(&rewritten, data);
}


}  // namespace pgm::pg
