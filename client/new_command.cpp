// pg_migrate new NAME: create the next migration file in the directory's layout.
#include <algorithm>
#include <ctime>
#include <fstream>
#include <iostream>

#include "commands.hpp"
#include "exit_codes.hpp"
#include "migration_dir.hpp"
#include "migration_source.hpp"
#include <nlohmann/json.hpp>
#include "../extension/core/version.hpp"
#include "../extension/core/cpp_only.hpp"

namespace fs = std::filesystem;

namespace pgm::client {
namespace {

std::string utc_timestamp(const char* format) {
    std::time_t now = std::time(nullptr);
    std::tm tm{};
    gmtime_r(&now, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

bool is_timestamp(const std::string& v) { return v.size() >= 12; }

// The next numbered version after the highest one, keeping its zero padding
// ("009" -> "010"); timestamps when the directory uses them or is empty.
std::string next_number(const std::vector<Migration>& migrations) {
    const Migration* highest = nullptr;
    for (const auto& m : migrations)
        if (!m.repeatable && (!highest || core::compare_versions(m.version, highest->version) > 0)) highest = &m;
    if (highest == nullptr || is_timestamp(highest->version)) return utc_timestamp("%Y%m%d%H%M%S");
    const std::string& v = highest->version;
    std::string digits;
    for (char c : v) {
        if (c < '0' || c > '9') break;
        digits.push_back(c);
    }
    const std::string next = std::to_string(std::stoull(digits.empty() ? "0" : digits) + 1);
    return std::string(digits.size() > next.size() ? digits.size() - next.size() : 0, '0') + next;
}

void write_new(const fs::path& file, const std::string& content) {
    if (fs::exists(file)) throw std::runtime_error(file.string() + " already exists");
    fs::create_directories(file.parent_path());
    std::ofstream out(file, std::ios::binary);
    out << content;
    if (!out) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace

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
    fs::create_directories(options.dir);
    const ScanResult scan = scan_directory(options.dir);
    std::vector<fs::path> created;
    const std::string header = "-- " + name + "\n";
    switch (scan.layout) {
        case Layout::Empty:
        case Layout::Plain: {
            const fs::path file = options.dir / (next_number(scan.migrations) + "_" + name + ".sql");
            // The newest migration's markers: a goose or sql-migrate history stays one.
            const std::string_view markers =
                scan.migrations.empty() ? "" : section_markers_of(read_file(scan.migrations.back().up_file));
            if (markers == "goose") write_new(file, "-- +goose Up\n\n\n-- +goose Down\n\n");
            else if (markers == "sql-migrate") write_new(file, "-- +migrate Up\n\n\n-- +migrate Down\n\n");
            else write_new(file, "-- migrate:up\n\n\n-- migrate:down\n\n");
            created.push_back(file);
            break;
        }
        case Layout::GolangMigrate: {
            const std::string base = next_number(scan.migrations) + "_" + name;
            created = {options.dir / (base + ".up.sql"), options.dir / (base + ".down.sql")};
            write_new(created[0], header);
            write_new(created[1], header);
            break;
        }
        case Layout::Flyway: {
            std::string v = next_number(scan.migrations);
            v.erase(0, std::min(v.find_first_not_of('0'), v.size() - 1));  // Flyway writes V7, not V007
            created = {options.dir / ("V" + v + "__" + name + ".sql")};
            write_new(created[0], header);
            break;
        }
        case Layout::Diesel: {
            const fs::path folder = options.dir / (utc_timestamp("%Y-%m-%d-%H%M%S") + "_" + name);
            created = {folder / "up.sql", folder / "down.sql"};
            write_new(created[0], header);
            write_new(created[1], header);
            break;
        }
        case Layout::Prisma: {
            created = {options.dir / (utc_timestamp("%Y%m%d%H%M%S") + "_" + name) / "migration.sql"};
            write_new(created[0], header);
            break;
        }
    }
    if (options.json) {
        nlohmann::json files = nlohmann::json::array();
        for (const auto& f : created) files.push_back(f.string());
        std::cout << nlohmann::json{{"command", "new"}, {"ok", true}, {"layout", layout_name(scan.layout == Layout::Empty ? Layout::Plain : scan.layout)},
                                    {"files", files}, {"exit_code", 0}}.dump(2) << '\n';
    } else {
        for (const auto& f : created) std::cout << "created " << f.string() << '\n';
    }
    return exit_code::kSuccess;
}

}  // namespace pgm::client
