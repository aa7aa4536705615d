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

// What diff --sql needs beside the description (migration_plan.hpp's
// SchemaLayout): kind, identity (spelled as in the description), value.
constexpr const char* kLayout =
    "WITH nsp AS (SELECT oid, nspname FROM pg_namespace"
    "              WHERE nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')"
    "                AND nspname !~ '^pg_(toast_)?temp_')"
    " SELECT CASE WHEN a.attislocal THEN 'column' ELSE 'inherited column' END,"
    "        format('%I.%I', n.nspname, c.relname) || '.' || quote_ident(a.attname), a.attnum::text"
    "   FROM pg_attribute AS a JOIN pg_class AS c ON c.oid = a.attrelid JOIN nsp AS n ON n.oid = c.relnamespace"
    "  WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'f', 'c')"
    " UNION ALL"
    " SELECT 'composite type', format('%I.%I', n.nspname, c.relname), NULL"
    "   FROM pg_class AS c JOIN nsp AS n ON n.oid = c.relnamespace WHERE c.relkind = 'c'"
    " UNION ALL"
    " SELECT CASE d.deptype WHEN 'i' THEN 'identity sequence' ELSE 'owned sequence' END,"
    "        format('%I.%I', sn.nspname, s.relname),"
    "        format('%I.%I', tn.nspname, t.relname) || '.' || quote_ident(a.attname)"
    "   FROM pg_depend AS d JOIN pg_class AS s ON s.oid = d.objid AND s.relkind = 'S'"
    "   JOIN nsp AS sn ON sn.oid = s.relnamespace"
    "   JOIN pg_class AS t ON t.oid = d.refobjid JOIN nsp AS tn ON tn.oid = t.relnamespace"
    "   JOIN pg_attribute AS a ON a.attrelid = t.oid AND a.attnum = d.refobjsubid"
    "  WHERE d.classid = 'pg_class'::regclass AND d.refclassid = 'pg_class'::regclass"
    "    AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0"
    " UNION ALL"
    " SELECT 'constraint', format('%I on %I.%I', co.conname, n.nspname, c.relname), NULL"
    "   FROM pg_constraint AS co JOIN pg_class AS c ON c.oid = co.conrelid JOIN nsp AS n ON n.oid = c.relnamespace"
    "  WHERE NOT co.conislocal OR co.conparentid <> 0"
    " UNION ALL"
    " SELECT 'index', format('%I.%I', n.nspname, c.relname), NULL"
    "   FROM pg_inherits AS i JOIN pg_class AS c ON c.oid = i.inhrelid AND c.relkind IN ('i', 'I')"
    "   JOIN nsp AS n ON n.oid = c.relnamespace"
    " UNION ALL"  /* a range type's constructors, made with it */
    " SELECT 'function', p.oid::regprocedure::text, NULL"
    "   FROM pg_proc AS p JOIN nsp AS n ON n.oid = p.pronamespace"
    "  WHERE EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid"
    "                   AND d.refclassid = 'pg_type'::regclass AND d.deptype = 'i')"
    " UNION ALL"
    " SELECT 'trigger', format('%I on %I.%I', tg.tgname, n.nspname, c.relname), NULL"
    "   FROM pg_trigger AS tg JOIN pg_class AS c ON c.oid = tg.tgrelid JOIN nsp AS n ON n.oid = c.relnamespace"
    "  WHERE tg.tgparentid <> 0";

SchemaLayout layout_of(const Result& r) {
    SchemaLayout layout;
    for (int i = 0; i < r.rows(); ++i) {
        const std::string kind = r.get(i, 0), identity = r.get(i, 1);
        const std::string value = r.get_optional(i, 2).value_or("");
        if (kind == "column" || kind == "inherited column") {
            layout.column_position[identity] = std::stoi(value);
            if (kind == "inherited column") layout.inherited_columns.insert(identity);
        } else if (kind == "composite type") {
            layout.composite_types.insert(identity);
        } else if (kind == "identity sequence" || kind == "owned sequence") {
            layout.sequence_owner[identity] = value;
            if (kind == "identity sequence") layout.identity_sequences.insert(identity);
        } else {
            layout.inherited_parts.insert({kind, identity});
        }
    }
    return layout;
}

std::vector<DescribedObject> objects_of(const Result& r) {
    std::vector<DescribedObject> objects;
    objects.reserve(static_cast<std::size_t>(r.rows()));
    for (int i = 0; i < r.rows(); ++i)
        objects.push_back({r.get(i, 0), r.get(i, 1), r.get_optional(i, 2).value_or(""),
                           r.get_optional(i, 3).value_or(""), r.get_optional(i, 4).value_or("")});
    return objects;
}

}  // namespace

SchemaSource read_schema(Connection& db, bool with_layout) {
    SchemaSource source;
    source.server_version = db.exec("SELECT pg_catalog.current_setting('server_version')").get(0, 0);
    source.major = std::stoi(db.exec("SELECT pg_catalog.current_setting('server_version_num')").get(0, 0)) / 10000;
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
        if (with_layout) {
            db.run("SET LOCAL search_path = pg_catalog, pg_temp");
            source.layout = layout_of(db.exec(kLayout));
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
