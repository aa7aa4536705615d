// PG zone: see evidence.hpp.
#include "evidence.hpp"

#include "safety/classifier.hpp"

extern "C" {
#include "catalog/catalog.h"
#include "catalog/namespace.h"
#include "catalog/pg_namespace.h"
#include "commands/event_trigger.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lock.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/json.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/relcache.h"
#include "utils/timestamp.h"
}

namespace pgm::pg {

namespace {

struct LockEvidence {
    const char* relation;
    LOCKMODE mode;
    int statement;  // number of the statement that took it
};

struct RewriteEvidence {
    const char* relation;
    const char* reason;
};

struct StatementEvidence {
    const ScriptStatement* statement;
    uint64 rows;
    double duration_ms;
    List* locks;     // of LockEvidence*
    List* rewrites;  // of RewriteEvidence*
};

// A relation lock this backend holds: the modes as a bit mask.
struct HeldLock {
    Oid relid;
    LOCKMASK mask;
};

// A lock the classifier predicted for the statement and lock_wait.hpp took
// before it ran (perhaps already held: the statement needs it all the same),
// with the relation's name as it was then: one the statement drops has no
// name afterwards.
struct PredictedLock {
    Oid relid;  // InvalidOid: nothing was locked for this prediction
    LOCKMODE mode;
    const char* name;  // NULL: created in this transaction, an index, the catalogs
};

}  // namespace

// Statements listed one by one in a report; the totals (locks, rewrites,
// rows) cover every statement.  A data migration of millions of statements
// would otherwise make a report of gigabytes.
constexpr int kListedStatements = 1000;

struct MigrationEvidence {
    MemoryContext context;
    MemoryContext unlisted;  // per-statement evidence past the listed ones, reset after each
    const ScriptStatement* first;
    int count;
    int listed;                     // Min(count, kListedStatements)
    StatementEvidence* statements;  // the listed ones
    StatementEvidence working;      // the statement running, when not listed
    List* strongest;                // of LockEvidence*: per relation, the strongest lock and who took it
    List* rewritten;                // of char*: tables rewritten, once each
    uint64 rows_total;
    int current;  // index of the statement running, else -1
    HeldLock* held;
    int held_count;
    Oid* locked;  // the relations take_statement_locks locked, one per prediction
    PredictedLock* predicted;
    int predicted_count;
    TimestampTz started;
    MigrationEvidence* outer;  // the evidence collected when this run began
};

namespace {

// The evidence of the migration being run now (table_rewrite reports to it).
MigrationEvidence* active_evidence = nullptr;

StatementEvidence* running_statement(MigrationEvidence* evidence) {
    return evidence->current < evidence->listed ? &evidence->statements[evidence->current] : &evidence->working;
}

// Where the running statement's evidence lives.
MemoryContext statement_context(const MigrationEvidence* evidence) {
    return evidence->current < evidence->listed ? evidence->context : evidence->unlisted;
}

LOCKMODE strongest_mode(LOCKMASK mask) {
    for (LOCKMODE mode = MaxLockMode; mode > NoLock; mode--)
        if (mask & LOCKBIT_ON(mode)) return mode;
    return NoLock;
}

// Relation locks this backend holds now, one entry per relation.  Scans the
// lock manager like pg_locks does: only ever called when evidence is asked for.
HeldLock* held_relation_locks(MemoryContext into, int* count) {
    MemoryContext scratch = AllocSetContextCreate(CurrentMemoryContext, "pg_migrate lock scan", ALLOCSET_SMALL_SIZES);
    MemoryContext caller = MemoryContextSwitchTo(scratch);
    LockData* data = GetLockStatusData();
    HeldLock* found = static_cast<HeldLock*>(palloc(sizeof(HeldLock) * Max(data->nelements, 1)));
    int n = 0;
    for (int i = 0; i < data->nelements; i++) {
        const LockInstanceData* lock = &data->locks[i];
        if (lock->pid != MyProcPid || lock->holdMask == 0) continue;
        if (lock->locktag.locktag_type != LOCKTAG_RELATION || lock->locktag.locktag_field1 != MyDatabaseId) continue;
        const Oid relid = lock->locktag.locktag_field2;
        int j = 0;
        while (j < n && found[j].relid != relid) j++;  // fast-path and shared entries of one relation merge
        if (j == n) found[n++] = HeldLock{relid, 0};
        found[j].mask |= lock->holdMask;
    }
    // Only this backend's locks are kept (the scan saw the whole server's).
    HeldLock* held = static_cast<HeldLock*>(MemoryContextAlloc(into, sizeof(HeldLock) * Max(n, 1)));
    memcpy(held, found, sizeof(HeldLock) * n);
    MemoryContextSwitchTo(caller);
    MemoryContextDelete(scratch);
    *count = n;
    return held;
}

LOCKMASK mask_held_before(const MigrationEvidence* evidence, Oid relid) {
    for (int i = 0; i < evidence->held_count; i++)
        if (evidence->held[i].relid == relid) return evidence->held[i].mask;
    return 0;
}

// Schemas whose relations are not the migration's business: the catalogs
// (every statement reads them), TOAST, information_schema and the ledger.
bool bookkeeping_namespace(Oid nsp) {
    if (nsp == PG_CATALOG_NAMESPACE || IsToastNamespace(nsp) || isAnyTempNamespace(nsp)) return true;
    const char* name = get_namespace_name(nsp);
    return name == nullptr || strcmp(name, "information_schema") == 0 || strcmp(name, "migrate") == 0;
}

// "schema.table" of a relation another session can see, or NULL for one
// created in this transaction, an index (its table is reported), or the
// catalogs.  *gone is set when the relation no longer exists.
const char* visible_relation_name(Oid relid, bool* gone) {
    *gone = false;
    Relation rel = RelationIdGetRelation(relid);
    if (rel == nullptr) {
        *gone = true;
        return nullptr;
    }
    const char* name = nullptr;
    const char kind = rel->rd_rel->relkind;
    const bool index = kind == RELKIND_INDEX || kind == RELKIND_PARTITIONED_INDEX;
    if (rel->rd_createSubid == InvalidSubTransactionId && !index && !bookkeeping_namespace(RelationGetNamespace(rel)))
        name = quote_qualified_identifier(get_namespace_name(RelationGetNamespace(rel)), RelationGetRelationName(rel));
    RelationClose(rel);
    return name;
}

// Names the relations take_statement_locks locked for the statement.
void name_predicted_locks(MigrationEvidence* evidence, const StatementAnalysis* analysis) {
    evidence->predicted_count = 0;
    if (analysis == nullptr || analysis->lock_count == 0) return;
    evidence->predicted = static_cast<PredictedLock*>(palloc(sizeof(PredictedLock) * analysis->lock_count));
    for (int i = 0; i < analysis->lock_count; i++) {
        const Oid relid = evidence->locked[i];
        if (!OidIsValid(relid)) continue;
        bool gone;
        evidence->predicted[evidence->predicted_count++] =
            PredictedLock{relid, analysis->locks[i].mode, visible_relation_name(relid, &gone)};
    }
}

const PredictedLock* predicted_lock(const MigrationEvidence* evidence, Oid relid) {
    const PredictedLock* strongest = nullptr;
    for (int i = 0; i < evidence->predicted_count; i++)
        if (evidence->predicted[i].relid == relid && (strongest == nullptr || evidence->predicted[i].mode > strongest->mode))
            strongest = &evidence->predicted[i];
    return strongest;
}

// The locks the statement took: per relation, the strongest of the modes it
// newly acquired and the one it was predicted to need (taken beforehand,
// perhaps held already: a statement needs that lock even when an earlier one
// of the same transaction took it, and would take it anew in a run of its own).
void record_statement_locks(MigrationEvidence* evidence, StatementEvidence* st) {
    int count;
    HeldLock* now = held_relation_locks(evidence->context, &count);
    MemoryContext caller = MemoryContextSwitchTo(statement_context(evidence));
    for (int i = 0; i < count; i++) {
        const PredictedLock* predicted = predicted_lock(evidence, now[i].relid);
        LOCKMODE mode = strongest_mode(now[i].mask & ~mask_held_before(evidence, now[i].relid));
        if (predicted != nullptr && predicted->mode > mode) mode = predicted->mode;
        if (mode == NoLock) continue;
        bool gone;
        const char* name = visible_relation_name(now[i].relid, &gone);
        // A relation gone by now is reported when the statement named it (a
        // DROP); the transient heaps of a rewrite and what CASCADE took with
        // it are not (ddl_log lists the latter).
        if (gone && predicted != nullptr) name = predicted->name;
        if (name == nullptr) continue;
        LockEvidence* lock = static_cast<LockEvidence*>(palloc(sizeof(LockEvidence)));
        *lock = LockEvidence{name, mode, st->statement->number};
        st->locks = lappend(st->locks, lock);
    }
    MemoryContextSwitchTo(caller);
    pfree(evidence->held);
    evidence->held = now;
    evidence->held_count = count;
}

// Adds a statement's locks and rewrites to the migration's totals (copied:
// the statement's own evidence may go).
void add_to_totals(MigrationEvidence* evidence, const StatementEvidence* st) {
    MemoryContext caller = MemoryContextSwitchTo(evidence->context);
    evidence->rows_total += st->rows;
    ListCell* cell;
    foreach (cell, st->locks) {
        const LockEvidence* lock = static_cast<const LockEvidence*>(lfirst(cell));
        LockEvidence* kept = nullptr;
        ListCell* seen;
        foreach (seen, evidence->strongest) {
            LockEvidence* candidate = static_cast<LockEvidence*>(lfirst(seen));
            if (strcmp(candidate->relation, lock->relation) == 0) kept = candidate;
        }
        if (kept == nullptr) {
            kept = static_cast<LockEvidence*>(palloc(sizeof(LockEvidence)));
            *kept = LockEvidence{pstrdup(lock->relation), NoLock, 0};
            evidence->strongest = lappend(evidence->strongest, kept);
        }
        if (lock->mode > kept->mode) {
            kept->mode = lock->mode;
            kept->statement = lock->statement;
        }
    }
    foreach (cell, st->rewrites) {
        const char* name = static_cast<const RewriteEvidence*>(lfirst(cell))->relation;
        bool found = false;
        ListCell* seen;
        foreach (seen, evidence->rewritten) found = found || strcmp(static_cast<const char*>(lfirst(seen)), name) == 0;
        if (!found) evidence->rewritten = lappend(evidence->rewritten, pstrdup(name));
    }
    MemoryContextSwitchTo(caller);
}

const char* rewrite_reason(int reason) {
    StringInfoData buf;
    initStringInfo(&buf);
    const struct {
        int bit;
        const char* text;
    } reasons[] = {{AT_REWRITE_ALTER_PERSISTENCE, "persistence changed"},
                   {AT_REWRITE_DEFAULT_VAL, "column added with a volatile default"},
                   {AT_REWRITE_COLUMN_REWRITE, "column type changed"},
                   {AT_REWRITE_ACCESS_METHOD, "access method changed"}};
    for (const auto& r : reasons)
        if (reason & r.bit) appendStringInfo(&buf, "%s%s", buf.len > 0 ? ", " : "", r.text);
    return buf.len > 0 ? buf.data : "table rewritten";
}

}  // namespace

MigrationEvidence* new_migration_evidence(const ParsedScript* script, int first, int last) {
    MigrationEvidence* evidence = static_cast<MigrationEvidence*>(palloc0(sizeof(MigrationEvidence)));
    evidence->context = CurrentMemoryContext;
    evidence->unlisted = AllocSetContextCreate(CurrentMemoryContext, "pg_migrate evidence", ALLOCSET_SMALL_SIZES);
    evidence->first = &script->statements[first];
    evidence->count = last - first + 1;
    evidence->listed = Min(evidence->count, kListedStatements);
    evidence->statements = static_cast<StatementEvidence*>(palloc0(sizeof(StatementEvidence) * Max(evidence->listed, 1)));
    for (int i = 0; i < evidence->listed; i++) evidence->statements[i].statement = &evidence->first[i];
    evidence->current = -1;
    return evidence;
}

void evidence_begin(MigrationEvidence* evidence) {
    evidence->held = held_relation_locks(evidence->context, &evidence->held_count);
    evidence->outer = active_evidence;
    active_evidence = evidence;
}

Oid* evidence_statement_start(MigrationEvidence* evidence, int index) {
    evidence->current = index;
    evidence->started = GetCurrentTimestamp();
    if (index >= evidence->listed) evidence->working = StatementEvidence{&evidence->first[index], 0, 0, NIL, NIL};
    const StatementAnalysis* analysis = evidence->first[index].analysis;
    const int predictions = analysis != nullptr ? analysis->lock_count : 0;
    evidence->locked = static_cast<Oid*>(MemoryContextAllocZero(evidence->context, sizeof(Oid) * Max(predictions, 1)));
    return evidence->locked;
}

void evidence_statement_locked(MigrationEvidence* evidence) {
    MemoryContext caller = MemoryContextSwitchTo(statement_context(evidence));
    name_predicted_locks(evidence, evidence->first[evidence->current].analysis);
    MemoryContextSwitchTo(caller);
}

void evidence_after_statement(MigrationEvidence* evidence, uint64 rows) {
    StatementEvidence* st = running_statement(evidence);
    st->duration_ms = static_cast<double>(GetCurrentTimestamp() - evidence->started) / 1000.0;
    st->rows = rows;
    record_statement_locks(evidence, st);
    add_to_totals(evidence, st);
    pfree(evidence->locked);
    evidence->locked = nullptr;
    evidence->predicted_count = 0;
    if (evidence->current >= evidence->listed) MemoryContextReset(evidence->unlisted);
    evidence->current = -1;
}

void evidence_end(MigrationEvidence* evidence) {
    evidence->current = -1;
    active_evidence = evidence->outer;
}

void evidence_note_rewrite() {
    MigrationEvidence* evidence = active_evidence;
    if (evidence == nullptr || evidence->current < 0) return;
    const Oid relid = DatumGetObjectId(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_OID));
    const int reason = DatumGetInt32(OidFunctionCall0(F_PG_EVENT_TRIGGER_TABLE_REWRITE_REASON));
    bool gone;
    MemoryContext caller = MemoryContextSwitchTo(statement_context(evidence));
    const char* name = visible_relation_name(relid, &gone);
    if (name != nullptr) {
        StatementEvidence* st = running_statement(evidence);
        RewriteEvidence* rewrite = static_cast<RewriteEvidence*>(palloc(sizeof(RewriteEvidence)));
        *rewrite = RewriteEvidence{name, rewrite_reason(reason)};
        st->rewrites = lappend(st->rewrites, rewrite);
    }
    MemoryContextSwitchTo(caller);
}

