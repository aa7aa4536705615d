#include "schema_source.hpp"

#include "ledger_view.hpp"
#include "../extension/core/schema_description.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

constexpr const char* kByExtension =
    "SELECT object_type, identity, schema_name, parent, definition FROM pg_catalog.migrate_describe()";
// Without the extension: every schema but the system ones and pg_migrate's
// (migrate.schemas is the extension's setting).
constexpr const char* kByClient = PGM_DESCRIBE_LISTING("true");

std::vector<DescribedObject> objects_of(const Result& r) {
    std::vector<DescribedObject> objects;
    objects.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
        objects.push_back({r.get(i, 0), r.get(i, 1), r.get_optional(i, 2).value_or(""),
                           r.get_optional(i, 3).value_or(""), r.get_optional(i, 4).value_or("")});
    return objects;
}

}  // namespace

SchemaSource read_schema(Connection& db) {
    SchemaSource source;
    source.server_version = db.exec("SELECT pg_catalog.current_setting('server_version')").get(0, 0);
    // The extension describes only when it is this client's own version: an
    // older or newer description would differ from the other side's for no
    // reason in the schemas.
    const ExtensionState extension = extension_state(db);
    const bool by_extension = extension.installed && extension.installed_version == PGM_EXTENSION_VERSION;
    db.run("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    try {
        // Both sides cover every schema (not one database's migrate.schemas);
        // no JIT for a query this long that runs once.
        db.run("SET LOCAL jit = off");
        if (by_extension) {
            db.run("SET LOCAL migrate.schemas = ''");
            source.objects = objects_of(db.exec(kByExtension));
        } else {
            db.run("SET LOCAL search_path = pg_catalog, pg_temp");
            source.objects = objects_of(db.exec(kByClient));
        }
    } catch (...) {
        db.run("ROLLBACK");
        throw;
    }
    db.run("COMMIT");
    source.described_by = by_extension ? "migrate_describe()"
                                       : "described by the client: pg_migrate " PGM_EXTENSION_VERSION
                                         " is not installed";
    return source;
}

}  // namespace pgm::client
