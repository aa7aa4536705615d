#include "fleet_runner.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
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

// What a process wrote on stderr (its first 1 kB), its lines joined by a
// space: libpq's and the server's messages run over several lines (ERROR,
// DETAIL, HINT; "Is the server running ...?").
std::string stderr_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::string text, line;
    while (text.size() < 1024 && std::getline(in, line)) {
        const auto first = line.find_first_not_of(" \t");
        if (first == std::string::npos) continue;
        line = line.substr(first);
        const std::string prefix = "pg_migrate: ";
        if (line.rfind(prefix, 0) == 0) line.erase(0, prefix.size());
        text += (text.empty() ? "" : " ") + line;
    }
    return text.substr(0, 1024);
}

// The environment of a child: ours, with DATABASE_URL set to its target (a
// password in a URL is not shown to other users by ps, as an argument would be).
std::vector<std::string> child_environment(const std::string& conninfo) {
    std::vector<std::string> env;
    for (char** e = environ; *e != nullptr; ++e)
        if (std::strncmp(*e, "DATABASE_URL=", 13) != 0) env.emplace_back(*e);
    env.push_back("DATABASE_URL=" + conninfo);
    return env;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
    std::vector<char*> out;
    for (auto& s : strings) out.push_back(s.data());
    out.push_back(nullptr);
    return out;
}

// This very program (/proc/self/exe), stdout to the report file, stderr beside it.
pid_t spawn_client(std::vector<std::string> args, const std::string& conninfo, const std::string& report_path) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, report_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                     0600);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, stderr_path(report_path).c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0600);
    std::vector<std::string> env = child_environment(conninfo);
    const std::vector<char*> argv = c_strings(args);
    const std::vector<char*> envp = c_strings(env);
    pid_t pid = 0;
    const int rc = posix_spawn(&pid, "/proc/self/exe", &actions, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    if (rc != 0) throw std::runtime_error(std::string("could not start a client process: ") + std::strerror(rc));
    return pid;
}

}  // namespace

FleetRunner::FleetRunner(int jobs) : jobs_(std::max(jobs, 1)) {
    std::string name = (std::filesystem::temp_directory_path() / "pg_migrate-fleet-XXXXXX").string();
    if (mkdtemp(name.data()) == nullptr)
        throw std::runtime_error("could not create a scratch directory in " +
                                 std::filesystem::temp_directory_path().string() + ": " + std::strerror(errno));
    scratch_ = name;
    // A SIGCHLD ignored by whoever started us would let the kernel reap the
    // children before waitpid could report them.
    std::signal(SIGCHLD, SIG_DFL);
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
    try {
        while (true) {
            while (running.size() < static_cast<std::size_t>(jobs_) && next < last && (!may_start || may_start())) {
                Child child{next, (scratch_ / (std::to_string(next) + ".json")).string(), Clock::now()};
                running.emplace(spawn_client(arguments(targets[next]), targets[next].conninfo, child.report_path),
                                child);
                ++next;
            }
            if (running.empty()) return;
            if (on_progress) on_progress(running.size());
            int status = 0;
            const pid_t pid = waitpid(-1, &status, 0);
            if (pid < 0) {
                if (errno == EINTR) continue;
                throw std::runtime_error(std::string("lost the client processes: ") + std::strerror(errno));
            }
            const auto it = running.find(pid);
            if (it == running.end()) continue;
            const Child child = it->second;
            running.erase(it);
            const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
            const long ms =
                static_cast<long>(std::chrono::duration<double, std::milli>(Clock::now() - child.start).count());
            FleetJobEnd end{child.index, code, child.report_path, ms, stderr_text(stderr_path(child.report_path))};
            std::error_code ignored;
            try {
                on_end(end);
            } catch (...) {
                std::filesystem::remove(child.report_path, ignored);
                std::filesystem::remove(stderr_path(child.report_path), ignored);
                throw;
            }
            std::filesystem::remove(child.report_path, ignored);
            std::filesystem::remove(stderr_path(child.report_path), ignored);
        }
    } catch (...) {
        // Start nothing more; let the databases under way finish (stopping a
        // migration half-way helps nobody), then report the error.
        for (const auto& [pid, child] : running) waitpid(pid, nullptr, 0);
        throw;
    }
}

std::vector<std::string> per_database_arguments(const std::string& command, const std::filesystem::path& dir) {
    return {"pg_migrate", command, "--json", "--dir", dir.string()};
}

std::string error_without_report(const FleetJobEnd& end) {
    if (!end.stderr_text.empty()) return end.stderr_text;
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
