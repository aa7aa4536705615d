#include "migration_plan.hpp"

#include <algorithm>
#include <functional>
#include <memory>

#include "object_sql.hpp"

namespace pgm::client {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

bool is_table(const DescribedObject& o) { return o.object_type == "table"; }
bool is_composite(const DescribedObject& o) { return o.object_type == "type" && o.definition == "composite type"; }
bool is_view(const DescribedObject& o) { return o.object_type == "view" || o.object_type == "materialized view"; }
// A function whose body is parsed when it is created (BEGIN ATOMIC, RETURN
// expr): the tables it reads must exist first.
bool has_sql_standard_body(const DescribedObject& o) {
    return o.definition.find("\nBEGIN ATOMIC") != std::string::npos ||
           o.definition.find("\n RETURN ") != std::string::npos || o.definition.find("\nRETURN ") != std::string::npos;
}

// The line of a function's definition that says what it returns.
std::string returns_line(const std::string& definition) {
    const std::size_t at = definition.find("\n RETURNS ");
    if (at == std::string::npos) return "";
    return definition.substr(at, definition.find('\n', at + 1) - at);
}

// Whether `text` names `identity` ("s.v", not "s.v2" nor "xs.v").
bool mentions(const std::string& text, const std::string& identity) {
    auto word = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '"' || c == '.'; };
    for (std::size_t at = text.find(identity); at != std::string::npos; at = text.find(identity, at + 1)) {
        const bool starts = at == 0 || !word(text[at - 1]);
        const std::size_t end = at + identity.size();
        if (starts && (end == text.size() || !word(text[end]))) return true;
    }
    return false;
}

// The items with every one's dependencies (among the items) before it, in
// their given order otherwise.
std::vector<const DescribedObject*> in_dependency_order(
    const std::vector<const DescribedObject*>& items,
    const std::function<std::vector<std::string>(const DescribedObject&)>& dependencies) {
    std::map<std::string, const DescribedObject*> by_identity;
    for (const auto* o : items) by_identity[o->identity] = o;
    std::vector<const DescribedObject*> out;
    std::set<const DescribedObject*> placed, visiting;
    std::function<void(const DescribedObject*)> place = [&](const DescribedObject* o) {
        if (placed.count(o) || visiting.count(o)) return;  // a cycle is left in the given order
        visiting.insert(o);
        for (const auto& d : dependencies(*o))
            if (auto it = by_identity.find(d); it != by_identity.end()) place(it->second);
        visiting.erase(o);
        placed.insert(o);
        out.push_back(o);
    };
    for (const auto* o : items) place(o);
    return out;
}

std::vector<std::string> split_list(const std::string& list) {
    std::vector<std::string> out;
    std::size_t p = 0;
    while (!list.empty()) {
        const std::size_t comma = list.find(", ", p);
        out.push_back(list.substr(p, comma == std::string::npos ? std::string::npos : comma - p));
        if (comma == std::string::npos) break;
        p = comma + 2;
    }
    return out;
}

// "fillfactor=70, autovacuum_enabled=false" -> {fillfactor: 70, ...}.
std::map<std::string, std::string> storage_options(const std::string& options) {
    std::map<std::string, std::string> out;
    for (const auto& o : split_list(options)) {
        const std::size_t eq = o.find('=');
        out[o.substr(0, eq)] = eq == std::string::npos ? "" : o.substr(eq + 1);
    }
    return out;
}

// A name for the CHECK (c IS NOT NULL) that proves a column has no NULL
// before SET NOT NULL: "<column>_not_null", within 63 bytes.
std::string not_null_check_name(const std::string& quoted_column) {
    std::string raw = quoted_column;
    if (raw.size() >= 2 && raw.front() == '"') {
        raw = raw.substr(1, raw.size() - 2);
        for (std::size_t p = raw.find("\"\""); p != std::string::npos; p = raw.find("\"\"", p + 1)) raw.erase(p, 1);
    }
    if (raw.size() > 54) raw.resize(54);
    return sql::quote_ident(raw + "_not_null");
}

