// pg_migrate diff --db A --db B: what differs between two databases' schemas,
// grouped by table; exit code 0 when they are the same, 3 when not.
#include <future>
#include <optional>
#include <iostream>

#include "commands.hpp"
#include "connection.hpp"
#include "diff_sql.hpp"
#include "exit_codes.hpp"
#include "report.hpp"
#include "schema_compare.hpp"
#include "schema_source.hpp"
#include "terminal.hpp"
#include "../extension/core/schema_diff.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

nlohmann::json optional_text(const std::string& s) { return s.empty() ? nlohmann::json() : nlohmann::json(s); }

nlohmann::json difference_json(const ObjectDifference& d) {
    const DescribedObject& o = d.any();
    return {{"group", optional_text(d.group())}, {"object_type", o.object_type}, {"identity", o.identity},
            {"schema_name", optional_text(o.schema_name)}, {"parent", optional_text(o.parent)},
            {"presence", presence_name(d.presence)},
            {"a", d.a ? nlohmann::json(d.a->definition) : nlohmann::json()},
            {"b", d.b ? nlohmann::json(d.b->definition) : nlohmann::json()},
            {"what_differs", optional_text(d.what_differs)}};
}

std::string presence_text(Presence p, const Terminal& term) {
    switch (p) {
        case Presence::only_in_a: return term.green("only in A");
        case Presence::only_in_b: return term.yellow("only in B");
        case Presence::different: return term.red("different");
    }
    return "";
}

void print_differences(const std::vector<ObjectDifference>& differences, const Terminal& term) {
    std::string group = "\x01";  // none printed yet
    std::vector<std::vector<std::string>> rows;
    auto flush = [&rows] {
        if (rows.empty()) return;
        print_table(rows);
        rows.clear();
    };
    for (const auto& d : differences) {
        if (d.group() != group) {
            flush();
            group = d.group();
            std::cout << '\n' << term.bold(group.empty() ? "not in a table" : group) << '\n';
        }
        const DescribedObject& o = d.any();
        const std::string detail = d.presence == Presence::different
                                       ? d.what_differs
                                       : core::definition_excerpt(o.definition, 100);
        rows.push_back({"  " + presence_text(d.presence, term), o.object_type, o.identity, detail});
    }
    flush();
}

// Runs `step` on database `side`; an error says which database it came from.
template <class Step>
void on_side(const char* side, Step&& step) {
    try {
        step();
    } catch (const ServerError&) {
        std::cerr << "pg_migrate: database " << side << " (the " << (side[0] == 'A' ? "first" : "second")
                  << " --db):\n";
        throw;
    } catch (const std::exception& e) {
        throw std::runtime_error(std::string("database ") + side + " (the " + (side[0] == 'A' ? "first" : "second") +
                                 " --db): " + e.what());
    }
}

nlohmann::json side_json(Connection& db, const SchemaSource& s) {
    return nlohmann::json{{"database", db.database()}, {"where", db.describe()}, {"server_version", s.server_version},
                          {"described_by", s.described_by}, {"objects", s.objects.size()}};
}

