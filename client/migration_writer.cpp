#include "migration_writer.hpp"

#include <ctime>
#include <fstream>
#include <stdexcept>

#include "migration_dir.hpp"
#include "migration_source.hpp"
#include "../extension/core/version.hpp"
#include "../extension/core/cpp_only.hpp"

namespace fs = std::filesystem;

namespace pgm::client {
namespace {

bool is_timestamp(const std::string& v) { return v.size() >= 12; }

const Migration* highest_of(const std::vector<Migration>& migrations) {
    const Migration* highest = nullptr;
    for (const auto& m : migrations)
        if (!m.repeatable && (!highest || core::compare_versions(m.version, highest->version) > 0)) highest = &m;
    return highest;
}

// Now in UTC, or a second after the highest timestamp version when that is
// not earlier (two migrations written in one second stay in order).
std::time_t next_time(const Migration* highest) {
    std::time_t t = std::time(nullptr);
    if (highest && is_timestamp(highest->version) && highest->version.size() >= 14) {
        std::tm tm{};
        const std::string& v = highest->version;
        tm.tm_year = std::stoi(v.substr(0, 4)) - 1900;
        tm.tm_mon = std::stoi(v.substr(4, 2)) - 1;
        tm.tm_mday = std::stoi(v.substr(6, 2));
        tm.tm_hour = std::stoi(v.substr(8, 2));
        tm.tm_min = std::stoi(v.substr(10, 2));
        tm.tm_sec = std::stoi(v.substr(12, 2));
        const std::time_t last = timegm(&tm);
        if (last >= t) t = last + 1;
    }
    return t;
}

std::string utc(std::time_t t, const char* format) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, format, &tm);
    return buf;
}

// The next numbered version after the highest one, keeping its zero padding
// ("009" -> "010"); timestamps when the directory uses them or is empty.
std::string next_number(const std::vector<Migration>& migrations) {
    const Migration* highest = highest_of(migrations);
    if (highest == nullptr || is_timestamp(highest->version)) return utc(next_time(highest), "%Y%m%d%H%M%S");
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

std::string allowing(const NewMigration& m) { return m.allow.empty() ? "" : "-- migrate:allow " + m.allow + "\n"; }

// A plain file's sections in the markers the directory already uses.
std::string sectioned(std::string_view markers, const NewMigration& m) {
    // goose and sql-migrate files take no pg_migrate directive: up --allow.
    const std::string allow = m.allow.empty() ? "" : "-- run with pg_migrate up --allow " + m.allow + "\n";
    if (markers == "goose")
        return std::string(m.no_transaction ? "-- +goose NO TRANSACTION\n" : "") + "-- +goose Up\n" + allow + m.up +
               "\n-- +goose Down\n\n";
    if (markers == "sql-migrate")
        return std::string("-- +migrate Up") + (m.no_transaction ? " notransaction" : "") + "\n" + allow + m.up +
               "\n-- +migrate Down\n\n";
    return std::string("-- migrate:up") + (m.no_transaction ? " transaction:false" : "") + "\n" + allowing(m) + m.up +
           "\n-- migrate:down\n\n";
}

// A one-file-per-direction layout's up script: the header, pg_migrate's own
// directive when it runs outside a transaction, the script.
std::string single(const NewMigration& m) {
    return "-- " + m.name + "\n" + (m.no_transaction ? "-- migrate:no-transaction\n" : "") + allowing(m) + m.up;
}

}  // namespace

std::vector<fs::path> write_next_migration(const fs::path& dir, const NewMigration& m, std::string* layout) {
    fs::create_directories(dir);
    const ScanResult scan = scan_directory(dir);
    if (layout) *layout = layout_name(scan.layout == Layout::Empty ? Layout::Plain : scan.layout);
    const bool template_only = m.up.empty();
    std::vector<fs::path> created;
    switch (scan.layout) {
        case Layout::Empty:
        case Layout::Plain: {
            const fs::path file = dir / (next_number(scan.migrations) + "_" + m.name + ".sql");
            // The newest migration's markers: a goose or sql-migrate history stays one.
            const std::string_view markers = scan.migrations.empty() || m.dbmate_sections
                                                 ? ""
                                                 : section_markers_of(read_file(scan.migrations.back().up_file));
            write_new(file, template_only ? sectioned(markers, {m.name, "\n", m.no_transaction, "", false}) : sectioned(markers, m));
            created.push_back(file);
            break;
        }
        case Layout::GolangMigrate: {
            const std::string base = next_number(scan.migrations) + "_" + m.name;
            created = {dir / (base + ".up.sql"), dir / (base + ".down.sql")};
            write_new(created[0], single(m));
            write_new(created[1], "-- " + m.name + "\n");
            break;
        }
        case Layout::Flyway: {
            std::string v = next_number(scan.migrations);
            v.erase(0, std::min(v.find_first_not_of('0'), v.size() - 1));  // Flyway writes V7, not V007
            created = {dir / ("V" + v + "__" + m.name + ".sql")};
            write_new(created[0], single(m));
            break;
        }
        case Layout::Diesel: {
            const Migration* highest = highest_of(scan.migrations);
            const fs::path folder = dir / (utc(next_time(highest), "%Y-%m-%d-%H%M%S") + "_" + m.name);
            created = {folder / "up.sql", folder / "down.sql"};
            write_new(created[0], "-- " + m.name + "\n" + allowing(m) + m.up);
            write_new(created[1], "-- " + m.name + "\n");
            if (m.no_transaction) {  // Diesel's own way to say it
                created.push_back(folder / "metadata.toml");
                write_new(created.back(), "run_in_transaction = false\n");
            }
            break;
        }
        case Layout::Prisma: {
            created = {dir / (utc(next_time(highest_of(scan.migrations)), "%Y%m%d%H%M%S") + "_" + m.name) /
                       "migration.sql"};
            write_new(created[0], single(m));
            break;
        }
    }
    return created;
}

}  // namespace pgm::client
