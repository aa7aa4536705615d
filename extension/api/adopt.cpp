// migrate_adopt(source, history, known) -> rows (source, version, name,
//                                                status, applied_at, applied_by, note)
//
// Imports the history another migration tool left in the database (Flyway,
// golang-migrate, dbmate, Prisma, Supabase, sqitch, goose, sql-migrate, a
// hand-made schema_migrations), without
// running anything and without touching the other tool's table: each version
// it applied becomes an "adopted" ledger row (its original time and user
// where the tool kept them), a Flyway baseline a "baseline", an undone one
// "reverted".  Refused when the history says a migration stopped half-way
// (golang-migrate's dirty flag, a Prisma migration that never finished); a
// failed row that left nothing behind (Flyway, sqitch) is reported and left
// pending.  `known` (version -> checksum of the file on disk, from the
// client) gives the adopted rows their checksums, so later edits of the
// files are noticed; golang-migrate, which keeps only its current version,
// then gets one row per file up to it.  Running it again adopts nothing twice.
// C++ zone.
#include <algorithm>
#include <map>
#include <vector>

#include "../core/ledger_status.hpp"
#include "../core/version.hpp"
#include "../pg/adopt_sources.hpp"
#include "../pg/fmgr_io.hpp"
#include "../pg/ledger.hpp"
#include "../pg/schema_snapshot.hpp"
#include "errors.hpp"
#include "rules.hpp"

