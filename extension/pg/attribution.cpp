// PG zone: see attribution.hpp.
#include "attribution.hpp"

extern "C" {
#include "nodes/plannodes.h"
#include "tcop/pquery.h"
#include "tcop/tcopprot.h"
#include "utils/portal.h"
}

namespace pgm::pg {
namespace {

// migrate_apply's statement; version NULL outside migrate_apply.
Attribution running = {nullptr, 0, nullptr, false};

// The statements a client runs at top level for a non-transactional migration.
// Lives in its own context under TopMemoryContext until forget_steps (the
// client's session may run many transactions between two steps).
struct ExpectedSteps {
    MemoryContext context;
    Attribution next;  // version NULL when no steps are expected
    int count;
    char** texts;
};
ExpectedSteps steps = {nullptr, {nullptr, 0, nullptr, false}, 0, nullptr};

// The statement of the query string that the top-level portal is executing:
// the one statement, located as PostgreSQL's parser located it.  NULL when no
// portal is active (background processes).
char* top_level_statement() {
    if (ActivePortal == nullptr || ActivePortal->sourceText == nullptr) return nullptr;
    const char* source = ActivePortal->sourceText;
    if (ActivePortal->stmts == NIL) return pstrdup(source);
    const PlannedStmt* planned = static_cast<const PlannedStmt*>(linitial(ActivePortal->stmts));
    int length = static_cast<int>(strlen(source));
    int start = planned->stmt_location;
    if (start < 0 || start > length) return pstrdup(source);
    int len = planned->stmt_len > 0 ? Min(planned->stmt_len, length - start) : length - start;
    // The parser's location includes the whitespace after the previous ';'.
    while (len > 0 && isspace(static_cast<unsigned char>(source[start]))) {
        start++;
        len--;
    }
    return pnstrdup(source + start, len);
}

}  // namespace

void begin_migration_attribution(const char* version, bool reverting, Attribution* saved) {
    *saved = running;
    running = Attribution{version, 0, nullptr, reverting};
}

void attribute_statement(int statement, const char* text) {
    running.statement = statement;
    running.text = text;
}

void end_migration_attribution(const Attribution* saved) { running = *saved; }

void forget_steps() {
    if (steps.context != nullptr) MemoryContextDelete(steps.context);
    steps = ExpectedSteps{nullptr, {nullptr, 0, nullptr}, 0, nullptr};
}

void expect_steps(const char* version, const ParsedScript* script, int next) {
    forget_steps();
    MemoryContext context =
        AllocSetContextCreate(TopMemoryContext, "pg_migrate expected steps", ALLOCSET_SMALL_SIZES);
    MemoryContext caller = MemoryContextSwitchTo(context);
    steps.context = context;
    steps.count = script->count;
    steps.texts = static_cast<char**>(palloc(sizeof(char*) * Max(script->count, 1)));
    for (int i = 0; i < script->count; i++) steps.texts[i] = pstrdup(script->statements[i].text);
    steps.next.version = pstrdup(version);
    MemoryContextSwitchTo(caller);
    step_completed(version, next - 1);
}

void step_completed(const char* version, int statement) {
    if (steps.next.version == nullptr || strcmp(steps.next.version, version) != 0) return;
    if (statement >= steps.count) {
        forget_steps();
        return;
    }
    steps.next.statement = statement + 1;
    steps.next.text = steps.texts[statement];
}

const Attribution* current_attribution() {
    if (running.version != nullptr) return &running;
    if (steps.next.version == nullptr) return nullptr;
    char* statement = top_level_statement();
    bool expected = statement != nullptr && strcmp(statement, steps.next.text) == 0;
    if (statement != nullptr) pfree(statement);
    return expected ? &steps.next : nullptr;
}

const char* current_statement_text() {
    const Attribution* attribution = current_attribution();
    if (attribution != nullptr) return attribution->text;
    char* statement = top_level_statement();
    if (statement != nullptr) return statement;
    return debug_query_string;
}

}  // namespace pgm::pg
