#include "migration_dir.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "../extension/core/checksum.hpp"
#include "../extension/core/version.hpp"
#include "migration_source.hpp"
#include "../extension/core/cpp_only.hpp"

namespace fs = std::filesystem;

namespace pgm::client {
namespace {

bool all_digits(std::string_view s) {
    return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

// One open, one fstat, one read: ifstream's setup cost showed when reading a
// thousand small files on every run.
std::string read_file(const fs::path& file) {
    const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(errno));
    }
    std::string content(static_cast<std::size_t>(st.st_size), '\0');
    std::size_t done = 0;
    while (done < content.size()) {
        const ssize_t n = ::read(fd, content.data() + done, content.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            throw std::runtime_error("cannot read " + file.string() + ": " + std::strerror(err));
        }
        if (n == 0) break;  // the file shrank while we read it
        done += static_cast<std::size_t>(n);
    }
    content.resize(done);
    ::close(fd);
    // A UTF-8 byte-order mark (Windows editors write one) is not SQL: psql
    // skips it at the start of a file, and so does pg_migrate.
    if (content.compare(0, 3, "\xEF\xBB\xBF") == 0) content.erase(0, 3);
    return content;
}

namespace {

// A name of the form <digits>_<name> (or <digits> alone): the version and name.
bool split_numbered(std::string_view stem, std::string* version, std::string* name) {
    const std::size_t underscore = stem.find('_');
    const std::string_view digits = stem.substr(0, underscore);
    if (!all_digits(digits)) return false;
    *version = std::string(digits);
    *name = underscore == std::string_view::npos ? std::string() : std::string(stem.substr(underscore + 1));
    return true;
}

// One file name classified.
struct Candidate {
    Layout layout;
    enum Role { Up, Down, Repeatable } role;
    std::string version;
    std::string name;
    fs::path file;
};

std::optional<Candidate> classify_file(const fs::path& file) {
    const std::string filename = file.filename().string();
    if (!ends_with(filename, ".sql")) return std::nullopt;
    const std::string_view stem = std::string_view(filename).substr(0, filename.size() - 4);
    Candidate c{Layout::Plain, Candidate::Up, {}, {}, file};

    // Flyway: V<version>__<name>, U<version>__<name>, R__<name>.
    if (stem.size() > 3 && (stem[0] == 'V' || stem[0] == 'U' || stem[0] == 'R')) {
        const std::size_t sep = stem.find("__");
        if (sep != std::string_view::npos) {
            const std::string_view ver = stem.substr(1, sep - 1);
            c.layout = Layout::Flyway;
            c.name = std::string(stem.substr(sep + 2));
            if (stem[0] == 'R' && ver.empty()) {
                c.role = Candidate::Repeatable;
                c.version = "R__" + c.name;
                return c;
            }
            // Flyway accepts '.' or '_' between version parts: V1_1 is 1.1.
            std::string version(ver);
            std::replace(version.begin(), version.end(), '_', '.');
            bool ok = !version.empty() && version.front() != '.' && version.back() != '.';
            for (char ch : version) ok = ok && ((ch >= '0' && ch <= '9') || ch == '.');
            if (ok && stem[0] != 'R') {
                c.role = stem[0] == 'V' ? Candidate::Up : Candidate::Down;
                c.version = version;
                return c;
            }
        }
    }
    // golang-migrate: <version>_<name>.up.sql / .down.sql
    for (const auto& [suffix, role] : {std::pair<std::string_view, Candidate::Role>{".up", Candidate::Up},
                                       {".down", Candidate::Down}}) {
        if (ends_with(stem, suffix) &&
            split_numbered(stem.substr(0, stem.size() - suffix.size()), &c.version, &c.name)) {
            c.layout = Layout::GolangMigrate;
            c.role = role;
            return c;
        }
    }
    if (split_numbered(stem, &c.version, &c.name)) return c;  // plain / dbmate
    return std::nullopt;
}

// Diesel's metadata.toml: `run_in_transaction = false` at the top level.
bool diesel_runs_outside_transaction(const fs::path& folder) {
    const fs::path meta = folder / "metadata.toml";
    if (!fs::exists(meta)) return false;
    std::istringstream in(read_file(meta));
    std::string line;
    while (std::getline(in, line)) {
        std::string compact;
        for (char ch : line) {
            if (ch == '#') break;
            if (ch != ' ' && ch != '\t' && ch != '\r') compact.push_back(ch);
        }
        if (compact == "run_in_transaction=false") return true;
    }
    return false;
}

std::vector<Candidate> classify_folder(const fs::path& folder, std::vector<Problem>* problems) {
    const std::string name = folder.filename().string();
    const std::size_t underscore = name.find('_');
    std::string prefix = name.substr(0, underscore);
    const std::string rest = underscore == std::string::npos ? std::string() : name.substr(underscore + 1);
    if (fs::exists(folder / "up.sql")) {
        prefix.erase(std::remove(prefix.begin(), prefix.end(), '-'), prefix.end());
        if (!all_digits(prefix)) {
            problems->push_back({folder, "a Diesel migration folder must start with a timestamp such as "
                                         "2017-08-31-230457_"});
            return {};
        }
        std::vector<Candidate> out{{Layout::Diesel, Candidate::Up, prefix, rest, folder / "up.sql"}};
        if (fs::exists(folder / "down.sql"))
            out.push_back({Layout::Diesel, Candidate::Down, prefix, rest, folder / "down.sql"});
        return out;
    }
    if (fs::exists(folder / "migration.sql")) {
        if (!all_digits(prefix)) {
            problems->push_back({folder, "a Prisma migration folder must start with a timestamp"});
            return {};
        }
        return {{Layout::Prisma, Candidate::Up, prefix, rest, folder / "migration.sql"}};
    }
    // A folder of .sql files that is neither Diesel's nor Prisma's.
    for (const auto& entry : fs::directory_iterator(folder))
        if (entry.is_regular_file() && ends_with(entry.path().filename().string(), ".sql")) {
            problems->push_back({entry.path(), "a .sql file in a folder that is not a Diesel (up.sql) "
                                               "or Prisma (migration.sql) migration"});
            break;
        }
    return {};
}

// Why `text` cannot be sent as a script, or nothing: PostgreSQL's text holds
// no NUL byte, and migrations are UTF-8.  Says where, as a line and an offset.
std::optional<std::string> encoding_problem(const std::string& text) {
    std::size_t bad = 0;
    if (is_valid_utf8(text, &bad)) return std::nullopt;
    const auto line = 1 + std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n');
    return std::string(text[bad] == '\0' ? "contains a NUL byte" : "not valid UTF-8") + " at line " +
           std::to_string(line) + " (byte offset " + std::to_string(bad) + ")";
}

// Reads one migration's up script as it will be applied: checks UTF-8 and
// emptiness, parses sections, computes the checksum.
// The same for a file too large to hold: read in pieces (streamed_file.hpp).
void inspect_streamed_up(Migration* m, std::vector<Problem>* problems) {
    try {
        auto streamed = std::make_shared<StreamedFile>(scan_streamed_file(m->up_file));
        m->sections = streamed->sections;
        m->no_transaction = m->no_transaction || streamed->no_transaction;
        m->has_down = m->has_down || streamed->down.has_value();
        m->checksum = streamed->checksum;
        m->streamed = std::move(streamed);
    } catch (const std::invalid_argument& e) {
        problems->push_back({m->up_file, e.what()});
    } catch (const std::exception& e) {
        std::string message = e.what();
        const std::string prefix = m->up_file.string() + ": ";
        if (message.compare(0, prefix.size(), prefix) == 0) message.erase(0, prefix.size());
        problems->push_back({m->up_file, message});
    }
}

void inspect_up(Migration* m, std::vector<Problem>* problems) {
    std::error_code size_error;
    m->size = fs::file_size(m->up_file, size_error);
    if (!size_error && m->size >= kStreamedFileBytes) return inspect_streamed_up(m, problems);
    std::string text;
    try {
        text = read_file(m->up_file);
    } catch (const std::exception& e) {
        problems->push_back({m->up_file, e.what()});
        return;
    }
    m->size = text.size();
    if (auto problem = encoding_problem(text)) {
        problems->push_back({m->up_file, *problem});
        return;
    }
    const std::size_t file_size = text.size();
    MigrationSource source;
    try {
        source = parse_migration_source(std::move(text));
    } catch (const std::invalid_argument& e) {
        problems->push_back({m->up_file, e.what()});
        return;
    }
    // A migration without statements (empty, or a placeholder of comments
    // that keeps version numbers dense) is not refused: the server records it
    // as a no-op and says so.
    m->sections = source.up.size() != file_size;
    m->no_transaction = m->no_transaction || source.no_transaction;
    m->has_down = m->has_down || source.down.has_value();
    m->checksum = core::script_checksum(source.up);
}

void check_down(Migration* m, std::vector<Problem>* problems) {
    if (!m->down_file) return;
    try {
        const std::string text = read_file(*m->down_file);
        if (auto problem = encoding_problem(text)) problems->push_back({*m->down_file, *problem});
        // An empty down file is common (golang-migrate writes one for every
        // migration): it means "no down script", not an error.
        m->has_down = !is_blank(text);
    } catch (const std::exception& e) {
        problems->push_back({*m->down_file, e.what()});
    }
}

// Reads and checks every migration's files.  Files are independent, so the
// work is spread over the machine's cores (a thousand files is most of a
// no-op run); problems are reported in migration order whatever the timing.
void inspect_all(ScanResult* result) {
    std::vector<Migration>& all = result->migrations;
    std::vector<std::vector<Problem>> problems(all.size());
    auto work = [&](std::size_t first, std::size_t step) {
        for (std::size_t i = first; i < all.size(); i += step) {
            inspect_up(&all[i], &problems[i]);
            if (!all[i].repeatable) check_down(&all[i], &problems[i]);
        }
    };
    const std::size_t threads =
        all.size() < 64 ? 1 : std::max<std::size_t>(1, std::min(4u, std::thread::hardware_concurrency()));
    std::vector<std::thread> pool;
    for (std::size_t t = 1; t < threads; ++t) pool.emplace_back(work, t, threads);
    work(0, threads);
    for (auto& th : pool) th.join();
    for (auto& list : problems)
        for (auto& p : list) result->problems.push_back(std::move(p));
}

const char* const kUnfitMessage =
    "the name fits no migration layout (expected e.g. 001_name.sql, 001_name.up.sql, V1__name.sql)";

// A .sql file beside the folders of a Diesel or Prisma directory is not one
// of its migrations (those live in the folders), and Diesel itself ignores
// it: a real Diesel history keeps a data file there.  It is listed, not
// refused.  Anywhere else (file layouts, no migrations, mixed layouts) a
// .sql name that fits no pattern is most likely a typo in a migration's
// name, and stays an error.
void settle_loose_files(const std::vector<fs::path>& loose, const std::set<Layout>& layouts,
                        ScanResult* result) {
    const bool folder_layout =
        layouts.size() == 1 && (*layouts.begin() == Layout::Diesel || *layouts.begin() == Layout::Prisma);
    for (const fs::path& file : loose) {
        if (folder_layout) result->ignored.push_back(file);
        else result->problems.push_back({file, kUnfitMessage});
    }
}

}  // namespace

const char* layout_name(Layout layout) {
    switch (layout) {
        case Layout::Empty: return "empty";
        case Layout::Plain: return "plain";
        case Layout::GolangMigrate: return "golang-migrate";
        case Layout::Flyway: return "flyway";
        case Layout::Diesel: return "diesel";
        case Layout::Prisma: return "prisma";
    }
    return "unknown";
}

ScanResult scan_directory(const fs::path& dir) {
    ScanResult result;
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
        result.problems.push_back({dir, "not a directory"});
        return result;
    }
    std::vector<Candidate> candidates;
    std::vector<fs::path> loose;  // top-level .sql files that fit no file layout
    std::vector<fs::directory_entry> entries;
    for (const auto& entry : fs::directory_iterator(dir, ec)) entries.push_back(entry);
    if (ec) result.problems.push_back({dir, "cannot list: " + ec.message()});
    std::sort(entries.begin(), entries.end());
    for (const fs::directory_entry& entry : entries) {
        const fs::path& path = entry.path();
        std::error_code type_ec;
        if (entry.is_directory(type_ec)) {  // the type the listing gave: no extra stat per file
            for (auto& c : classify_folder(path, &result.problems)) candidates.push_back(std::move(c));
            continue;
        }
        if (!ends_with(path.filename().string(), ".sql")) continue;  // README.md, .gitkeep, ...
        if (auto c = classify_file(path)) candidates.push_back(std::move(*c));
        else if (entry.is_regular_file(type_ec)) loose.push_back(path);  // decided once the layout is known
        else result.problems.push_back({path, kUnfitMessage});
    }