// ---- the report -------------------------------------------------------------

namespace {

// "key":"value" (null for NULL), after a comma unless it opens its object.
void json_text_field(StringInfo buf, const char* key, const char* value, bool first = false) {
    if (!first) appendStringInfoChar(buf, ',');
    escape_json(buf, key);
    appendStringInfoChar(buf, ':');
    if (value == nullptr) appendStringInfoString(buf, "null");
    else escape_json(buf, value);
}

void json_lock(StringInfo buf, const LockEvidence* lock, bool with_statement) {
    appendStringInfoChar(buf, '{');
    json_text_field(buf, "relation", lock->relation, true);
    json_text_field(buf, "mode", GetLockmodeName(DEFAULT_LOCKMETHOD, lock->mode));
    if (with_statement) appendStringInfo(buf, ",\"statement\":%d", lock->statement);
    appendStringInfoChar(buf, '}');
}

void json_findings(StringInfo buf, const StatementAnalysis* analysis) {
    appendStringInfoChar(buf, '[');
    for (int f = 0; analysis != nullptr && f < analysis->finding_count; f++) {
        const Finding* finding = &analysis->findings[f];
        appendStringInfoString(buf, f > 0 ? ",{" : "{");
        json_text_field(buf, "risk", risk_name(finding->risk), true);
        json_text_field(buf, "rule", finding->rule);
        json_text_field(buf, "object", finding->object);
        json_text_field(buf, "message", finding->message);
        json_text_field(buf, "hint", finding->hint);
        appendStringInfoChar(buf, '}');
    }
    appendStringInfoChar(buf, ']');
}

void json_statement(StringInfo buf, const StatementEvidence* st) {
    const ScriptStatement* s = st->statement;
    appendStringInfo(buf, "{\"statement\":%d,\"line\":%d,\"command\":", s->number, s->line);
    escape_json(buf, s->command);
    appendStringInfo(buf, ",\"rows\":" UINT64_FORMAT ",\"duration_ms\":%.3f,\"locks\":[", st->rows, st->duration_ms);
    ListCell* cell;
    foreach (cell, st->locks) {
        if (cell != list_head(st->locks)) appendStringInfoChar(buf, ',');
        json_lock(buf, static_cast<const LockEvidence*>(lfirst(cell)), false);
    }
    appendStringInfoString(buf, "],\"rewrites\":[");
    foreach (cell, st->rewrites) {
        const RewriteEvidence* rewrite = static_cast<const RewriteEvidence*>(lfirst(cell));
        appendStringInfoString(buf, cell != list_head(st->rewrites) ? ",{" : "{");
        json_text_field(buf, "relation", rewrite->relation, true);
        json_text_field(buf, "reason", rewrite->reason);
        appendStringInfoChar(buf, '}');
    }
    appendStringInfoString(buf, "],\"findings\":");
    json_findings(buf, s->analysis);
    appendStringInfoChar(buf, '}');
}

}  // namespace

