// migrate.progress: non-transactional migrations under way.  PG zone; every
// query runs as the ledger owner (see ledger.hpp).
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

struct ProgressRow {
    bool found;
    const char* version;
    const char* checksum;
    int statements;
    int done;
    int64 started_at;  // TimestampTz
    const char* last_error;
    const char* risk;  // as assessed when it started (0.8 on), or NULL
};

ProgressRow* find_progress(const char* key, int key_len);

// `risk` is kept when migrate.progress has the column (0.8 on).
void start_progress(const char* key, int key_len, const char* version, const char* name,
                    const char* checksum, int statements, const char* started_by, const char* risk);

// Records statement `statement` as done; it must be the next one.  Returns
// false when it is not (the row says another statement is next).
bool advance_progress(const char* key, int key_len, int statement);

void record_progress_error(const char* key, int key_len, const char* error);

void delete_progress(const char* key, int key_len);

}  // namespace pgm::pg
