// pg_migrate new NAME: create the next migration file in the directory's layout.
#include <algorithm>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "migration_writer.hpp"
#include <nlohmann/json.hpp>
#include "../extension/core/cpp_only.hpp"

namespace fs = std::filesystem;

namespace pgm::client {

int run_new(const CommonOptions& options, const std::string& raw_name) {
    std::string name = raw_name;
    std::replace(name.begin(), name.end(), ' ', '_');
    const bool ok = !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    });
    if (!ok) {
        std::cerr << "pg_migrate: a migration name may hold letters, digits, \"_\" and \"-\"\n";
        return exit_code::kUsage;
    }
    std::string layout;
    const std::vector<fs::path> created = write_next_migration(options.dir, {name, "", false, "", false}, &layout);
    if (options.json) {
        nlohmann::json files = nlohmann::json::array();
        for (const auto& f : created) files.push_back(f.string());
        std::cout << nlohmann::json{{"command", "new"}, {"ok", true}, {"layout", layout},
                                    {"files", files}, {"exit_code", 0}}.dump(2) << '\n';
    } else {
        for (const auto& f : created) std::cout << "created " << f.string() << '\n';
    }
    return exit_code::kSuccess;
}

}  // namespace pgm::client
