// pg_migrate verify: migrate_verify() in the database, as a table or --json;
// exit code 3 when a check found a problem.
#include <iostream>

#include "commands.hpp"
#include "connection.hpp"
#include "exit_codes.hpp"
#include "ledger_view.hpp"
#include "report.hpp"
#include "terminal.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

// migrate_verify() exists from extension 0.4 on.
bool has_verify(const ExtensionState& state) {
    if (!state.installed) return false;
    const auto dot = state.installed_version.find('.');
    if (dot == std::string::npos) return false;
    const int major = std::stoi(state.installed_version.substr(0, dot));
    const int minor = std::stoi(state.installed_version.substr(dot + 1));
    return major > 0 || minor >= 4;
}

}  // namespace

int run_verify(const CommonOptions& options) {
    Terminal term(options.json);
    Connection db(resolve_target(options.target));
    const ExtensionState state = extension_state(db);
    if (!has_verify(state)) {
        const std::string message =
            state.installed ? "pg_migrate " + state.installed_version + " in database \"" + db.database() +
                                  "\" has no migrate_verify(); \"pg_migrate up\" updates it to " + state.default_version
                            : "pg_migrate is not installed in database \"" + db.database() +
                                  "\"; \"pg_migrate up\" installs it";
        if (options.json)
            std::cout << nlohmann::json{{"command", "verify"}, {"ok", false}, {"database", db.database()},
                                        {"error", {{"message", message}}}, {"exit_code", exit_code::kFailed}}
                             .dump(2)
                      << '\n';
        else
            std::cerr << term.red("pg_migrate: ") << message << '\n';
        return exit_code::kFailed;
    }

    Result r = db.exec("SELECT check_name, object, ok, detail FROM pg_catalog.migrate_verify()");
    int problems = 0;
    nlohmann::json checks = nlohmann::json::array();
    std::vector<std::vector<std::string>> table{{"check", "object", "ok", "detail"}};
    for (int i = 0; i < r.rows(); ++i) {
        const bool ok = r.get(i, 2) == "t";
        if (!ok) ++problems;
        checks.push_back({{"check_name", r.get(i, 0)},
                          {"object", r.is_null(i, 1) ? nlohmann::json() : nlohmann::json(r.get(i, 1))},
                          {"ok", ok},
                          {"detail", r.get_optional(i, 3).value_or("")}});
        table.push_back({r.get(i, 0), r.get_optional(i, 1).value_or(""), ok ? term.green("ok") : term.red("FAIL"),
                         r.get_optional(i, 3).value_or("")});
    }
    const int code = problems == 0 ? exit_code::kSuccess : exit_code::kVerification;
    if (options.json) {
        std::cout << nlohmann::json{{"command", "verify"}, {"ok", problems == 0}, {"database", db.database()},
                                    {"checks", checks}, {"problems", problems}, {"exit_code", code}}
                         .dump(2)
                  << '\n';
        return code;
    }
    std::cout << "Verifying " << db.describe() << '\n';
    print_table(table);
    if (problems == 0)
        std::cout << term.green("the database matches its ledger") << '\n';
    else
        std::cout << term.red(std::to_string(problems) + " problem" + (problems == 1 ? "" : "s") + " found") << '\n';
    return code;
}

}  // namespace pgm::client