class Planner {
  public:
    explicit Planner(const PlanInput& in) : in_(in) {
        for (const auto& o : in.a_objects) {
            if (!o.parent.empty()) a_parts_[o.parent].push_back(&o);
            else a_by_identity_[o.identity] = &o;
        }
        for (const auto& [sequence, column] : in.a_layout.sequence_owner)
            if (in.a_layout.identity_sequences.count(sequence)) identity_sequence_of_[column] = sequence;
        for (const auto& d : in.differences) {
            const DescribedObject& o = d.any();
            if (!o.parent.empty() || !(is_table(o) || is_view(o) || is_composite(o) || o.object_type == "foreign table"))
                continue;
            if (d.presence == Presence::only_in_a) new_relations_.insert(o.identity);
            if (d.presence == Presence::only_in_b) gone_relations_.insert(o.identity);
        }
        structure_ = {"schema_diff", "the structure, in one transaction", true, {}, ""};
        indexes_ = {"schema_diff_indexes", "indexes on tables B already has, built without blocking writes", false, {}, ""};
        validation_ = {"schema_diff_validate", "the constraints added NOT VALID, validated in a transaction of their own",
                       true, {}, ""};
    }

    std::vector<PlannedMigration> plan() {
        schemas_and_extensions();
        types();
        sequences();
        routines(false);
        tables();
        columns();
        relation_options();
        views();
        routines(true);
        constraints();
        indexes();
        triggers_policies_rules();
        sequence_owners();
        drops_of_what_only_b_has();
        std::vector<PlannedMigration> out;
        for (auto* m : {&structure_, &indexes_, &validation_})
            if (!m->statements.empty()) out.push_back(std::move(*m));
        return out;
    }

  private:
    const PlanInput& in_;
    std::map<std::string, std::vector<const DescribedObject*>> a_parts_;  // parent -> its parts in A
    std::map<std::string, const DescribedObject*> a_by_identity_;         // A's objects that are not parts
    std::set<std::string> new_relations_, gone_relations_, rebuilt_relations_;
    std::map<std::string, std::string> identity_sequence_of_;  // column identity -> its sequence in A
    std::vector<std::unique_ptr<DescribedObject>> written_;      // columns with their identity's options
    PlannedMigration structure_, indexes_, validation_;

    static void add(PlannedMigration& m, std::string sql, std::string note = "") {
        m.statements.push_back({StatementKind::run, std::move(sql), std::move(note)});
    }
    void needs_a_person(const DescribedObject& o, const std::string& why) {
        structure_.statements.push_back(
            {StatementKind::needs_a_person, "", o.object_type + " " + o.identity + ": " + why + "; not written"});
    }

    // The differences of these object types and presences, in compare_schemas' order.
    std::vector<const ObjectDifference*> select(std::initializer_list<const char*> types,
                                                std::initializer_list<Presence> presences) const {
        std::vector<const ObjectDifference*> out;
        for (const auto& d : in_.differences) {
            const bool type = std::any_of(types.begin(), types.end(), [&](const char* t) { return d.any().object_type == t; });
            const bool presence = std::find(presences.begin(), presences.end(), d.presence) != presences.end();
            if (type && presence) out.push_back(&d);
        }
        return out;
    }

    bool inherited_in_a(const DescribedObject& o) const {
        return in_.a_layout.inherited_parts.count({o.object_type, o.identity}) > 0;
    }
    bool is_new(const std::string& relation) const { return new_relations_.count(relation) > 0; }
    const DescribedObject* relation_in_a(const std::string& identity) const {
        auto it = a_by_identity_.find(identity);
        return it == a_by_identity_.end() ? nullptr : it->second;
    }

    // An identity column's sequence options, when A's sequence is described:
    // " (SEQUENCE NAME ... START WITH ...)" after "as identity".
    std::string identity_clause(const std::string& column) const {
        auto seq = identity_sequence_of_.find(column);
        if (seq == identity_sequence_of_.end()) return "";
        const DescribedObject* sequence = relation_in_a(seq->second);
        return sequence ? " (" + sql::identity_options(*sequence) + ")" : "";
    }

    // The column as it is written: an identity with its sequence's options.
    const DescribedObject* as_written(const DescribedObject* column) {
        const std::string clause = identity_clause(column->identity);
        const std::size_t at = column->definition.find(" as identity");
        if (clause.empty() || at == std::string::npos) return column;
        auto copy = std::make_unique<DescribedObject>(*column);
        copy->definition.insert(at + 12, clause);
        written_.push_back(std::move(copy));
        return written_.back().get();
    }

