#include "object_sql.hpp"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace pgm::client::sql {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) lines.push_back(line);
    return lines;
}

// Where `marker` starts in `text` outside quotes ('...', "...") and
// parentheses, from `from` on; npos when it does not.
std::size_t find_top_level(const std::string& text, const std::string& marker, std::size_t from = 0) {
    char quote = 0;
    int depth = 0;
    for (std::size_t i = from; i < text.size(); ++i) {
        const char c = text[i];
        if (quote) {
            if (c == quote) quote = 0;
            continue;
        }
        if (c == '\'' || c == '"') quote = c;
        else if (c == '(') ++depth;
        else if (c == ')') --depth;
        else if (depth == 0 && text.compare(i, marker.size(), marker) == 0) return i;
    }
    return std::string::npos;
}

// The value after `marker` up to the next of `markers` (or the end).
std::string value_after(const std::string& text, const std::string& marker, const std::vector<std::string>& markers) {
    const std::size_t at = find_top_level(text, marker);
    if (at == std::string::npos) return "";
    const std::size_t start = at + marker.size();
    std::size_t end = text.size();
    for (const auto& m : markers) {
        const std::size_t next = find_top_level(text, m, start);
        if (next != std::string::npos) end = std::min(end, next);
    }
    return text.substr(start, end - start);
}

// A function's name without its argument types: "s.f(integer,integer)" -> "s.f".
std::string without_arguments(const std::string& signature) {
    bool quoted = false;
    for (std::size_t i = 0; i < signature.size(); ++i) {
        if (signature[i] == '"') quoted = !quoted;
        else if (!quoted && signature[i] == '(') return signature.substr(0, i);
    }
    return signature;
}

std::string statement(std::string text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    if (text.empty() || text.back() != ';') text += ';';
    return text;
}

}  // namespace

std::string quote_ident(const std::string& name) {
    const bool plain = !name.empty() && (std::islower(static_cast<unsigned char>(name[0])) || name[0] == '_') &&
                       std::all_of(name.begin(), name.end(), [](char c) {
                           return std::islower(static_cast<unsigned char>(c)) ||
                                  std::isdigit(static_cast<unsigned char>(c)) || c == '_';
                       });
    if (plain) return name;
    std::string out = "\"";
    for (char c : name) out += c == '"' ? std::string("\"\"") : std::string(1, c);
    return out + "\"";
}

std::string quote_literal(const std::string& text) {
    std::string out;
    bool backslash = false;
    for (char c : text) {
        if (c == '\'') out += "''";
        else if (c == '\\') {
            out += "\\\\";
            backslash = true;
        } else out += c;
    }
    return (backslash ? "E'" : "'") + out + "'";
}

std::string part_name(const DescribedObject& o) {
    if (o.object_type == "column") return o.identity.substr(o.parent.size() + 1);
    const std::string on = " on " + o.parent;
    if (o.identity.size() > on.size() && o.identity.compare(o.identity.size() - on.size(), on.size(), on) == 0)
        return o.identity.substr(0, o.identity.size() - on.size());
    return o.identity;
}

RelationFacts relation_facts(const std::string& definition) {
    RelationFacts f;
    std::vector<std::string> lines = lines_of(definition);
    if (lines.empty()) return f;
    f.kind = lines[0];
    if (starts_with(f.kind, "partitioned table, partition by ")) {
        f.partition_by = f.kind.substr(std::string("partitioned table, partition by ").size());
        f.kind = "partitioned table";
    }
    if (f.kind == "view" || f.kind == "materialized view") {
        // The query's lines end at the one ending with ';' (pg_get_viewdef's).
        std::size_t last = lines.size();
        while (last > 1 && (lines[last - 1].empty() || lines[last - 1].back() != ';')) --last;
        for (std::size_t i = 1; i < last; ++i) f.query += (i > 1 ? "\n" : "") + lines[i];
        lines.erase(lines.begin() + 1, lines.begin() + static_cast<std::ptrdiff_t>(last));
    }
    for (std::size_t i = 1; i < lines.size(); ++i) {
        const std::string& l = lines[i];
        if (l == "unlogged") f.unlogged = true;
        else if (starts_with(l, "inherits ")) f.inherits = l.substr(9);
        else if (starts_with(l, "partition of ")) f.partition_of = l.substr(13);
        else if (starts_with(l, "FOR VALUES") || l == "DEFAULT") f.partition_bound = l;
        else if (l == "row level security enabled") f.row_security = true;
        else if (l == "row level security forced") f.row_security_forced = true;
        else if (starts_with(l, "using ")) f.access_method = l.substr(6);
        else if (starts_with(l, "with (") && l.back() == ')') f.options = l.substr(6, l.size() - 7);
        else if (f.kind == "sequence") f.sequence = l;
    }
    return f;
}

