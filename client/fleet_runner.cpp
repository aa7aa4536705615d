#include "fleet_runner.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "../extension/core/cpp_only.hpp"

extern char** environ;

namespace pgm::client {
namespace {

using Clock = std::chrono::steady_clock;

struct Child {
    std::size_t index;
    std::string report_path;
    Clock::time_point start;
};

std::string stderr_path(const std::string& report_path) { return report_path + ".err"; }

// The last non-empty line of a file (at most its last 4 kB), without the
// program's "pg_migrate: " prefix.
std::string last_line(const std::string& path) {
    std::ifstream in(path, std::ios::binary | std::ios::ate);
    if (!in) return "";
    const std::streamoff size = in.tellg();
    const std::streamoff from = std::max<std::streamoff>(0, size - 4096);
    in.seekg(from);
    std::string text(static_cast<std::size_t>(size - from), '\0');
    in.read(text.data(), static_cast<std::streamsize>(text.size()));
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    std::string line = text.substr(text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1);
    const std::string prefix = "pg_migrate: ";
    if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
    return line;
}

// This very program (/proc/self/exe), stdout to the report file, stderr beside it.
pid_t spawn_client(const std::vector<std::string>& args, const std::string& report_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, report_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path(report_path).c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error(std::string("could not start a client process: ") + std::strerror(rc));
    return pid;
}

}  // namespace

FleetRunner::FleetRunner(int jobs) : jobs_(std::max(jobs, 1)) {
    scratch_ = std::filesystem::temp_directory_path() / ("pg_migrate-fleet-" + std::to_string(getpid()));
    std::filesystem::create_directories(scratch_);
    std::filesystem::permissions(scratch_, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
}

FleetRunner::~FleetRunner() {
    std::error_code ignored;
    std::filesystem::remove_all(scratch_, ignored);
}

void FleetRunner::run(const std::vector<FleetTarget>& targets, std::size_t first, std::size_t last,
                      const Arguments& arguments, const OnEnd& on_end, const OnProgress& on_progress,
                      const MayStart& may_start) {
    std::size_t next = first;
    std::map<pid_t, Child> running;
    while (true) {
        while (running.size() < static_cast<std::size_t>(jobs_) && next < last && (!may_start || may_start())) {
            Child child{next, (scratch_ / (std::to_string(next) + ".json")).string(), Clock::now()};
            running.emplace(spawn_client(arguments(targets[next]), child.report_path), child);
            ++next;
        }
        if (running.empty()) return;
        if (on_progress) on_progress(running.size());
        int status = 0;
        const pid_t pid = waitpid(-1, &status, 0);
        if (pid < 0) continue;
        const auto it = running.find(pid);
        if (it == running.end()) continue;
        const Child child = it->second;
        running.erase(it);
        const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        const long ms =
            static_cast<long>(std::chrono::duration<double, std::milli>(Clock::now() - child.start).count());
        on_end({child.index, code, child.report_path, ms, last_line(stderr_path(child.report_path))});
        std::error_code ignored;
        std::filesystem::remove(child.report_path, ignored);
        std::filesystem::remove(stderr_path(child.report_path), ignored);
    }
}

std::vector<std::string> per_database_arguments(const std::string& command, const std::string& conninfo,
                                                const std::filesystem::path& dir) {
    return {"pg_migrate", command, "--json", "-d", conninfo, "--dir", dir.string()};
}

std::string error_without_report(const FleetJobEnd& end) {
    if (!end.stderr_tail.empty()) return end.stderr_tail;
    return "the client exited with code " + std::to_string(end.exit_code) + " without a report";
}

nlohmann::json read_report(const std::string& path) {
    std::ifstream in(path);
    return nlohmann::json::parse(in, nullptr, false);
}

std::string elapsed_since(Clock::time_point start) {
    char text[32];
    std::snprintf(text, sizeof text, "%.1fs", std::chrono::duration<double>(Clock::now() - start).count());
    return text;
}

}  // namespace pgm::client