const char* evidence_report_json(const MigrationEvidence* evidence, bool rolled_back) {
    StringInfoData buf;
    initStringInfo(&buf);
    appendStringInfo(&buf,
                     "{\"rolled_back\":%s,\"statements_total\":%d,\"statements_listed\":%d,"
                     "\"rows_total\":" UINT64_FORMAT ",\"statements\":[",
                     rolled_back ? "true" : "false", evidence->count, evidence->listed, evidence->rows_total);
    for (int i = 0; i < evidence->listed; i++) {
        if (i > 0) appendStringInfoChar(&buf, ',');
        json_statement(&buf, &evidence->statements[i]);
    }
    appendStringInfoString(&buf, "],\"tables_rewritten\":[");
    ListCell* cell;
    foreach (cell, evidence->rewritten) {
        if (cell != list_head(evidence->rewritten)) appendStringInfoChar(&buf, ',');
        escape_json(&buf, static_cast<const char*>(lfirst(cell)));
    }
    appendStringInfoString(&buf, "],\"locks\":[");
    foreach (cell, evidence->strongest) {
        if (cell != list_head(evidence->strongest)) appendStringInfoChar(&buf, ',');
        json_lock(&buf, static_cast<const LockEvidence*>(lfirst(cell)), true);
    }
    appendStringInfoString(&buf, "]}");
    return buf.data;
}

}  // namespace pgm::pg
