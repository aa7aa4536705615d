#include "deploy_lock.hpp"

#include <thread>

#include "../extension/core/cpp_only.hpp"

namespace pgm::client {

bool acquire_deploy_lock(Connection& db, std::chrono::seconds timeout,
                         const std::function<void(const std::string& holder)>& waiting) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    auto pause = std::chrono::milliseconds(20);
    bool told = false;
    for (;;) {
        Result r = db.exec(std::string("SELECT pg_catalog.pg_try_advisory_lock(") + kDeployLockKey + ")");
        if (r.get(0, 0) == "t") return true;
        if (!told) {
            Result holder = db.exec(
                "SELECT coalesce(pg_catalog.string_agg(pid::text, ', '), '?') FROM pg_catalog.pg_locks "
                "WHERE locktype OPERATOR(pg_catalog.=) 'advisory' AND granted "
                "AND objid OPERATOR(pg_catalog.=) (" + std::string(kDeployLockKey) +
                " OPERATOR(pg_catalog.&) 4294967295)::pg_catalog.oid");
            waiting(holder.get(0, 0));
            told = true;
        }
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(500));
    }
}

void release_deploy_lock(Connection& db) {
    db.exec(std::string("SELECT pg_catalog.pg_advisory_unlock(") + kDeployLockKey + ")");
}

}  // namespace pgm::client
