// libFuzzer target: a whole migration directory built from the input, through
// scan_directory and load_scripts.  The input is a list of entries separated
// by 0xFF bytes, each "<file name>\0<content>" (a '/' in the name makes a
// folder: Diesel and Prisma layouts).  Properties checked on every input:
//   - scanning never throws and never crashes, whatever the names and bytes;
//   - every migration it accepts has a valid version, versions are unique by
//     value and in natural order, and its checksum matches its file;
//   - nothing is accepted while a problem is reported.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <unistd.h>

#include "migration_dir.hpp"
#include "version.hpp"

namespace fs = std::filesystem;

namespace {

void require(bool condition) {
    if (!condition) std::abort();
}

// Names that stay inside the scratch directory and that the filesystem takes.
bool usable_name(const std::string& name) {
    if (name.empty() || name.size() > 120 || name.front() == '/' || name.back() == '/') return false;
    if (name.find("..") != std::string::npos || name.find("//") != std::string::npos) return false;
    for (unsigned char c : name)
        if (c == '\0' || c < 0x20) return false;
    return std::count(name.begin(), name.end(), '/') <= 1;
}

const fs::path& scratch() {
    static const fs::path dir = fs::temp_directory_path() / ("pgm_fuzz_dir_" + std::to_string(getpid()));
    return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string input(reinterpret_cast<const char*>(data), size);
    std::error_code ec;
    fs::remove_all(scratch(), ec);
    fs::create_directories(scratch());

    std::size_t start = 0;
    int entries = 0;
    while (start <= input.size() && entries < 16) {
        std::size_t end = input.find('\xff', start);
        if (end == std::string::npos) end = input.size();
        const std::string entry = input.substr(start, end - start);
        start = end + 1;
        const std::size_t nul = entry.find('\0');
        if (nul == std::string::npos) continue;
        const std::string name = entry.substr(0, nul);
        if (!usable_name(name)) continue;
        const fs::path file = scratch() / name;
        fs::create_directories(file.parent_path(), ec);
        if (ec || fs::is_directory(file)) continue;
        std::ofstream(file, std::ios::binary) << entry.substr(nul + 1);
        ++entries;
    }

    const pgm::client::ScanResult scan = pgm::client::scan_directory(scratch());
    if (!scan.problems.empty()) return 0;
    std::set<std::string> keys;
    std::string previous;
    for (const auto& m : scan.migrations) {
        require(!pgm::core::version_problem(m.version));
        const std::string key = pgm::core::version_sort_key(m.version);
        require(keys.insert(key).second);
        if (!m.repeatable) {
            require(previous.empty() || previous < key);
            previous = key;
        }
        try {
            (void)pgm::client::load_scripts(m);  // re-reads and re-checks the checksum
        } catch (const std::exception&) {
            std::abort();  // nothing changed between scan and load: it must load
        }
    }
    return 0;
}
