// The SQL that creates, changes or drops one described object, written from
// its canonical definition (core/schema_description.hpp).  Pure C++: the
// definitions were printed by PostgreSQL's own deparsers (pg_get_*def,
// format_type) with search_path pinned, so every name in them is qualified
// and the pieces around them are ours, in a fixed order.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "schema_compare.hpp"

namespace pgm::client::sql {

// The name of a column, constraint, trigger, policy or rule inside its
// parent ("id", "orders_pkey"), quoted as in the identity.
std::string part_name(const DescribedObject& o);

// A table's (view's, ...) definition, fact by fact.
struct RelationFacts {
    std::string kind;             // "table", "partitioned table", "view", ...
    std::string partition_by;     // "RANGE (created)"
    bool unlogged = false;
    std::string inherits;         // "s.a, s.b"
    std::string partition_of;     // "s.parent"
    std::string partition_bound;  // "FOR VALUES FROM (1) TO (10)"
    bool row_security = false, row_security_forced = false;
    std::string query;            // a view's, ending with ';'
    std::string sequence;         // "bigint, start 1, ..."
    std::string access_method;    // "columnar" (not heap)
    std::string options;          // "fillfactor=70, autovacuum_enabled=false"
};
RelationFacts relation_facts(const std::string& definition);

// CREATE TABLE with its columns (in the order given; none for a partition,
// which takes its parent's), partitioning, inheritance, access method and
// storage options.
std::string create_table(const DescribedObject& table, const std::vector<const DescribedObject*>& columns);
// CREATE TYPE ... AS (attributes) for a composite type.
std::string create_composite_type(const DescribedObject& type, const std::vector<const DescribedObject*>& attributes);
std::string create_view(const DescribedObject& view, bool or_replace);
std::string create_sequence(const DescribedObject& sequence);
// An identity column's sequence as the options of GENERATED ... AS IDENTITY
// ("SEQUENCE NAME s.t_id_seq START WITH 100 ..."), so that it is made with
// its name and options.
std::string identity_options(const DescribedObject& sequence);
std::string alter_sequence(const DescribedObject& sequence);
// An enum, domain or range type; nullopt for a base type (its C functions
// are not SQL this can write).
std::optional<std::string> create_type(const DescribedObject& type);
std::string create_function(const DescribedObject& function);  // also a procedure
std::string create_aggregate(const DescribedObject& aggregate);
std::string create_schema(const DescribedObject& schema);
std::string create_extension(const DescribedObject& extension);
std::string add_constraint(const DescribedObject& constraint, bool not_valid);
bool can_be_not_valid(const DescribedObject& constraint);  // CHECK and FOREIGN KEY, not already NOT VALID
// A constraint's kind, for the order they are added in: primary keys, then
// unique and exclusion constraints, checks, and foreign keys last.
int constraint_rank(const DescribedObject& constraint);
std::string create_index(const DescribedObject& index, bool concurrently);
// CREATE TRIGGER, and ALTER TABLE ... DISABLE/ENABLE REPLICA/ALWAYS TRIGGER
// when it does not fire as a new trigger does.
std::vector<std::string> create_trigger(const DescribedObject& trigger);
std::string create_policy(const DescribedObject& policy);
std::string create_rule(const DescribedObject& rule, bool or_replace);

// The statement that drops an object (of a column: from its table or type).
std::string drop_statement(const DescribedObject& o, bool concurrently = false);
// Whether dropping it destroys data a migration cannot bring back (a table,
// a column, a sequence's position, ...), not only a definition.
bool holds_data(const DescribedObject& o);

// A column's definition as a column definition of CREATE/ALTER TABLE
// ("numeric(12,2) not null default 0"): "not valid" is left out.
std::string column_definition(const DescribedObject& column);

// A domain's definition taken apart ("domain over integer not null default 0
// constraint positive CHECK (VALUE > 0)").
struct DomainFacts {
    std::string base, collation, default_value;
    bool not_null = false;
    std::vector<std::pair<std::string, std::string>> constraints;  // name, definition
};
DomainFacts domain_facts(const std::string& definition);

// A double-quoted identifier when it needs quotes, as quote_ident() does.
std::string quote_ident(const std::string& name);
// An SQL literal, as quote_literal() does.
std::string quote_literal(const std::string& text);

}  // namespace pgm::client::sql