std::string column_definition(const DescribedObject& column) {
    std::string def = column.definition;
    const std::string not_valid = " not null not valid";
    if (const std::size_t at = def.find(not_valid); at != std::string::npos) def.erase(at + 9, 10);
    return def;
}

std::string create_table(const DescribedObject& table, const std::vector<const DescribedObject*>& columns) {
    const RelationFacts f = relation_facts(table.definition);
    std::string out = std::string("CREATE ") + (f.unlogged ? "UNLOGGED " : "") + "TABLE " + table.identity;
    if (!f.partition_of.empty()) {
        out += " PARTITION OF " + f.partition_of + "\n    " + f.partition_bound;
    } else {
        out += " (";
        for (std::size_t i = 0; i < columns.size(); ++i)
            out += std::string(i ? ",\n    " : "\n    ") + part_name(*columns[i]) + " " + column_definition(*columns[i]);
        out += columns.empty() ? ")" : "\n)";
        if (!f.inherits.empty()) out += " INHERITS (" + f.inherits + ")";
    }
    if (!f.partition_by.empty()) out += " PARTITION BY " + f.partition_by;
    if (!f.access_method.empty()) out += " USING " + f.access_method;
    if (!f.options.empty()) out += " WITH (" + f.options + ")";
    return out + ";";
}

std::string create_composite_type(const DescribedObject& type, const std::vector<const DescribedObject*>& attributes) {
    std::string out = "CREATE TYPE " + type.identity + " AS (";
    for (std::size_t i = 0; i < attributes.size(); ++i)
        out += std::string(i ? ", " : "") + part_name(*attributes[i]) + " " + attributes[i]->definition;
    return out + ");";
}

std::string create_view(const DescribedObject& view, bool or_replace) {
    const RelationFacts f = relation_facts(view.definition);
    const bool materialized = f.kind == "materialized view";
    std::string out = std::string("CREATE ") + (or_replace ? "OR REPLACE " : "") +
                      (materialized ? "MATERIALIZED VIEW " : "VIEW ") + view.identity;
    if (materialized && !f.access_method.empty()) out += " USING " + f.access_method;
    if (!f.options.empty()) out += " WITH (" + f.options + ")";
    return out + " AS\n" + statement(f.query);
}

namespace {

// "bigint, start 1, increment 1, minvalue 1, maxvalue 10, cache 1[, cycle]"
// as CREATE/ALTER SEQUENCE options (without "AS type" for an identity's).
std::string sequence_options(const std::string& facts, bool altering, bool with_type = true) {
    std::vector<std::string> parts;
    std::size_t p = 0;
    while (p <= facts.size()) {
        const std::size_t comma = facts.find(", ", p);
        parts.push_back(facts.substr(p, comma == std::string::npos ? std::string::npos : comma - p));
        if (comma == std::string::npos) break;
        p = comma + 2;
    }
    std::string out = with_type ? " AS " + parts[0] : "";
    bool cycle = false;
    for (std::size_t i = 1; i < parts.size(); ++i) {
        const std::string& part = parts[i];
        const std::size_t space = part.find(' ');
        const std::string key = part.substr(0, space), value = space == std::string::npos ? "" : part.substr(space + 1);
        if (key == "start") out += " START WITH " + value;
        else if (key == "increment") out += " INCREMENT BY " + value;
        else if (key == "minvalue") out += " MINVALUE " + value;
        else if (key == "maxvalue") out += " MAXVALUE " + value;
        else if (key == "cache") out += " CACHE " + value;
        else if (key == "cycle") cycle = true;
    }
    if (cycle) out += " CYCLE";
    else if (altering) out += " NO CYCLE";
    return out;
}

}  // namespace

std::string create_sequence(const DescribedObject& sequence) {
    return "CREATE SEQUENCE " + sequence.identity + sequence_options(relation_facts(sequence.definition).sequence, false) + ";";
}

std::string identity_options(const DescribedObject& sequence) {
    return "SEQUENCE NAME " + sequence.identity +
           sequence_options(relation_facts(sequence.definition).sequence, false, false);
}

std::string alter_sequence(const DescribedObject& sequence) {
    return "ALTER SEQUENCE " + sequence.identity + sequence_options(relation_facts(sequence.definition).sequence, true) + ";";
}

