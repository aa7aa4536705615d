// migrate.submissions: migrations handed to the server's runner
// (migrate_submit), read and written only from here.  PG zone; every query
// runs as the ledger owner (see ledger.hpp).
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

// The first key of the advisory lock (key1, submission id) a runner holds
// for the whole of its run: "pgmr".  Whether it is held says whether a runner
// is at work on the submission, whatever became of earlier ones.
constexpr int32 kRunnerLockKey = 0x70676d72;

// The columns migrate_submit and migrate_wait return, in their order.
constexpr int kSubmissionColumns = 13;

struct SubmissionState {
    bool found;
    int32 id;
    const char* checksum;
    const char* status;        // queued, running, applied, skipped, failed
    bool runner_at_work;       // a runner holds the submission's lock
    double seconds_queued;     // since it was (last) submitted
    // The runner's concurrent index build waits for this backend's
    // transaction: it took this statement's snapshot in the moment before
    // let_index_builds_pass() marked it, and waits until it ends.
    bool runner_waits_for_caller;
};
// Read with a fresh snapshot.
SubmissionState* find_submission(const char* key, int key_len);

struct SubmissionText {
    const char* version;
    const char* name;
    const char* script;
    const char* checksum;
    const char* down;
    const char* verify;
    bool out_of_order;
    Datum allow;  // text[], or 0 for NULL
    bool in_transaction;
    const char* submitted_by;
};
// Queues the migration (anew when it was submitted before: the outcome of
// the earlier run is cleared).  Returns the submission's id.
int32 queue_submission(const char* key, int key_len, const SubmissionText* text);

// Whether migrate.submissions exists (0.13 on) and has a submission queued
// or running (read with a fresh snapshot).
bool submissions_under_way();

// The submission as migrate_submit and migrate_wait return it: kSubmissionColumns
// text cells (NULL for NULL).
const char** submission_cells(const char* key, int key_len);

}  // namespace pgm::pg