    // A relation's columns in A, in their order there.
    std::vector<const DescribedObject*> columns_in_a(const std::string& relation, bool local_only) {
        std::vector<const DescribedObject*> cols;
        auto it = a_parts_.find(relation);
        if (it == a_parts_.end()) return cols;
        for (const auto* p : it->second)
            if (p->object_type == "column" && !(local_only && in_.a_layout.inherited_columns.count(p->identity)))
                cols.push_back(p);
        auto position = [this](const DescribedObject* c) {
            auto at = in_.a_layout.column_position.find(c->identity);
            return at == in_.a_layout.column_position.end() ? 0 : at->second;
        };
        std::stable_sort(cols.begin(), cols.end(), [&](auto* x, auto* y) { return position(x) < position(y); });
        for (auto& c : cols) c = as_written(c);
        return cols;
    }

    void schemas_and_extensions() {
        for (const auto* d : select({"schema"}, {Presence::only_in_a})) add(structure_, sql::create_schema(*d->a));
        for (const auto* d : select({"extension"}, {Presence::only_in_a, Presence::different})) {
            if (d->presence == Presence::only_in_a) {
                add(structure_, sql::create_extension(*d->a));
                continue;
            }
            auto version_and_schema = [](const std::string& def) {
                const std::size_t comma = def.find(", schema ");
                return std::pair{def.substr(8, comma - 8), def.substr(comma + 9)};
            };
            const auto [va, sa] = version_and_schema(d->a->definition);
            const auto [vb, sb] = version_and_schema(d->b->definition);
            if (va != vb) add(structure_, "ALTER EXTENSION " + d->a->identity + " UPDATE TO " + sql::quote_literal(va) + ";");
            if (sa != sb) add(structure_, "ALTER EXTENSION " + d->a->identity + " SET SCHEMA " + sa + ";");
        }
    }

    void types() {
        // Enums and ranges first: a domain or composite type may be over them.
        const auto created = select({"type", "domain"}, {Presence::only_in_a});
        for (int pass = 0; pass < 3; ++pass) {
            for (const auto* d : created) {
                const DescribedObject& o = *d->a;
                const int rank = o.object_type == "domain" ? 1 : is_composite(o) ? 2 : 0;
                if (rank != pass) continue;
                if (is_composite(o)) add(structure_, sql::create_composite_type(o, columns_in_a(o.identity, false)));
                else if (auto create = sql::create_type(o)) add(structure_, *create);
                else needs_a_person(o, "a base type is made of C functions");
            }
        }
        for (const auto* d : select({"type", "domain"}, {Presence::different})) {
            if (starts_with(d->a->definition, "enum (") && starts_with(d->b->definition, "enum (")) enum_labels(*d);
            else if (d->a->object_type == "domain") domain(*d);
            else needs_a_person(*d->a, "its definition differs (" + d->what_differs + ")");
        }
    }

    void enum_labels(const ObjectDifference& d) {
        const std::vector<std::string> a = client::enum_labels(d.a->definition);
        std::vector<std::string> b = client::enum_labels(d.b->definition);
        // Mechanical only when B's labels are A's with some left out, in A's order.
        std::size_t matched = 0;
        for (const auto& label : a)
            if (matched < b.size() && b[matched] == label) ++matched;
        if (matched != b.size()) {
            needs_a_person(*d.a, "labels removed or reordered (" + d.what_differs + ")");
            return;
        }
        for (std::size_t i = 0; i < a.size(); ++i) {
            if (std::find(b.begin(), b.end(), a[i]) != b.end()) continue;
            const std::string where = i > 0 ? " AFTER " + a[i - 1] : (b.empty() ? "" : " BEFORE " + b.front());
            add(structure_, "ALTER TYPE " + d.a->identity + " ADD VALUE " + a[i] + where + ";");
            b.insert(b.begin() + static_cast<std::ptrdiff_t>(std::min(i, b.size())), a[i]);
        }
    }