DomainFacts domain_facts(const std::string& definition) {
    DomainFacts f;
    std::string rest = starts_with(definition, "domain over ") ? definition.substr(12) : definition;
    // concat_ws(' ', base, 'collate ...', 'not null', 'default ...',
    // 'constraint n def constraint n def ...').
    const std::size_t constraints_at = find_top_level(rest, " constraint ");
    std::string constraints = constraints_at == std::string::npos ? "" : rest.substr(constraints_at);
    if (constraints_at != std::string::npos) rest.erase(constraints_at);
    if (const std::size_t at = find_top_level(rest, " default "); at != std::string::npos) {
        f.default_value = rest.substr(at + 9);
        rest.erase(at);
    }
    if (const std::size_t at = find_top_level(rest, " not null"); at != std::string::npos) {
        f.not_null = true;
        rest.erase(at);
    }
    if (const std::size_t at = find_top_level(rest, " collate "); at != std::string::npos) {
        f.collation = rest.substr(at + 9);
        rest.erase(at);
    }
    f.base = rest;
    std::size_t p = 0;
    while (p < constraints.size()) {
        const std::size_t name_at = p + std::string(" constraint ").size();
        const std::size_t next = find_top_level(constraints, " constraint ", name_at);
        const std::string one = constraints.substr(name_at, next == std::string::npos ? std::string::npos : next - name_at);
        const std::size_t name_end = one[0] == '"' ? one.find('"', 1) + 1 : one.find(' ');
        f.constraints.emplace_back(one.substr(0, name_end), one.substr(name_end + 1));
        if (next == std::string::npos) break;
        p = next;
    }
    return f;
}

std::optional<std::string> create_type(const DescribedObject& type) {
    const std::string& d = type.definition;
    if (starts_with(d, "enum (")) return "CREATE TYPE " + type.identity + " AS ENUM " + d.substr(5) + ";";
    if (starts_with(d, "domain over ")) return "CREATE DOMAIN " + type.identity + " AS " + d.substr(12) + ";";
    if (starts_with(d, "range of ")) {
        const std::vector<std::string> markers = {" collate ", " opclass ", " canonical ", " subtype_diff "};
        std::string out = "CREATE TYPE " + type.identity + " AS RANGE (SUBTYPE = " + value_after(" " + d, " range of ", markers);
        const std::pair<const char*, const char*> options[] = {{" collate ", "COLLATION"}, {" opclass ", "SUBTYPE_OPCLASS"},
                                                               {" canonical ", "CANONICAL"}, {" subtype_diff ", "SUBTYPE_DIFF"}};
        for (const auto& [marker, option] : options) {
            const std::string value = value_after(d, marker, markers);
            if (!value.empty()) out += std::string(", ") + option + " = " + value;
        }
        return out + ");";
    }
    return std::nullopt;
}

std::string create_function(const DescribedObject& function) { return statement(function.definition); }

std::string create_aggregate(const DescribedObject& aggregate) {
    // "aggregate returning T, sfunc s.f(a,b), stype T[, finalfunc ...]
    // [, combinefunc ...][, initcond '...'][, sortop ...]"
    const std::vector<std::string> markers = {", sfunc ", ", stype ", ", finalfunc ", ", combinefunc ", ", initcond ", ", sortop "};
    const std::string& d = aggregate.definition;
    std::string out = "CREATE AGGREGATE " + aggregate.identity + " (SFUNC = " +
                      without_arguments(value_after(d, ", sfunc ", markers)) +
                      ", STYPE = " + value_after(d, ", stype ", markers);
    if (const std::string v = value_after(d, ", finalfunc ", markers); !v.empty()) out += ", FINALFUNC = " + without_arguments(v);
    if (const std::string v = value_after(d, ", combinefunc ", markers); !v.empty()) out += ", COMBINEFUNC = " + without_arguments(v);
    if (const std::string v = value_after(d, ", initcond ", markers); !v.empty()) out += ", INITCOND = " + v;
    if (const std::string v = value_after(d, ", sortop ", markers); !v.empty())
        out += ", SORTOP = OPERATOR(" + without_arguments(v) + ")";
    return out + ");";
}

std::string create_schema(const DescribedObject& schema) { return "CREATE SCHEMA " + schema.identity + ";"; }

std::string create_extension(const DescribedObject& extension) {
    // "version 1.3, schema public"
    const std::string& d = extension.definition;
    const std::size_t comma = d.find(", schema ");
    const std::string version = d.substr(8, comma - 8);
    return "CREATE EXTENSION IF NOT EXISTS " + extension.identity + " WITH SCHEMA " + d.substr(comma + 9) +
           " VERSION " + quote_literal(version) + ";";
}