// --sql / --out: the migrations that would make B match A.
int print_or_write_migrations(const CommonOptions& options, const DiffOptions& diff, Connection& a, Connection& b,
                              const SchemaSource& in_a, const SchemaSource& in_b,
                              const std::vector<ObjectDifference>& differences) {
    const int code = differences.empty() ? exit_code::kSuccess : exit_code::kVerification;
    LintedPlan plan;
    on_side("B", [&] {
        plan = lint_plan(b, plan_migrations({differences, in_a.objects, in_a.layout, in_b.layout, in_b.major}));
    });
    std::vector<std::vector<std::filesystem::path>> files;
    if (!diff.out_dir.empty()) {
        // A migration with nothing to run (only what B has extra, commented
        // out) is printed, not written: it would be an empty version.
        LintedPlan to_write;
        to_write.not_linted = plan.not_linted;
        for (std::size_t i = 0; i < plan.migrations.size(); ++i)
            if (plan.migrations[i].runnable() > 0) {
                to_write.migrations.push_back(plan.migrations[i]);
                to_write.risks.push_back(plan.risks[i]);
            }
        const std::string header = "-- Written by pg_migrate diff --sql: what makes " + b.database() +
                                   " (B) match " + a.database() + " (A).\n";
        files = write_plan(to_write, diff.out_dir, header);
        if (!options.json) plan = std::move(to_write);
    }
    if (options.json) {
        nlohmann::json doc = {{"command", "diff"}, {"a", side_json(a, in_a)}, {"b", side_json(b, in_b)},
                              {"equal", differences.empty()}, {"exit_code", code}};
        doc.update(plan_json(plan, files));
        std::cout << doc.dump(2) << '\n';
        return code;
    }
    if (!diff.out_dir.empty()) {
        for (const auto& migration : files)
            for (const auto& f : migration) std::cout << "created " << f.string() << '\n';
        if (files.empty()) std::cout << "nothing to write: " << (differences.empty() ? "the schemas are the same" : "B only has more") << '\n';
        return code;
    }
    std::cout << "-- pg_migrate diff --sql: what would make B (" << b.describe() << ") match A (" << a.describe()
              << ").\n-- Nothing has been applied. "
              << (plan.not_linted.empty() ? "Each statement's risk is what migrate_lint() finds in it against B."
                                          : "Not linted: " + plan.not_linted + ".")
              << '\n';
    if (differences.empty()) std::cout << "-- The schemas are the same.\n";
    for (std::size_t i = 0; i < plan.migrations.size(); ++i) {
        const PlannedMigration& m = plan.migrations[i];
        std::cout << "\n-- Migration " << i + 1 << " of " << plan.migrations.size() << " (" << m.name << "): "
                  << m.purpose << (m.transactional ? "" : " (-- migrate:no-transaction)") << "\n"
                  << (m.allow.empty() ? "" : "-- migrate:allow " + m.allow + "\n") << '\n'
                  << migration_script(plan, i);
    }
    return code;
}

}  // namespace

int run_diff(const CommonOptions& options, const std::vector<std::string>& targets, const DiffOptions& diff) {
    if (targets.size() != 2) {
        std::cerr << "pg_migrate: diff compares two databases: --db A --db B\n";
        return exit_code::kUsage;
    }
    Terminal term(options.json);
    std::optional<Connection> connected_a, connected_b;
    on_side("A", [&] { connected_a.emplace(targets[0]); });
    on_side("B", [&] { connected_b.emplace(targets[1]); });
    Connection& a = *connected_a;
    Connection& b = *connected_b;
    // Both described at once, each on its own connection.
    const bool sql = diff.sql || !diff.out_dir.empty();
    std::future<SchemaSource> reading_b = std::async(std::launch::async, [&b, sql] { return read_schema(b, sql); });
    SchemaSource in_a, in_b;
    on_side("A", [&] { in_a = read_schema(a, sql); });
    on_side("B", [&] { in_b = reading_b.get(); });
    const std::vector<ObjectDifference> differences = compare_schemas(in_a.objects, in_b.objects);
    std::size_t only_a = 0, only_b = 0, different = 0;
    for (const auto& d : differences) {
        only_a += d.presence == Presence::only_in_a;
        only_b += d.presence == Presence::only_in_b;
        different += d.presence == Presence::different;
    }
    if (sql) return print_or_write_migrations(options, diff, a, b, in_a, in_b, differences);
    const int code = differences.empty() ? exit_code::kSuccess : exit_code::kVerification;
    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& d : differences) list.push_back(difference_json(d));
        std::cout << nlohmann::json{{"command", "diff"}, {"a", side_json(a, in_a)}, {"b", side_json(b, in_b)},
                                    {"equal", differences.empty()}, {"differences", list},
                                    {"summary", {{"only_in_a", only_a}, {"only_in_b", only_b}, {"different", different}}},
                                    {"exit_code", code}}
                         .dump(2)
                  << '\n';
        return code;
    }
    std::cout << "A: " << a.describe() << ", PostgreSQL " << in_a.server_version << ", " << in_a.objects.size()
              << " objects (" << in_a.described_by << ")\n"
              << "B: " << b.describe() << ", PostgreSQL " << in_b.server_version << ", " << in_b.objects.size()
              << " objects (" << in_b.described_by << ")\n";
    if (differences.empty()) {
        std::cout << term.green("the schemas are the same") << '\n';
        return code;
    }
    print_differences(differences, term);
    std::cout << '\n' << differences.size() << " difference" << (differences.size() == 1 ? "" : "s") << ": "
              << only_a << " only in A, " << only_b << " only in B, " << different << " different\n";
    return code;
}

}  // namespace pgm::client
