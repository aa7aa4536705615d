// Two schemas side by side: which objects only one database has, and what
// differs in the ones both have.  Pure C++ (no libpq): the descriptions are
// migrate_describe()'s rows (core/schema_description.hpp), read by
// schema_source.hpp.
#pragma once

#include <string>
#include <vector>

namespace pgm::client {

struct DescribedObject {
    std::string object_type, identity, schema_name, parent, definition;
};

enum class Presence { only_in_a, only_in_b, different };
const char* presence_name(Presence presence);  // "only_in_a", "only_in_b", "different"

// One difference: the object on each side (nullptr where it is missing) and,
// for a different one, what differs, in words ("type: integer in A, bigint
// in B; default: ...").
struct ObjectDifference {
    Presence presence;
    const DescribedObject* a;
    const DescribedObject* b;
    std::string what_differs;

    const DescribedObject& any() const { return a ? *a : *b; }
    // The table (view, ...) it belongs to, or itself for a relation: what the
    // differences are grouped by.
    std::string group() const;
};

// Every difference, in the order of their groups (schema, then relation),
// the relation's own row first, then its parts by type and identity.
// `a` and `b` must outlive the result.
std::vector<ObjectDifference> compare_schemas(const std::vector<DescribedObject>& a,
                                              const std::vector<DescribedObject>& b);

// A column's definition ("numeric(12,2) collate \"C\" not null default 0")
// taken apart into the facts a person compares.
struct ColumnFacts {
    std::string type, collation, nullability, generated, default_value;
};
ColumnFacts column_facts(const std::string& definition);

// An enum's labels from its definition "enum ('a', E'b\\\\c')", each as the
// SQL literal it is written as there.
std::vector<std::string> enum_labels(const std::string& definition);

// What differs between two definitions of an object of `object_type`.
std::string what_differs(const std::string& object_type, const std::string& in_a, const std::string& in_b);

}  // namespace pgm::client
