// The migrations that would make B's schema match A's, where that is
// mechanical, planned from compare_schemas()'s differences (diff --sql).
// Pure C++: nothing is run here; diff_sql.cpp lints the statements against B
// and prints them or writes them as migration files.
//
// At most three migrations, each left out when it would be empty:
//   1. the structure, in one transaction, in dependency order: schemas,
//      extensions, types, sequences, functions, tables, columns, views,
//      constraints (CHECK and FOREIGN KEY on a table B already has added
//      NOT VALID), indexes of new tables, triggers, policies, rules;
//   2. indexes of tables B already has, built CONCURRENTLY (no transaction);
//   3. the validations, in a transaction of their own: VALIDATE CONSTRAINT,
//      and SET NOT NULL once a validated CHECK (c IS NOT NULL) proves it.
// What only B has is never dropped: its DROP is written commented out, marked
// when it would lose data.  What is not mechanical (an enum label removed, a
// table become partitioned, ...) is a comment saying so.
#pragma once

#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "schema_compare.hpp"

namespace pgm::client {

// Facts about one database's objects that its SQL needs but the description
// does not compare (schema_source.cpp reads them).
struct SchemaLayout {
    std::map<std::string, int> column_position;               // column identity -> attnum
    std::set<std::string> inherited_columns;                  // from a parent table, not declared locally
    std::set<std::string> composite_types;                    // whose columns are attributes
    std::map<std::string, std::string> sequence_owner;        // sequence identity -> column identity
    std::set<std::string> identity_sequences;                 // made by an identity column
    std::set<std::pair<std::string, std::string>> inherited_parts;  // (object_type, identity) cloned from a parent
};

enum class StatementKind {
    run,              // a statement of the migration
    only_in_b,        // the DROP of what only B has: written commented out
    needs_a_person,   // not mechanical: a comment saying what to write by hand
};

struct PlannedStatement {
    StatementKind kind = StatementKind::run;
    std::string sql;   // ends with ';' (empty for needs_a_person)
    std::string note;  // a comment written above it
};

struct PlannedMigration {
    std::string name;     // for the file name: "schema_diff", "schema_diff_indexes", "schema_diff_validate"
    std::string purpose;  // one line
    bool transactional = true;
    std::vector<PlannedStatement> statements;
    std::string allow;  // "data_loss" when a generated column is dropped to be made again

    int runnable() const;  // how many statements run
};

struct PlanInput {
    const std::vector<ObjectDifference>& differences;
    const std::vector<DescribedObject>& a_objects;
    const SchemaLayout& a_layout;
    const SchemaLayout& b_layout;
    int b_major;  // 15, 16, ...: what B's server can do (SET EXPRESSION from 17)
};

std::vector<PlannedMigration> plan_migrations(const PlanInput& input);

}  // namespace pgm::client