    void domain(const ObjectDifference& d) {
        const sql::DomainFacts a = sql::domain_facts(d.a->definition), b = sql::domain_facts(d.b->definition);
        const std::string& name = d.a->identity;
        if (a.base != b.base || a.collation != b.collation) {
            needs_a_person(*d.a, "its base type or collation differs (" + d.what_differs + ")");
            return;
        }
        for (const auto& [cname, cdef] : b.constraints)
            if (std::find(a.constraints.begin(), a.constraints.end(), std::pair{cname, cdef}) == a.constraints.end())
                add(structure_, "ALTER DOMAIN " + name + " DROP CONSTRAINT " + cname + ";");
        if (a.default_value != b.default_value)
            add(structure_, "ALTER DOMAIN " + name + (a.default_value.empty() ? " DROP DEFAULT;" : " SET DEFAULT " + a.default_value + ";"));
        if (a.not_null != b.not_null) add(structure_, "ALTER DOMAIN " + name + (a.not_null ? " SET NOT NULL;" : " DROP NOT NULL;"));
        for (const auto& [cname, cdef] : a.constraints) {
            if (std::find(b.constraints.begin(), b.constraints.end(), std::pair{cname, cdef}) != b.constraints.end()) continue;
            const bool not_valid = cdef.find(" NOT VALID") == std::string::npos;
            add(structure_, "ALTER DOMAIN " + name + " ADD CONSTRAINT " + cname + " " + cdef + (not_valid ? " NOT VALID;" : ";"));
            if (not_valid) add(validation_, "ALTER DOMAIN " + name + " VALIDATE CONSTRAINT " + cname + ";");
        }
    }

    void sequences() {
        for (const auto* d : select({"sequence"}, {Presence::only_in_a, Presence::different})) {
            if (d->presence == Presence::different) add(structure_, sql::alter_sequence(*d->a));
            else if (!in_.a_layout.identity_sequences.count(d->a->identity)) add(structure_, sql::create_sequence(*d->a));
        }
    }

    // Functions and procedures (those whose body is parsed at creation after
    // the tables and views, the others before them), aggregates after the
    // functions they are made of.
    void routines(bool parsed_bodies) {
        bool first = true;
        for (const auto* d : select({"function", "procedure"}, {Presence::only_in_a, Presence::different})) {
            if (has_sql_standard_body(*d->a) != parsed_bodies || inherited_in_a(*d->a)) continue;
            if (first && !parsed_bodies) {
                // A function's body may read tables created further down.
                add(structure_, "SET LOCAL check_function_bodies = off;");
                first = false;
            }
            if (d->presence == Presence::different && returns_line(d->a->definition) != returns_line(d->b->definition))
                add(structure_, sql::drop_statement(*d->b));
            add(structure_, sql::create_function(*d->a));
        }
        if (parsed_bodies) return;
        for (const auto* d : select({"aggregate"}, {Presence::only_in_a, Presence::different})) {
            if (d->presence == Presence::different) add(structure_, sql::drop_statement(*d->b));
            add(structure_, sql::create_aggregate(*d->a));
        }
    }

    void tables() {
        std::vector<const DescribedObject*> created;
        for (const auto* d : select({"table", "foreign table"}, {Presence::only_in_a})) {
            if (d->a->object_type == "foreign table") needs_a_person(*d->a, "its server and options are not described");
            else created.push_back(d->a);
        }
        const auto ordered = in_dependency_order(created, [](const DescribedObject& t) {
            const sql::RelationFacts f = sql::relation_facts(t.definition);
            std::vector<std::string> deps = split_list(f.inherits);
            if (!f.partition_of.empty()) deps.push_back(f.partition_of);
            return deps;
        });
        for (const auto* t : ordered) {
            const sql::RelationFacts f = sql::relation_facts(t->definition);
            add(structure_, sql::create_table(*t, f.partition_of.empty() ? columns_in_a(t->identity, true)
                                                                        : std::vector<const DescribedObject*>{}));
            if (f.row_security) add(structure_, "ALTER TABLE " + t->identity + " ENABLE ROW LEVEL SECURITY;");
            if (f.row_security_forced) add(structure_, "ALTER TABLE " + t->identity + " FORCE ROW LEVEL SECURITY;");
        }
    }

