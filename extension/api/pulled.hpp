// Pulled migrations (core/recorded_ddl.hpp): which statements of a migration
// marked "-- migrate:pulled" already ran in this database outside
// migrations, so that migrate_apply records them instead of running them.
#pragma once

#include <string>
#include <vector>

#include "../pg/out_of_band_ddl.hpp"
#include "../pg/script_parser.hpp"
#include "rules.hpp"

namespace pgm {

// Indexed from range.first: the recorded statement each one matches, or NULL
// (all NULL, and empty, for a script that is not pulled).
class AlreadyRun {
public:
    bool any() const { return any_; }
    // For pg::ExecutionRequest::already_run: NULL when none.
    const pg::RecordedStatement* const* table() const { return any_ ? matches_.data() : nullptr; }
    // How many statements from the start of the range already ran.
    int leading() const;

private:
    friend AlreadyRun statements_already_run(const std::string&, const pg::ParsedScript&, StatementRange);
    std::vector<const pg::RecordedStatement*> matches_;
    bool any_ = false;
};

AlreadyRun statements_already_run(const std::string& script, const pg::ParsedScript& parsed, StatementRange range);

}  // namespace pgm