    std::set<Layout> layouts;
    for (const auto& c : candidates) layouts.insert(c.layout);
    settle_loose_files(loose, layouts, &result);
    if (layouts.size() > 1) {
        std::string names;
        for (Layout l : layouts) names += std::string(names.empty() ? "" : ", ") + layout_name(l);
        result.problems.push_back({dir, "the directory mixes migration layouts: " + names});
    }
    if (layouts.size() == 1) result.layout = *layouts.begin();

    // Group by version: an up (or repeatable) and optionally a down.
    std::map<std::string, Migration> by_key;           // version sort key -> migration
    std::map<std::string, fs::path> up_owner, down_owner;
    std::vector<Migration> repeatables;
    for (const auto& c : candidates) {
        if (auto problem = core::version_problem(c.version)) {
            result.problems.push_back({c.file, "invalid version \"" + c.version + "\": " + *problem});
            continue;
        }
        if (c.role == Candidate::Repeatable) {
            Migration m;
            m.version = c.version;
            m.name = c.name;
            m.up_file = c.file;
            m.repeatable = true;
            repeatables.push_back(std::move(m));
            continue;
        }
        const std::string key = core::version_sort_key(c.version);
        auto& owners = c.role == Candidate::Up ? up_owner : down_owner;
        if (auto it = owners.find(key); it != owners.end()) {
            result.problems.push_back({c.file, "version " + c.version + " is also used by " + it->second.string()});
            continue;
        }
        owners[key] = c.file;
        Migration& m = by_key[key];
        if (c.role == Candidate::Up) {
            m.version = c.version;
            m.name = c.name;
            m.up_file = c.file;
            if (c.layout == Layout::Diesel)
                m.no_transaction = diesel_runs_outside_transaction(c.file.parent_path());
        } else {
            m.down_file = c.file;
            if (m.version.empty()) m.version = c.version;
        }
    }
    for (auto& [key, m] : by_key) {
        if (m.up_file.empty()) {
            result.problems.push_back({*m.down_file, "a down script without its up script"});
            continue;
        }
        result.migrations.push_back(std::move(m));
    }
    std::sort(repeatables.begin(), repeatables.end(),
              [](const Migration& a, const Migration& b) { return a.name < b.name; });
    for (auto& m : repeatables) result.migrations.push_back(std::move(m));
    inspect_all(&result);
    return result;
}

