// PG zone: see settings.hpp.
// Pure C++ headers before PostgreSQL's (see bridge/pg_headers.hpp).
#include "../core/risk_policy.hpp"
// PostgreSQL's headers after.
#include "settings.hpp"

extern "C" {
#include "utils/guc.h"
}

namespace pgm::pg {
namespace {

const struct config_enum_entry kGuardOptions[] = {
    {"off", kGuardOff, false},
    {"warn", kGuardWarn, false},
    {"block", kGuardBlock, false},
    {nullptr, 0, false},
};

}  // namespace

int guard_setting = kGuardOff;
char* schemas_setting = nullptr;
bool defer_schema_snapshot_setting = false;
char* refuse_setting = nullptr;
int lock_timeout_setting = 5000;
int lock_retries_setting = 3;
bool report_setting = false;

namespace {

// The check runs C++ that throws: nothing PostgreSQL may longjmp through
// happens inside the try block, and the detail is reported after it.
bool check_refuse(char** newval, void** extra, GucSource source) {
    char problem[256] = "";
    try {
        core::parse_risk_list(*newval != nullptr ? *newval : "");
    } catch (const std::exception& e) {
        strlcpy(problem, e.what(), sizeof(problem));
    }
    if (problem[0] == '\0') return true;
    GUC_check_errdetail("%s", problem);
    return false;
}

}  // namespace

void define_settings() {
    DefineCustomEnumVariable(
        "migrate.guard", "Whether schema changes outside a migration are allowed.",
        "off: allowed (and logged in migrate.ddl_log); warn: allowed with a WARNING; "
        "block: refused. Only superusers can change it.",
        &guard_setting, kGuardOff, kGuardOptions, PGC_SUSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "migrate.schemas", "Schemas that migrate_verify() covers (comma-separated).",
        "Empty: every schema except pg_catalog, information_schema, pg_toast, temporary "
        "schemas and migrate.",
        &schemas_setting, "", PGC_USERSET, GUC_LIST_INPUT, nullptr, nullptr, nullptr);
    DefineCustomBoolVariable(
        "migrate.defer_schema_snapshot",
        "Postpones recording what each migration changed in the schema snapshot.",
        "On: the objects migrations changed are described once, by migrate_record_schema(), "
        "the next migration applied with it off, or migrate_verify().",
        &defer_schema_snapshot_setting, false, PGC_USERSET, 0, nullptr, nullptr, nullptr);
    DefineCustomStringVariable(
        "migrate.refuse", "Risks a migration is refused for unless allowed (comma-separated).",
        "Any of locking, breaking, data_loss; empty refuses nothing. A migration is allowed a risk with "
        "allow => '{data_loss}', a \"-- migrate:allow data_loss\" line, or the client's --allow.",
        &refuse_setting, "data_loss", PGC_USERSET, GUC_LIST_INPUT, check_refuse, nullptr, nullptr);
    DefineCustomIntVariable(
        "migrate.lock_timeout", "How long each statement of a migration waits for a lock.",
        "A statement that cannot get its locks in time is tried again (migrate.lock_retries) without "
        "undoing the statements before it. 0 waits forever.",
        &lock_timeout_setting, 5000, 0, PG_INT32_MAX, PGC_USERSET, GUC_UNIT_MS, nullptr, nullptr, nullptr);
    DefineCustomIntVariable(
        "migrate.lock_retries", "How many times a statement that timed out waiting for a lock is tried again.",
        "With exponential backoff and jitter between tries.", &lock_retries_setting, 3, 0, 100, PGC_USERSET, 0,
        nullptr, nullptr, nullptr);
    DefineCustomBoolVariable(
        "migrate.report", "Returns what each migration did as migrate_apply's report, not only in dry runs.",
        "Rows processed, locks taken and tables rewritten, per statement.", &report_setting, false, PGC_USERSET, 0,
        nullptr, nullptr, nullptr);
    // Any other "migrate.*" name is refused: no look-alike setting can exist.
    MarkGUCPrefixReserved("migrate");
}

}  // namespace pgm::pg
