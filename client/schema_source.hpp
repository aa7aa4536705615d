// A database's schema as pg_migrate describes it: migrate_describe() where
// the extension (0.14 on) is installed, else the same query run by the client
// (core/schema_description.hpp) in a read-only transaction with search_path
// pinned, so that a database without pg_migrate can be compared too.
#pragma once

#include <string>
#include <vector>

#include "connection.hpp"
#include "migration_plan.hpp"
#include "schema_compare.hpp"

namespace pgm::client {

struct SchemaSource {
    std::vector<DescribedObject> objects;
    std::string server_version;  // "15.20"
    std::string described_by;    // "migrate_describe()" or "the client's query"
    int major = 0;               // 15
    SchemaLayout layout;         // read only for diff --sql
};

// The description, and with `with_layout` the facts the SQL that recreates
// it needs, read in one snapshot.
SchemaSource read_schema(Connection& db, bool with_layout = false);

}  // namespace pgm::client
