// Whether a view's recorded description and its live one differ only in how
// a major prints the view's query.
//
// pg_get_viewdef's text is not the same on every major (from 16 a column of
// a one-table query is no longer qualified with the table's name, and later
// majors may print other details differently), so a schema snapshot recorded
// before a pg_upgrade describes an unchanged view in other words.  The
// descriptions (schema_description.hpp: a first line, the query ending in
// ";", then the options) must agree outside the query; both queries are then
// compiled by this server, with the search_path the descriptions were made
// with, and printed again the same way: when they print the same, the view
// is the same.
//
// PG zone.  Runs in a subtransaction that is always rolled back; a query
// that no longer compiles (an object it names is gone) counts as changed.
#pragma once

#include "../bridge/pg_headers.hpp"

namespace pgm::pg {

// For a view or materialized view: true when the two descriptions differ
// only in how their query is printed.
bool same_view_reprinted(const char* recorded, const char* live);

}  // namespace pgm::pg