    void columns() {
        for (const auto* d : select({"column"}, {Presence::only_in_a})) {
            const DescribedObject& c = *d->a;
            if (is_new(c.parent) || in_.a_layout.inherited_columns.count(c.identity)) continue;
            const DescribedObject* parent = relation_in_a(c.parent);
            if (parent && is_composite(*parent))
                add(structure_, "ALTER TYPE " + c.parent + " ADD ATTRIBUTE " + sql::part_name(c) + " " + c.definition + ";");
            else
                add(structure_, "ALTER TABLE " + c.parent + " ADD COLUMN " + sql::part_name(c) + " " +
                                    sql::column_definition(*as_written(&c)) + ";");
        }
        for (const auto* d : select({"column"}, {Presence::different})) {
            if (in_.a_layout.inherited_columns.count(d->a->identity)) continue;  // changed with its parent's
            const DescribedObject* parent = relation_in_a(d->a->parent);
            if (parent && is_composite(*parent)) composite_attribute(*d);
            else column(*d);
        }
    }

    void composite_attribute(const ObjectDifference& d) {
        const ColumnFacts a = column_facts(d.a->definition);
        add(structure_, "ALTER TYPE " + d.a->parent + " ALTER ATTRIBUTE " + sql::part_name(*d.a) + " TYPE " + a.type +
                            (a.collation.empty() ? "" : " COLLATE " + a.collation) + ";");
    }

    void column(const ObjectDifference& d) {
        const ColumnFacts a = column_facts(d.a->definition), b = column_facts(d.b->definition);
        const std::string alter = "ALTER TABLE " + d.a->parent + " ALTER COLUMN " + sql::part_name(*d.a) + " ";
        const bool identity_a = starts_with(a.generated, "generated") && a.generated.find("as identity") != std::string::npos;
        const bool identity_b = starts_with(b.generated, "generated") && b.generated.find("as identity") != std::string::npos;
        const bool type_changes = a.type != b.type || a.collation != b.collation;
        // An expression generated column whose expression differs: on 17, SET
        // EXPRESSION; from generated to plain, DROP EXPRESSION keeps the
        // values; else the column is dropped and added again (its values are
        // computed, not stored by anybody).
        if (a.generated != b.generated && !identity_a && !identity_b) {
            const bool stored_a = !a.generated.empty() && a.generated.size() > 7 &&
                                  a.generated.compare(a.generated.size() - 7, 7, " stored") == 0;
            const bool stored_b = !b.generated.empty() && b.generated.size() > 7 &&
                                  b.generated.compare(b.generated.size() - 7, 7, " stored") == 0;
            if (a.generated.empty() && stored_b && !type_changes) {
                add(structure_, alter + "DROP EXPRESSION;");
            } else if (stored_a && stored_b && !type_changes && in_.b_major >= 17) {
                const std::string expr = a.generated.substr(std::string("generated always as ").size(),
                                                            a.generated.size() - 7 - std::string("generated always as ").size());
                add(structure_, alter + "SET EXPRESSION AS " + expr + ";");
            } else if (!b.generated.empty()) {
                // B's values are computed too: nothing is lost by computing A's.
                add(structure_, "ALTER TABLE " + d.a->parent + " DROP COLUMN " + sql::part_name(*d.a) + ";",
                    "the generated column is made again: its values are computed, not lost");
                structure_.allow = "data_loss";
                add(structure_, "ALTER TABLE " + d.a->parent + " ADD COLUMN " + sql::part_name(*d.a) + " " +
                                    sql::column_definition(*d.a) + ";");
                return;
            } else {
                // B's column holds data A computes: replacing it loses that
                // data, which `up` refuses unless it is allowed.
                add(structure_, "ALTER TABLE " + d.a->parent + " DROP COLUMN " + sql::part_name(*d.a) + ";",
                    "DATA LOSS: B's values of this column are replaced by the ones A computes "
                    "(pg_migrate up refuses it unless --allow data_loss)");
                add(structure_, "ALTER TABLE " + d.a->parent + " ADD COLUMN " + sql::part_name(*d.a) + " " +
                                    sql::column_definition(*d.a) + ";");
                return;
            }
        }
        if (!b.default_value.empty() && (a.default_value != b.default_value || type_changes))
            if (a.default_value.empty() || type_changes) add(structure_, alter + "DROP DEFAULT;");
        if (type_changes)
            add(structure_, alter + "TYPE " + a.type + (a.collation.empty() ? "" : " COLLATE " + a.collation) + " USING " +
                                sql::part_name(*d.a) + "::" + a.type + ";");
        if (!a.default_value.empty() && (a.default_value != b.default_value || type_changes))
            add(structure_, alter + "SET DEFAULT " + a.default_value + ";");
        const bool not_null_a = !a.nullability.empty(), not_null_b = !b.nullability.empty();
        if (identity_a != identity_b || (identity_a && a.generated != b.generated)) {
            if (identity_a && !not_null_b) add(structure_, alter + "SET NOT NULL;");  // an identity needs it first
            const std::string kind = a.generated.find("always") != std::string::npos ? "ALWAYS" : "BY DEFAULT";
            if (!identity_a) add(structure_, alter + "DROP IDENTITY;");
            else if (!identity_b) add(structure_, alter + "ADD GENERATED " + kind + " AS IDENTITY" + identity_clause(d.a->identity) + ";");
            else add(structure_, alter + "SET GENERATED " + kind + ";");
            if (identity_a) return;
        }
        if (not_null_a && !not_null_b) {
            // SET NOT NULL reads the whole table under ACCESS EXCLUSIVE unless a
            // validated CHECK proves it: add one NOT VALID, validate it apart.
            const std::string check = not_null_check_name(sql::part_name(*d.a));
            add(structure_, "ALTER TABLE " + d.a->parent + " ADD CONSTRAINT " + check + " CHECK (" +
                                sql::part_name(*d.a) + " IS NOT NULL) NOT VALID;");
            add(validation_, "ALTER TABLE " + d.a->parent + " VALIDATE CONSTRAINT " + check + ";");
            add(validation_, alter + "SET NOT NULL;");
            add(validation_, "ALTER TABLE " + d.a->parent + " DROP CONSTRAINT " + check + ";");
        } else if (!not_null_a && not_null_b) {
            add(structure_, alter + "DROP NOT NULL;");
        }
    }

