// Facts only the server has, for the classifier: whether a relation exists
// and how big it is, a column's type, what a type change costs, whether an
// expression is volatile.  PG zone; no locks are taken (a lint must never
// wait behind production traffic), so the answers are estimates where the
// catalog's are (reltuples, relpages).
#pragma once

#include "../bridge/pg_headers.hpp"

extern "C" {
#include "nodes/parsenodes.h"
}

namespace pgm::pg {

struct RelationFacts {
    bool exists;
    Oid relid;
    char relkind;
    bool size_known;  // statistics exist (the table was vacuumed or analyzed)
    double rows;      // estimated rows (of all partitions for a partitioned table)
    double pages;
};

// The relation's OID, or InvalidOid when this database has none of that name
// (its schema missing, or another database named: no error here).
Oid lookup_relation(const RangeVar* relation);

// A relation the database does not have (CI lints against an empty one) does
// not exist here, whatever its schema or database: it is assumed to exist and
// to be large by the rules.
RelationFacts relation_facts(const RangeVar* relation);

// Small enough that scanning or rewriting it under its lock is a moment.
bool relation_is_small(const RelationFacts& facts);

// "about 12,345 rows", "unknown size", "no rows (by its statistics)".
const char* describe_size(const RelationFacts& facts);

// 12345 -> "12,345".
char* with_thousands(double value);

// The table an existing index belongs to, or NULL when the database has no
// such index.
RangeVar* table_of_index(const RangeVar* index);

// The column's type, or found = false.
struct ColumnType {
    bool found;
    Oid type;
    int32 typmod;
};
ColumnType column_type(Oid relid, const char* column);

// The column's attgenerated: 's' (stored), 'v' (virtual, from 18), or '\0'
// when it is not generated or not found.
char column_generated(Oid relid, const char* column);

// Whether a CHECK constraint of the table uses the column (ALTER COLUMN ...
// TYPE re-checks it against every row, even without a rewrite).
bool column_has_check(Oid relid, const char* column);

// The type of the table's constraint `name` (CONSTRAINT_FOREIGN, _CHECK, ...),
// or '\0' when the table has none of that name.
char constraint_type(Oid relid, const char* name);

// The tables that are members of extension `name` (DROP EXTENSION drops them
// even without CASCADE): how many, 0 when it has none or is not installed.
int extension_member_tables(const char* name);

// `type_name` resolved with the session's search_path, or found = false when
// it does not exist (yet): CI lints against an empty database.
ColumnType resolve_type(const TypeName* type_name);

enum class TypeChange : int { kSame, kNoRewrite, kRewrite };

// What ALTER COLUMN ... TYPE costs: nothing, a catalog update, or a rewrite
// of the table (and its indexes) under ACCESS EXCLUSIVE.
TypeChange type_change(ColumnType from, ColumnType to);

// Whether converting values of `from` to `to` can round or cut any of them
// (integer -> numeric cannot; numeric -> numeric(5,2) can).
bool conversion_may_lose(ColumnType from, ColumnType to);

// Whether evaluating a raw (untransformed) expression may call a volatile
// function.  Functions that cannot be resolved count as volatile.
bool expression_is_volatile(Node* raw_expression);

// "serial", "bigserial", "smallserial" (not real types: a sequence default).
bool is_serial_type(const TypeName* type_name);

// The type's name as written, without schema ("int4", "varchar", "json").
const char* type_base_name(const TypeName* type_name);

}  // namespace pgm::pg