namespace pgm {
namespace {

constexpr const char* kTools[] = {"flyway", "golang-migrate", "dbmate", "schema_migrations",
                                  "prisma", "supabase", "sqitch", "goose", "sql-migrate"};

struct KnownFile {
    std::string version;  // as spelled on disk
    std::string checksum;
};

struct AdoptArguments {
    std::optional<std::string> source;
    Oid history = InvalidOid;
    std::map<std::string, KnownFile> known;  // by version sort key
};

AdoptArguments read_arguments(FunctionCallInfo fcinfo) {
    AdoptArguments args;
    args.source = optional_text_arg(fcinfo, 0);
    if (args.source && std::none_of(std::begin(kTools), std::end(kTools),
                                    [&](const char* t) { return *args.source == t; }))
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, "unknown migration tool \"" + *args.source + "\"",
                        "pg_migrate adopts the history of: flyway, golang-migrate, dbmate (and Rails), "
                        "schema_migrations (hand-made), prisma, supabase, sqitch, goose, sql-migrate.");
    if (!pg_call(pg::arg_is_null, fcinfo, 1)) args.history = DatumGetObjectId(pg_call(pg::datum_arg, fcinfo, 1));
    if (!pg_call(pg::arg_is_null, fcinfo, 2)) {
        const pg::TextPairs* pairs = pg_call(pg::jsonb_text_pairs_of, pg_call(pg::datum_arg, fcinfo, 2),
                                             static_cast<const char*>("known"));
        for (int i = 0; i < pairs->count; ++i) {
            validate_version(pairs->keys[i]);
            if (pairs->values[i] != nullptr)
                args.known[core::version_sort_key(pairs->keys[i])] = {pairs->keys[i], pairs->values[i]};
        }
    }
    return args;
}

const pg::HistoryTable& choose_history(const AdoptArguments& args) {
    const pg::HistoryTables* found = pg_call(pg::find_history_tables, c_str_or_null(args.source), args.history);
    if (found->count == 1) return found->tables[0];
    if (found->count == 0)
        throw UserError(sqlstate::kCannotAdopt, "no migration history of another tool was found",
                        args.history != InvalidOid
                            ? "The table given as history does not look like one of their history tables."
                            : "Looked for flyway_schema_history, golang-migrate's, dbmate's and hand-made "
                              "schema_migrations, _prisma_migrations, supabase_migrations.schema_migrations, "
                              "sqitch.changes, goose_db_version and gorp_migrations (sql-migrate)" + (args.source ? " of " + *args.source : std::string()) + ".",
                        "Name the table with history => 'schema.table' and the tool with source => '...'.");
    std::string list;
    for (int i = 0; i < found->count; ++i)
        list += (i ? ", " : "") + std::string(found->tables[i].tool) + " (" + found->tables[i].name + ")";
    throw UserError(sqlstate::kCannotAdopt, "found " + std::to_string(found->count) + " migration histories",
                    "Found: " + list + ".",
                    "Choose one with source => '<tool>' or history => '<schema.table>'.");
}

// One source row on its way into the ledger.
struct Entry {
    std::optional<std::string> version;
    std::optional<std::string> name;
    std::string status;
    std::optional<std::string> applied_at;
    std::optional<std::string> applied_by;
    std::string note;
    std::string key;  // empty when the version is missing or not valid
};

[[noreturn]] void refuse_half_applied(const pg::HistoryTable& table, const Entry& e) {
    if (std::string(table.tool) == "golang-migrate")
        throw UserError(sqlstate::kCannotAdopt,
                        "cannot adopt golang-migrate's history: version " + *e.version + " is dirty",
                        "golang-migrate marks a version dirty when its migration failed part-way: the schema may "
                        "hold some of its statements and not others, and nothing records which.",
                        "Check the schema by hand and finish or undo migration " + *e.version +
                            ", then run \"migrate force " + *e.version + "\" (or the version before it) "
                            "and adopt again.");
    throw UserError(sqlstate::kCannotAdopt,
                    "cannot adopt Prisma's history: migration " + *e.version +
                        (e.name ? "_" + *e.name : std::string()) + " never finished",
                    "_prisma_migrations has no finished_at for it: it failed or is still running, and may have "
                    "applied part of its statements.",
                    "Check the schema, then run \"prisma migrate resolve --applied\" or \"--rolled-back\" for it "
                    "and adopt again.");
}

std::vector<Entry> read_entries(const pg::HistoryTable& table, const AdoptArguments& args) {
    const pg::HistoryRows* rows = pg_call(pg::read_history, &table);
    std::vector<Entry> entries;
    for (int i = 0; i < rows->count; ++i) {
        const pg::HistoryRow& r = rows->rows[i];
        Entry e{optional_text(r.version), optional_text(r.name), r.status, optional_text(r.applied_at), optional_text(r.applied_by),
                r.note ? r.note : "", {}};
        if (e.status == "dirty" || (e.status == "failed" && std::string(table.tool) == "prisma"))
            refuse_half_applied(table, e);
        if (e.version) {
            if (auto problem = core::version_problem(*e.version)) {
                e.note = "not a version pg_migrate accepts (" + *problem + "): " + e.note;
                e.status = "skipped";
            } else {
                e.key = core::version_sort_key(*e.version);
            }
        }
        entries.push_back(std::move(e));
    }
    // golang-migrate keeps only its current version: with the files known,
    // each file up to it is adopted; without them, the version is a baseline.
    if (std::string(table.tool) == "golang-migrate" && entries.size() == 1 && !entries[0].key.empty() &&
        !args.known.empty()) {
        const Entry current = entries[0];
        entries.clear();
        for (const auto& [key, file] : args.known) {
            if (key > current.key) break;
            entries.push_back({file.version, std::nullopt, "adopted", std::nullopt, std::nullopt,
                               "at or below golang-migrate's current version " + *current.version, key});
        }
        if (args.known.count(current.key) == 0) entries.push_back(current);
    }
    // Tools that keep no order are imported in version order.
    const std::string tool = table.tool;
    if (tool == "dbmate" || tool == "supabase")
        std::stable_sort(entries.begin(), entries.end(),
                         [](const Entry& a, const Entry& b) { return a.key < b.key; });
    // Only the newest event of each version is imported (Flyway may have
    // applied, undone and applied one again).
    std::map<std::string, std::size_t> newest;
    for (std::size_t i = 0; i < entries.size(); ++i) {
        const Entry& e = entries[i];
        if (e.key.empty() || e.status == "failed" || e.status == "skipped") continue;
        if (auto it = newest.find(e.key); it != newest.end()) {
            entries[it->second].status = "skipped";
            entries[it->second].note = "superseded by a later row of version " + *e.version;
        }
        newest[e.key] = i;
    }
    return entries;
}

// Writes `e` to the ledger, or says why not (sets e.status and e.note).
void adopt_entry(Entry& e, const pg::HistoryTable& table, const AdoptArguments& args,
                 const pg::SessionFacts& facts) {
    if (e.key.empty() || e.status == "failed" || e.status == "skipped") return;
    const auto file = args.known.find(e.key);
    const pg::LedgerRow* existing = find_version(e.key);
    core::LedgerRowFields row = session_row(facts);
    row.format = 2;
    row.adopted_from = std::string(table.tool);
    if (existing->found && core::status_counts_as_applied(existing->status) == core::status_counts_as_applied(e.status)) {
        // Already adopted: give it the file's checksum if it had none.
        if (std::string(existing->status) == "adopted" && existing->checksum == nullptr &&
            file != args.known.end()) {
            row.version = existing->version;
            row.name = e.name;
            row.status = "adopted";
            row.checksum = file->second.checksum;
            row.reason = "checksum of " + file->second.version + " recorded from its file";
            append_ledger_row(row, e.key);
            e.note = *row.reason;
            return;
        }
        e.status = "skipped";
        e.note = "already in the ledger (" + std::string(existing->status) + ")";
        return;
    }
    row.version = file != args.known.end() ? file->second.version : *e.version;
    e.version = row.version;
    row.name = e.name;
    row.status = e.status;
    if (e.status == "adopted" && file != args.known.end()) row.checksum = file->second.checksum;
    if (e.applied_at) row.applied_at_us = pg_call(pg::timestamptz_from_text, e.applied_at->c_str());
    if (e.applied_by) row.applied_by = *e.applied_by;
    row.reason = "adopted from " + std::string(table.name) + ": " + e.note;
    append_ledger_row(row, e.key);
}

}  // namespace
}  // namespace pgm