MigrationScripts load_scripts(const Migration& migration, bool whole) {
    if (migration.streamed && !whole) {  // the server checks the checksum of what it is sent
        MigrationScripts scripts;
        scripts.streamed = migration.streamed;
        scripts.up_first_line = migration.streamed->up_first_line;
        scripts.allow = migration.streamed->allow;
        scripts.verify = migration.streamed->verify;
        if (migration.down_file) {
            std::string down = read_file(*migration.down_file);
            if (!is_blank(down)) scripts.down = std::move(down);
        } else {
            scripts.down = migration.streamed->down;
        }
        return scripts;
    }
    MigrationSource source = parse_migration_source(read_file(migration.up_file));
    if (core::script_checksum(source.up) != migration.checksum)
        throw std::runtime_error(migration.up_file.string() + " changed while pg_migrate was running");
    MigrationScripts scripts;
    scripts.up = std::move(source.up);
    scripts.up_first_line = source.up_first_line;
    scripts.allow = std::move(source.allow);
    scripts.verify = std::move(source.verify);
    if (migration.down_file) {
        std::string down = read_file(*migration.down_file);
        if (!is_blank(down)) scripts.down = std::move(down);
    } else {
        scripts.down = std::move(source.down);
    }
    return scripts;
}

}  // namespace pgm::client
