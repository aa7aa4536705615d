// The HTML report: one self-contained page (report_assets.hpp) with a part
// per database (drawn from report_data.hpp's document) and, for a fleet, a
// matrix of databases by version that links to each database's part.
#pragma once

#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace pgm::client {

std::string html_escape(std::string_view text);

void write_page_start(std::ostream& out, const std::string& title, const std::string& subtitle);
void write_page_end(std::ostream& out);

// One database's part: `id` is its anchor, `label` its name for people,
// `back_link` an anchor to link back to ("" for none).
void write_database_part(std::ostream& out, const nlohmann::json& data, const std::string& id,
                         const std::string& label, const std::string& back_link);
// The part of a database that could not be read.
void write_unreadable_part(std::ostream& out, const std::string& id, const std::string& label,
                           const std::string& error, const std::string& back_link);

// What the fleet matrix keeps of each database (not its whole document).
struct MatrixRow {
    std::string id, label;
    std::string error;                           // could not be read
    std::string version;                         // the highest applied
    std::map<std::string, std::string> states;   // version sort key -> state
    int out_of_band = 0;
    int verify_problems = 0;                     // of the last verify run
    bool needs_attention() const;
};
// A version column: its sort key and the version as written.
using MatrixColumns = std::map<std::string, std::string>;

// The row of the matrix for a database's document; adds its versions to `columns`.
MatrixRow matrix_row(const nlohmann::json& data, const std::string& id, const std::string& label,
                     MatrixColumns& columns);
void write_fleet_matrix(std::ostream& out, const std::vector<MatrixRow>& rows, const MatrixColumns& columns);

}  // namespace pgm::client