    // A table's own facts that ALTER TABLE can change.
    void relation_options() {
        for (const auto* d : select({"table"}, {Presence::different})) {
            const sql::RelationFacts a = sql::relation_facts(d->a->definition), b = sql::relation_facts(d->b->definition);
            const std::string alter = "ALTER TABLE " + d->a->identity + " ";
            if (a.kind != b.kind || a.partition_by != b.partition_by || a.inherits != b.inherits ||
                a.partition_of != b.partition_of || a.partition_bound != b.partition_bound) {
                needs_a_person(*d->a, "its partitioning or inheritance differs (" + d->what_differs + ")");
                continue;
            }
            if (a.unlogged != b.unlogged) add(structure_, alter + (a.unlogged ? "SET UNLOGGED;" : "SET LOGGED;"));
            if (a.row_security != b.row_security)
                add(structure_, alter + (a.row_security ? "ENABLE" : "DISABLE") + " ROW LEVEL SECURITY;");
            if (a.row_security_forced != b.row_security_forced)
                add(structure_, alter + (a.row_security_forced ? "FORCE" : "NO FORCE") + " ROW LEVEL SECURITY;");
            if (a.access_method != b.access_method)
                add(structure_, alter + "SET ACCESS METHOD " + (a.access_method.empty() ? "heap" : a.access_method) + ";");
            if (a.options != b.options) {
                const auto oa = storage_options(a.options), ob = storage_options(b.options);
                std::string set, reset;
                for (const auto& [k, v] : oa)
                    if (!ob.count(k) || ob.at(k) != v) set += (set.empty() ? "" : ", ") + k + "=" + v;
                for (const auto& [k, v] : ob)
                    if (!oa.count(k)) reset += (reset.empty() ? "" : ", ") + k;
                if (!set.empty()) add(structure_, alter + "SET (" + set + ");");
                if (!reset.empty()) add(structure_, alter + "RESET (" + reset + ");");
            }
        }
    }

    // Views and materialized views, each after those it reads.
    void views() {
        std::vector<const DescribedObject*> items;
        std::map<const DescribedObject*, const ObjectDifference*> difference_of;
        for (const auto* d : select({"view", "materialized view"}, {Presence::only_in_a, Presence::different})) {
            items.push_back(d->a);
            difference_of[d->a] = d;
        }
        const auto ordered = in_dependency_order(items, [&items](const DescribedObject& v) {
            std::vector<std::string> deps;
            const std::string query = sql::relation_facts(v.definition).query;
            for (const auto* other : items)
                if (other != &v && mentions(query, other->identity)) deps.push_back(other->identity);
            return deps;
        });
        for (const auto* v : ordered) {
            const ObjectDifference& d = *difference_of[v];
            const bool materialized = v->object_type == "materialized view";
            if (d.presence == Presence::different && materialized) {
                add(structure_, sql::drop_statement(*d.b), "a materialized view is made again: its rows are computed again");
                rebuilt_relations_.insert(v->identity);
            }
            add(structure_, sql::create_view(*v, d.presence == Presence::different && !materialized));
        }
    }

