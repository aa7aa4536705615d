#include "backup.hpp"

#include <spawn.h>
#include <sys/wait.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "../extension/core/cpp_only.hpp"

extern char** environ;

namespace pgm::client {

void run_pg_dump(const std::string& target, const std::string& file) {
    std::vector<std::string> args = {"pg_dump", "--format=custom", "--file=" + file};
    if (!target.empty()) args.push_back("--dbname=" + target);
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);

    pid_t pid = 0;
    const int rc = posix_spawnp(&pid, "pg_dump", nullptr, nullptr, argv.data(), environ);
    if (rc != 0) throw std::runtime_error(std::string("could not run pg_dump: ") + std::strerror(rc));
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) throw std::runtime_error("could not wait for pg_dump");
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        throw std::runtime_error("pg_dump failed (exit status " +
                                 std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : -1) +
                                 "); nothing was applied");
}

}  // namespace pgm::client
