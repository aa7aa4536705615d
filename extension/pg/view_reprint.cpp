// PG zone: see view_reprint.hpp.
#include "view_reprint.hpp"

#include "subtransaction.hpp"

extern "C" {
#include "lib/stringinfo.h"
#include "nodes/parsenodes.h"
#include "parser/analyze.h"
#include "parser/parser.h"
#include "utils/guc.h"
#include "utils/ruleutils.h"
}

#include <cstring>

namespace pgm::pg {
namespace {

// A description split around its query: the first line, the query (without
// its ";"), and what follows the ";".
struct ViewParts {
    bool ok;
    const char* head;  // palloc'd
    const char* query;
    const char* tail;  // points into the description
};

ViewParts split_view(const char* description) {
    const char* newline = strchr(description, '\n');
    const char* semicolon = strrchr(description, ';');
    if (newline == nullptr || semicolon == nullptr || semicolon < newline) return ViewParts{false, "", "", ""};
    return ViewParts{true, pnstrdup(description, newline - description),
                     pnstrdup(newline + 1, semicolon - (newline + 1)), semicolon + 1};
}

struct Reprint {
    const char* recorded_query;
    const char* live_query;
    bool same;  // out
};

// The query compiled by this server and printed back; NULL when the text is
// not one query (nothing else is analysed, and nothing is ever run).
const char* reprinted(const char* query) {
    List* raw = raw_parser(query, RAW_PARSE_DEFAULT);
    if (list_length(raw) != 1 || !IsA(linitial_node(RawStmt, raw)->stmt, SelectStmt)) return nullptr;
    Query* analyzed = parse_analyze_fixedparams(linitial_node(RawStmt, raw), query, nullptr, 0, nullptr);
    return pg_get_querydef(analyzed, false);
}

void reprint_both(void* arg) {
    Reprint* r = static_cast<Reprint*>(arg);
    // As the descriptions were made: names outside pg_catalog are qualified.
    set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET, PGC_S_SESSION, GUC_ACTION_LOCAL, true, 0,
                      false);
    const char* was = reprinted(r->recorded_query);
    const char* now = reprinted(r->live_query);
    r->same = was != nullptr && now != nullptr && strcmp(was, now) == 0;
}

}  // namespace

bool same_view_reprinted(const char* recorded, const char* live) {
    const ViewParts was = split_view(recorded);
    const ViewParts now = split_view(live);
    if (!was.ok || !now.ok || strcmp(was.head, now.head) != 0 || strcmp(was.tail, now.tail) != 0) return false;
    Reprint r{was.query, now.query, false};
    // Rolled back: the locks analysis took and the GUC change go with it.
    ErrorData* error = run_in_subtransaction(reprint_both, &r, false);
    if (error == nullptr) return r.same;
    if (error_about_the_server(error)) ReThrowError(error);
    FreeErrorData(error);
    return false;
}

}  // namespace pgm::pg