bool can_be_not_valid(const DescribedObject& constraint) {
    const std::string& d = constraint.definition;
    const bool kind = starts_with(d, "CHECK ") || starts_with(d, "FOREIGN KEY ");
    return kind && d.find(" NOT VALID", d.size() >= 10 ? d.size() - 10 : 0) == std::string::npos;
}

int constraint_rank(const DescribedObject& constraint) {
    const std::string& d = constraint.definition;
    if (starts_with(d, "PRIMARY KEY")) return 0;
    if (starts_with(d, "UNIQUE") || starts_with(d, "EXCLUDE")) return 1;
    if (starts_with(d, "CHECK")) return 2;
    return 3;
}

std::string add_constraint(const DescribedObject& constraint, bool not_valid) {
    return "ALTER TABLE " + constraint.parent + " ADD CONSTRAINT " + part_name(constraint) + " " +
           constraint.definition + (not_valid ? " NOT VALID" : "") + ";";
}

std::string create_index(const DescribedObject& index, bool concurrently) {
    std::string def = index.definition;
    // A partitioned table's index is printed ON ONLY (as pg_dump attaches
    // its partitions' one by one): created whole, it builds theirs too.
    if (const std::size_t at = def.find(" ON ONLY "); at != std::string::npos) def.erase(at + 3, 5);
    if (concurrently) {
        const std::size_t at = def.find("INDEX ");
        if (at != std::string::npos) def.insert(at + 6, "CONCURRENTLY ");
    }
    return statement(def);
}

std::vector<std::string> create_trigger(const DescribedObject& trigger) {
    std::string def = trigger.definition;
    std::string enabling;
    const std::pair<const char*, const char*> states[] = {{" (disabled)", "DISABLE TRIGGER"},
                                                          {" (enabled for replica only)", "ENABLE REPLICA TRIGGER"},
                                                          {" (enabled always)", "ENABLE ALWAYS TRIGGER"}};
    for (const auto& [suffix, action] : states) {
        const std::string s = suffix;
        if (def.size() > s.size() && def.compare(def.size() - s.size(), s.size(), s) == 0) {
            def.erase(def.size() - s.size());
            enabling = "ALTER TABLE " + trigger.parent + " " + action + " " + part_name(trigger) + ";";
        }
    }
    std::vector<std::string> out = {statement(def)};
    if (!enabling.empty()) out.push_back(enabling);
    return out;
}

std::string create_policy(const DescribedObject& policy) {
    // "permissive for select to public using (...) with check (...)" is the
    // tail of CREATE POLICY as it is written.
    return "CREATE POLICY " + part_name(policy) + " ON " + policy.parent + " AS " + policy.definition + ";";
}

std::string create_rule(const DescribedObject& rule, bool or_replace) {
    std::string def = statement(rule.definition);
    if (or_replace && starts_with(def, "CREATE RULE ")) def.replace(0, 12, "CREATE OR REPLACE RULE ");
    return def;
}

std::string drop_statement(const DescribedObject& o, bool concurrently) {
    const std::string& t = o.object_type;
    if (t == "column") return "ALTER TABLE " + o.parent + " DROP COLUMN " + part_name(o) + ";";
    if (t == "constraint") return "ALTER TABLE " + o.parent + " DROP CONSTRAINT " + part_name(o) + ";";
    if (t == "trigger" || t == "policy" || t == "rule")
        return "DROP " + std::string(t == "trigger" ? "TRIGGER " : t == "policy" ? "POLICY " : "RULE ") + part_name(o) +
               " ON " + o.parent + ";";
    if (t == "index") return std::string("DROP INDEX ") + (concurrently ? "CONCURRENTLY " : "") + o.identity + ";";
    if (t == "type" && starts_with(o.definition, "domain over ")) return "DROP DOMAIN " + o.identity + ";";
    if (t == "domain") return "DROP DOMAIN " + o.identity + ";";
    std::string keyword = t;
    std::transform(keyword.begin(), keyword.end(), keyword.begin(), [](unsigned char c) { return std::toupper(c); });
    return "DROP " + keyword + " " + o.identity + ";";
}

bool holds_data(const DescribedObject& o) {
    const std::string& t = o.object_type;
    return t == "table" || t == "column" || t == "sequence" || t == "schema" || t == "extension" ||
           (t == "type" && starts_with(o.definition, "enum ("));
}

}  // namespace pgm::client::sql
