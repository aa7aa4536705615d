#include "ledger_status.hpp"

#include <gtest/gtest.h>

using pgm::core::status_counts_as_applied;

TEST(LedgerStatus, WhatCountsAsApplied) {
    for (const char* s : {"applied", "baseline", "repaired", "adopted"})
        EXPECT_TRUE(status_counts_as_applied(s)) << s;
    for (const char* s : {"reverted", "", "Applied", "dry_run", "skipped"})
        EXPECT_FALSE(status_counts_as_applied(s)) << s;
}
