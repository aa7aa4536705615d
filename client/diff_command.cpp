// pg_migrate diff --db A --db B: what differs between two databases' schemas,
// grouped by table; exit code 0 when they are the same, 3 when not.
#include <future>
#include <iostream>

#include "commands.hpp"
#include "connection.hpp"
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

}  // namespace

int run_diff(const CommonOptions& options, const std::vector<std::string>& targets) {
    if (targets.size() != 2) {
        std::cerr << "pg_migrate: diff compares two databases: --db A --db B\n";
        return exit_code::kUsage;
    }
    Terminal term(options.json);
    Connection a(targets[0]);
    Connection b(targets[1]);
    // Both described at once, each on its own connection.
    std::future<SchemaSource> reading_b = std::async(std::launch::async, [&b] { return read_schema(b); });
    const SchemaSource in_a = read_schema(a);
    const SchemaSource in_b = reading_b.get();
    const std::vector<ObjectDifference> differences = compare_schemas(in_a.objects, in_b.objects);
    std::size_t only_a = 0, only_b = 0, different = 0;
    for (const auto& d : differences) {
        only_a += d.presence == Presence::only_in_a;
        only_b += d.presence == Presence::only_in_b;
        different += d.presence == Presence::different;
    }
    const int code = differences.empty() ? exit_code::kSuccess : exit_code::kVerification;
    if (options.json) {
        nlohmann::json list = nlohmann::json::array();
        for (const auto& d : differences) list.push_back(difference_json(d));
        auto side = [](Connection& db, const SchemaSource& s) {
            return nlohmann::json{{"database", db.database()}, {"where", db.describe()},
                                  {"server_version", s.server_version}, {"described_by", s.described_by},
                                  {"objects", s.objects.size()}};
        };
        std::cout << nlohmann::json{{"command", "diff"}, {"a", side(a, in_a)}, {"b", side(b, in_b)},
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