    void constraints() {
        std::vector<const ObjectDifference*> added = select({"constraint"}, {Presence::only_in_a, Presence::different});
        std::stable_sort(added.begin(), added.end(), [](auto* x, auto* y) {
            return sql::constraint_rank(*x->a) < sql::constraint_rank(*y->a);
        });
        // Replaced ones are dropped first, foreign keys before what they reference.
        for (auto it = added.rbegin(); it != added.rend(); ++it)
            if ((*it)->presence == Presence::different && !inherited_in_a(*(*it)->a))
                add(structure_, sql::drop_statement(*(*it)->b));
        for (const auto* d : added) {
            const DescribedObject& c = *d->a;
            if (inherited_in_a(c)) continue;
            const bool not_valid = !is_new(c.parent) && sql::can_be_not_valid(c);
            add(structure_, sql::add_constraint(c, not_valid));
            if (not_valid)
                add(validation_, "ALTER TABLE " + c.parent + " VALIDATE CONSTRAINT " + sql::part_name(c) + ";");
        }
    }

    // Indexes of new (or rebuilt) relations and of partitioned tables in the
    // structure; of tables B has, CONCURRENTLY in a migration of their own.
    void indexes() {
        for (const auto* d : select({"index"}, {Presence::only_in_a, Presence::different})) {
            const DescribedObject& ix = *d->a;
            if (inherited_in_a(ix) || rebuilt_relations_.count(ix.parent)) continue;
            const DescribedObject* parent = relation_in_a(ix.parent);
            const bool partitioned = parent && starts_with(parent->definition, "partitioned table");
            const bool concurrently = !is_new(ix.parent) && !partitioned;
            PlannedMigration& m = concurrently ? indexes_ : structure_;
            if (d->presence == Presence::different) add(m, sql::drop_statement(*d->b, concurrently));
            add(m, sql::create_index(ix, concurrently));
        }
        for (const auto& relation : rebuilt_relations_)
            if (auto it = a_parts_.find(relation); it != a_parts_.end())
                for (const auto* p : it->second)
                    if (p->object_type == "index") add(structure_, sql::create_index(*p, false));
    }

    void triggers_policies_rules() {
        for (const auto* d : select({"trigger"}, {Presence::only_in_a, Presence::different})) {
            if (inherited_in_a(*d->a)) continue;
            if (d->presence == Presence::different) add(structure_, sql::drop_statement(*d->b));
            for (auto& s : sql::create_trigger(*d->a)) add(structure_, s);
        }
        for (const auto* d : select({"policy"}, {Presence::only_in_a, Presence::different})) {
            if (d->presence == Presence::different) add(structure_, sql::drop_statement(*d->b));
            add(structure_, sql::create_policy(*d->a));
        }
        for (const auto* d : select({"rule"}, {Presence::only_in_a, Presence::different}))
            add(structure_, sql::create_rule(*d->a, d->presence == Presence::different));
    }

    // A serial column's sequence, created above, belongs to its column.
    void sequence_owners() {
        for (const auto* d : select({"sequence"}, {Presence::only_in_a})) {
            auto owner = in_.a_layout.sequence_owner.find(d->a->identity);
            if (owner == in_.a_layout.sequence_owner.end() || in_.a_layout.identity_sequences.count(d->a->identity))
                continue;
            add(structure_, "ALTER SEQUENCE " + d->a->identity + " OWNED BY " + owner->second + ";");
        }
    }

