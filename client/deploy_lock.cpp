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

bool release_deploy_lock(Connection& db) {
    // Asked first: pg_advisory_unlock warns when the session does not hold it.
    const std::string key = kDeployLockKey;
    Result r = db.exec(
        "SELECT CASE WHEN EXISTS (SELECT FROM pg_catalog.pg_locks WHERE locktype OPERATOR(pg_catalog.=) 'advisory' "
        "AND granted AND pid OPERATOR(pg_catalog.=) pg_catalog.pg_backend_pid() "
        "AND classid OPERATOR(pg_catalog.=) (" + key + " OPERATOR(pg_catalog.>>) 32)::pg_catalog.oid "
        "AND objid OPERATOR(pg_catalog.=) (" + key + " OPERATOR(pg_catalog.&) 4294967295)::pg_catalog.oid "
        "AND objsubid OPERATOR(pg_catalog.=) 1) THEN pg_catalog.pg_advisory_unlock(" + key + ") ELSE false END");
    return r.get(0, 0) == "t";
}

}  // namespace pgm::client