PGM_FUNCTION(migrate_adopt) {
    using namespace pgm;
    const AdoptArguments args = read_arguments(fcinfo);
    pg_call(pg::lock_ledger);
    pg_call(pg::check_ledger_snapshot);
    const pg::HistoryTable& table = choose_history(args);
    std::vector<Entry> entries = read_entries(table, args);

    const pg::SessionFacts* facts = pg_call(pg::session_facts);
    int adopted = 0;
    std::string failed;
    for (auto& e : entries) {
        adopt_entry(e, table, args, *facts);
        if (e.status == "failed") failed += (failed.empty() ? "" : ", ") + e.version.value_or(e.name.value_or("?"));
        else if (e.status != "skipped") ++adopted;
    }
    // The schema as the other tool left it is what the ledger now stands for.
    if (adopted > 0 && !pg_call(pg::schema_snapshot_taken)) {
        const std::string why = std::string("adopted from ") + table.tool;
        pg_call(pg::record_whole_schema_as, static_cast<const char*>(nullptr), why.c_str());
    }
    if (!failed.empty()) {
        const std::string message = std::string(table.tool) + " recorded failed migrations; they were not adopted";
        const std::string detail = "Failed: " + failed + ". They are not recorded as applied: a later migration run applies them.";
        pg_call(pg::report_notice, message.c_str(), detail.c_str());
    }

    std::vector<std::optional<std::string>> cells;
    for (const auto& e : entries) {
        cells.insert(cells.end(), {std::string(table.tool), e.version, e.name, e.status, e.applied_at,
                                   e.applied_by, e.note});
    }
    rows_result(fcinfo, cells, static_cast<int>(entries.size()));
    return Datum(0);
}