    bool dropped_with_something_else(const DescribedObject& o) const {
        if (!o.parent.empty() && gone_relations_.count(o.parent)) return true;
        if (is_table(o)) {  // a partition goes with its partitioned table
            const std::string parent = sql::relation_facts(o.definition).partition_of;
            if (!parent.empty() && gone_relations_.count(parent)) return true;
        }
        if (in_.b_layout.inherited_parts.count({o.object_type, o.identity})) return true;
        if (o.object_type == "column" && in_.b_layout.inherited_columns.count(o.identity)) return true;
        if (o.object_type == "sequence") {
            if (in_.b_layout.identity_sequences.count(o.identity)) return true;
            auto owner = in_.b_layout.sequence_owner.find(o.identity);
            if (owner != in_.b_layout.sequence_owner.end()) {
                const std::string& column = owner->second;
                for (const auto& gone : gone_relations_)
                    if (starts_with(column, gone + ".")) return true;
            }
        }
        return false;
    }

    // What only B has: its DROP, commented out, parts before what holds them:
    // a view before the views it reads, an inheriting table before its parent
    // (a partition goes with its parent), an aggregate before its functions,
    // a domain or composite type before the types it is made of.
    void drops_of_what_only_b_has() {
        const std::initializer_list<const char*> order[] = {
            {"trigger", "policy", "rule", "index", "constraint"}, {"view", "materialized view"}, {"column"},
            {"table", "foreign table"}, {"sequence"}, {"function", "procedure", "aggregate"}, {"type", "domain"},
            {"schema"}, {"extension"}};
        for (const auto& types : order) {
            std::vector<const DescribedObject*> gone;
            for (const auto* d : select(types, {Presence::only_in_b}))
                if (!dropped_with_something_else(*d->b)) gone.push_back(d->b);
            for (const auto* o : in_drop_order(gone)) {
                std::string drop = sql::drop_statement(*o);
                if (o->object_type == "column" && in_.b_layout.composite_types.count(o->parent))
                    drop = "ALTER TYPE " + o->parent + " DROP ATTRIBUTE " + sql::part_name(*o) + ";";
                structure_.statements.push_back(
                    {StatementKind::only_in_b, drop,
                     sql::holds_data(*o) ? "only in B; DATA LOSS if dropped: not run, uncomment to drop"
                                         : "only in B: not run, uncomment to drop"});
            }
        }
    }

    // What depends on another of `gone` first.
    std::vector<const DescribedObject*> in_drop_order(std::vector<const DescribedObject*> gone) const {
        // The tables each gone table's foreign keys reference.
        std::map<std::string, std::vector<std::string>> referenced;
        for (const auto* d : select({"constraint"}, {Presence::only_in_b})) {
            const std::string& def = d->b->definition;
            const std::size_t at = def.find(" REFERENCES ");
            if (!starts_with(def, "FOREIGN KEY") || at == std::string::npos) continue;
            const std::size_t from = at + 12;
            referenced[d->b->parent].push_back(def.substr(from, def.find('(', from) - from));
        }
        auto rank = [](const DescribedObject& o) {
            if (o.object_type == "aggregate" || is_composite(o)) return 0;
            if (o.object_type == "domain") return 1;
            return 2;
        };
        std::stable_sort(gone.begin(), gone.end(), [&](auto* x, auto* y) { return rank(*x) < rank(*y); });
        auto ordered = in_dependency_order(gone, [&gone, &referenced](const DescribedObject& o) {
            std::vector<std::string> deps;
            if (is_table(o)) {
                const sql::RelationFacts f = sql::relation_facts(o.definition);
                deps = split_list(f.inherits);
                if (auto r = referenced.find(o.identity); r != referenced.end())
                    deps.insert(deps.end(), r->second.begin(), r->second.end());
            } else if (is_view(o)) {
                const std::string query = sql::relation_facts(o.definition).query;
                for (const auto* other : gone)
                    if (other != &o && is_view(*other) && mentions(query, other->identity)) deps.push_back(other->identity);
            }
            return deps;
        });
        if (std::any_of(gone.begin(), gone.end(), [](auto* o) { return is_table(*o) || is_view(*o); }))
            std::reverse(ordered.begin(), ordered.end());
        return ordered;
    }
};

}  // namespace

int PlannedMigration::runnable() const {
    return static_cast<int>(std::count_if(statements.begin(), statements.end(),
                                          [](const PlannedStatement& s) { return s.kind == StatementKind::run; }));
}

std::vector<PlannedMigration> plan_migrations(const PlanInput& input) { return Planner(input).plan(); }

}  // namespace pgm::client
