// PG zone: see settings.hpp.
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
    // Any other "migrate.*" name is refused: no look-alike setting can exist.
    MarkGUCPrefixReserved("migrate");
}

}  // namespace pgm::pg
