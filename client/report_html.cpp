#include "report_html.hpp"

#include <cstdio>
#include <set>

#include "report_assets.hpp"
#include "../extension/core/version.hpp"
#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

using nlohmann::json;

std::string text(const json& value) {
    if (value.is_string()) return value.get<std::string>();
    if (value.is_number_integer()) return std::to_string(value.get<long long>());
    if (value.is_number()) return std::to_string(value.get<double>());
    if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
    return "";
}
std::string field(const json& object, const char* key) {
    return object.is_object() && object.contains(key) ? text(object[key]) : "";
}
std::string esc(const json& object, const char* key) { return html_escape(field(object, key)); }

// "2026-12-07T10:04:24.123+00:00" -> "2026-12-07 10:04:24+00:00"
std::string short_time(std::string t) {
    if (t.size() > 10 && t[10] == 'T') t[10] = ' ';
    const auto dot = t.find('.');
    if (dot != std::string::npos) {
        auto end = dot + 1;
        while (end < t.size() && t[end] >= '0' && t[end] <= '9') ++end;
        t.erase(dot, end - dot);
    }
    return t;
}

std::string took(const json& ms_value) {
    if (!ms_value.is_number()) return "";
    const double ms = ms_value.get<double>();
    char out[48];
    if (ms < 1000) std::snprintf(out, sizeof out, "%.0f ms", ms);
    else if (ms < 60000) std::snprintf(out, sizeof out, "%.1f s", ms / 1000);
    else std::snprintf(out, sizeof out, "%ld min %ld s", static_cast<long>(ms / 60000), static_cast<long>(ms / 1000) % 60);
    return out;
}

// "1 statement", "2 statements"; "1 change outside migrations"
std::string counted(long long n, const std::string& noun, const std::string& after = "") {
    return std::to_string(n) + " " + noun + (n == 1 ? "" : "s") + after;
}

std::string badge(const std::string& label, const std::string& cls) {
    return "<span class=\"badge " + html_escape(cls) + "\">" + html_escape(label) + "</span>";
}

// A count badge: green at zero when `zero_ok`, else coloured by `cls`.
std::string count_badge(int n, const std::string& noun, const std::string& after, const std::string& cls) {
    return badge(counted(n, noun, after), n == 0 ? "" : cls);
}

std::string percent_encode(std::string_view s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == ' ' || c == '=' || c == ':' || c == '/' || c == '.' || c == '-') {
            out += static_cast<char>(c);
        } else {
            char hex[4];
            std::snprintf(hex, sizeof hex, "%%%02X", c);
            out += hex;
        }
    }
    return out;
}

// ---------------------------------------------------------------- one database

using Objects = std::map<std::pair<std::string, long long>, std::vector<const json*>>;   // (version, statement)
using Statements = std::map<long long, std::vector<const json*>>;                        // ledger id

void write_statements(std::ostream& out, const json& row, const Statements& statements, const Objects& objects) {
    const auto found = statements.find(row.value("id", 0LL));
    if (found == statements.end()) return;
    const std::string version = field(row, "version");
    out << "<details><summary>" << counted(static_cast<long long>(found->second.size()), "statement")
        << " and the objects they touched</summary><ol class=\"statements\">";
    for (const json* s : found->second) {
        const long long number = s->value("statement", 0LL);
        out << "<li data-statement=\"" << number << "\"><span class=\"muted\">line " << esc(*s, "line") << ", "
            << esc(*s, "command") << "</span><pre>" << esc(*s, "sql") << "</pre>";
        const auto touched = objects.find({version, number});
        if (touched != objects.end()) {
            out << "<ul class=\"objects\">";
            for (const json* o : touched->second)
                out << "<li>" << esc(*o, "command") << " <b>" << esc(*o, "object_identity") << "</b> <span class=\"muted\">"
                    << esc(*o, "object_type") << (field(*o, "event") == "table_rewrite" ? ", rewritten" : "")
                    << "</span></li>";
            out << "</ul>";
        }
        out << "</li>";
    }
    out << "</ol></details>";
}

// The ledger's events, newest first.
void write_timeline(std::ostream& out, const json& data) {
    Statements statements;
    for (const auto& s : data["statements"]) statements[s.value("ledger_id", 0LL)].push_back(&s);
    Objects objects;
    for (const auto& o : data["objects"]) {
        const json& statement = o["statement"];  // NULL in a row not written by the triggers
        objects[{field(o, "version"), statement.is_number() ? statement.get<long long>() : 0}].push_back(&o);
    }
    // Versions whose newest event is a revert.
    std::map<std::string, std::string> newest;
    for (const auto& row : data["history"]) newest[field(row, "version")] = field(row, "status");

    const json& history = data["history"];
    out << "<h3>Timeline</h3>";
    if (history.empty()) {
        out << "<p class=\"muted\">No migration has been recorded.</p>";
        return;
    }
    out << "<ol class=\"timeline\">";
    for (auto it = history.rbegin(); it != history.rend(); ++it) {
        const json& row = *it;
        const std::string status = field(row, "status");
        out << "<li class=\"event-" << html_escape(status) << "\" data-version=\"" << esc(row, "version")
            << "\" data-status=\"" << html_escape(status) << "\"><div class=\"line1\"><span class=\"version\">"
            << esc(row, "version") << "</span> <span>" << esc(row, "name") << "</span> "
            << badge(status, status == "applied" ? "ok" : status == "reverted" ? "bad" : "");
        if (!field(row, "risk").empty() && field(row, "risk") != "safe")
            out << badge(field(row, "risk"), "risk-" + field(row, "risk"));
        if (row.value("out_of_order", false)) out << badge("out of order", "warn");
        if (status == "applied" && newest[field(row, "version")] == "reverted") out << badge("reverted later", "bad");
        if (!field(row, "adopted_from").empty()) out << badge("from " + field(row, "adopted_from"), "");
        out << "</div><div class=\"line2\">" << html_escape(short_time(field(row, "applied_at"))) << " by "
            << esc(row, "applied_by");
        if (!field(row, "application_name").empty()) out << " (" << esc(row, "application_name") << ")";
        if (row.contains("duration_ms") && row["duration_ms"].is_number())
            out << " &middot; took " << took(row["duration_ms"]);
        if (row.contains("statements") && row["statements"].is_number())
            out << " &middot; " << counted(row["statements"].get<long long>(), "statement");
        if (!field(row, "reason").empty()) out << " &middot; reason: " << esc(row, "reason");
        out << "</div>";
        write_statements(out, row, statements, objects);
        out << "</li>";
    }
    out << "</ol>";
}

void write_attention(std::ostream& out, const json& data) {
    for (const auto& v : data["versions"]) {
        const std::string state = field(v, "state");
        if (state == "failed") {
            const json& f = v["failure"];
            out << "<div class=\"attention failed\" data-version=\"" << esc(v, "version") << "\"><p><b>Migration "
                << esc(v, "version") << " " << esc(v, "name") << " failed</b> at statement " << esc(f, "statement");
            if (!field(f, "line").empty()) out << ", line " << esc(f, "line");
            out << " (" << esc(f, "source") << ", " << html_escape(short_time(field(f, "since")))
                << (field(f, "by").empty() ? "" : ", by " + esc(f, "by")) << ")</p><pre class=\"error\">"
                << esc(f, "error") << "</pre>";
            if (!field(f, "hint").empty()) out << "<p>Hint: " << esc(f, "hint") << "</p>";
            out << "</div>";
        } else if (state == "changed" || state == "missing") {
            out << "<div class=\"attention\" data-version=\"" << esc(v, "version") << "\"><p><b>Migration "
                << esc(v, "version") << " " << esc(v, "name") << (state == "changed" ? " was changed on disk" : " is missing from the directory")
                << "</b> after it was applied.</p></div>";
        }
    }
    for (const auto& p : data["in_progress"])
        if (p.value("last_error", json()).is_null())
            out << "<div class=\"attention warn\"><p><b>Migration " << esc(p, "version") << " is under way or stopped</b>: "
                << esc(p, "done") << " of " << esc(p, "statements") << " statements done, last at "
                << html_escape(short_time(field(p, "updated_at"))) << " by " << esc(p, "started_by") << ".</p></div>";
}

void write_not_applied(std::ostream& out, const json& data) {
    std::vector<const json*> rows;
    for (const auto& v : data["versions"])
        if (field(v, "state") != "applied" && field(v, "state") != "baseline") rows.push_back(&v);
    if (rows.empty()) return;
    out << "<h3>Not applied</h3><table class=\"cards versions\"><thead><tr><th>version</th><th>name</th><th>state</th>"
           "<th>file</th></tr></thead><tbody>";
    for (const json* v : rows)
        out << "<tr class=\"state-row-" << esc(*v, "state") << "\" data-version=\"" << esc(*v, "version")
            << "\"><td data-label=\"version\">" << esc(*v, "version") << "</td><td data-label=\"name\">"
            << esc(*v, "name") << "</td><td data-label=\"state\">" << badge(field(*v, "state"), "state-" + field(*v, "state"))
            << "</td><td data-label=\"file\">" << esc(*v, "file") << "</td></tr>";
    out << "</tbody></table>";
}

void write_out_of_band(std::ostream& out, const json& data) {
    out << "<h3>Changes outside migrations</h3>";
    if (data["out_of_band"].empty()) {
        out << "<p class=\"muted\">None since the last migration.</p>";
        return;
    }
    out << "<table class=\"cards out-of-band\"><thead><tr><th>object</th><th>changes</th><th>last</th><th>by</th>"
           "<th>statement</th></tr></thead><tbody>";
    for (const auto& o : data["out_of_band"])
        out << "<tr><td data-label=\"object\">" << esc(o, "object_type") << " <b>" << esc(o, "object_identity")
            << "</b></td><td data-label=\"changes\">" << esc(o, "changes") << "</td><td data-label=\"last\">"
            << esc(o, "last_command") << ", " << html_escape(short_time(field(o, "last_at"))) << "</td><td data-label=\"by\">"
            << esc(o, "roles") << "</td><td data-label=\"statement\"><pre>" << esc(o, "last_statement") << "</pre></td></tr>";
    out << "</tbody></table>";
}

void write_last_verify(std::ostream& out, const json& data) {
    out << "<h3>Last verify</h3>";
    const json& v = data["last_verify"];
    if (!v.is_object()) {
        out << "<p class=\"muted\">migrate_verify() has not run in this database.</p>";
        return;
    }
    const json failures = v.value("failures", json::array());
    out << "<p class=\"verify " << (failures.empty() ? "ok" : "failed") << "\">"
        << (failures.empty() ? badge("passed", "ok")
                            : badge(counted(static_cast<long long>(failures.size()), "problem"), "bad"))
        << " " << html_escape(short_time(field(v, "verified_at"))) << " by " << esc(v, "verified_by") << ", "
        << esc(v, "checks") << " checks</p>";
    if (failures.empty()) return;
    out << "<table class=\"cards verify-failures\"><thead><tr><th>check</th><th>object</th><th>detail</th></tr></thead><tbody>";
    for (const auto& f : failures)
        out << "<tr><td data-label=\"check\">" << esc(f, "check_name") << "</td><td data-label=\"object\">"
            << esc(f, "object") << "</td><td data-label=\"detail\">" << esc(f, "detail") << "</td></tr>";
    out << "</tbody></table>";
}

void write_part_heading(std::ostream& out, const std::string& id, const std::string& label,
                        const std::string& back_link, const std::string& attrs) {
    out << "<section class=\"database\" id=\"" << html_escape(id) << "\" data-database=\"" << html_escape(label)
        << "\"" << attrs << "><h2>" << html_escape(label) << "</h2>";
    if (!back_link.empty()) out << "<p class=\"no-print\"><a href=\"#" << html_escape(back_link) << "\">&uarr; the fleet</a></p>";
}

const char* const kStateMarks[][2] = {{"applied", "&#10003;"}, {"baseline", "&#10003;"}, {"pending", "&middot;"},
                                      {"failed", "&#10007;"},  {"changed", "&ne;"},      {"missing", "?"}};

std::string mark_of(const std::string& state) {
    for (const auto& m : kStateMarks)
        if (state == m[0]) return m[1];
    return html_escape(state.substr(0, 1));
}

}  // namespace

std::string html_escape(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (char c : s) {
        switch (c) {
            case '&': out += "&amp;"; break;
            case '<': out += "&lt;"; break;
            case '>': out += "&gt;"; break;
            case '"': out += "&quot;"; break;
            case '\'': out += "&#39;"; break;
            default: out += c;
        }
    }
    return out;
}

void write_page_start(std::ostream& out, const std::string& title, const std::string& subtitle) {
    out << "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
           "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
           "<meta name=\"generator\" content=\"pg_migrate report\"><title>"
        << html_escape(title) << "</title><link rel=\"icon\" href=\"data:image/svg+xml,"
        << percent_encode(report_assets::kLogoSvg) << "\"><style>" << report_assets::kStyle
        << "</style></head>\n<body><header class=\"page\">" << report_assets::kLogoSvg << "<h1>" << html_escape(title)
        << "</h1><span class=\"when\">" << html_escape(subtitle) << "</span></header><main>\n";
}

void write_page_end(std::ostream& out) {
    out << "</main><script>" << report_assets::kScript << "</script></body></html>\n";
}

void write_database_part(std::ostream& out, const json& data, const std::string& id, const std::string& label,
                         const std::string& back_link) {
    write_part_heading(out, id, label, back_link, " data-version=\"" + esc(data, "version") + "\"");
    const json& s = data["summary"];
    out << "<p class=\"muted\">" << esc(data, "server") << " &middot; PostgreSQL " << esc(data, "server_version")
        << " &middot; pg_migrate " << esc(data, "extension") << " &middot; at version <b>"
        << (field(data, "version").empty() ? "none" : esc(data, "version")) << "</b></p><div class=\"badges\">"
        << badge(std::to_string(s.value("applied", 0)) + " applied", "ok")
        << badge(std::to_string(s.value("pending", 0)) + " pending", s.value("pending", 0) ? "warn" : "")
        << badge(std::to_string(s.value("failed", 0)) + " failed", s.value("failed", 0) ? "bad" : "")
        << badge(std::to_string(s.value("changed", 0)) + " changed", s.value("changed", 0) ? "bad" : "")
        << badge(std::to_string(s.value("missing", 0)) + " missing", s.value("missing", 0) ? "bad" : "")
        << count_badge(s.value("out_of_band_changes", 0), "change", " outside migrations", "bad");
    if (s["verify_problems"].is_number()) out << count_badge(s["verify_problems"].get<int>(), "verify problem", "", "bad");
    out << "</div>";
    write_attention(out, data);
    write_not_applied(out, data);
    write_timeline(out, data);
    write_out_of_band(out, data);
    write_last_verify(out, data);
    out << "</section>\n";
}

void write_unreadable_part(std::ostream& out, const std::string& id, const std::string& label,
                           const std::string& error, const std::string& back_link) {
    write_part_heading(out, id, label, back_link, " data-unreadable=\"yes\"");
    out << "<div class=\"attention failed\"><p><b>This database could not be read.</b></p><pre class=\"error\">"
        << html_escape(error) << "</pre></div></section>\n";
}

bool MatrixRow::needs_attention() const {
    if (!error.empty() || out_of_band > 0 || verify_problems > 0) return true;
    for (const auto& [key, state] : states)
        if (state != "applied" && state != "baseline") return true;
    return false;
}

MatrixRow matrix_row(const json& data, const std::string& id, const std::string& label, MatrixColumns& columns) {
    MatrixRow row{id, label, "", field(data, "version"), {}, 0, 0};
    for (const auto& v : data["versions"]) {
        const std::string key = core::version_sort_key(field(v, "version"));
        columns.emplace(key, field(v, "version"));
        row.states[key] = field(v, "state");
    }
    const json& s = data["summary"];
    row.out_of_band = s.value("out_of_band_changes", 0);
    if (s["verify_problems"].is_number()) row.verify_problems = s["verify_problems"].get<int>();
    return row;
}

void write_fleet_matrix(std::ostream& out, const std::vector<MatrixRow>& rows, const MatrixColumns& columns) {
    std::size_t unreadable = 0, attention = 0, failed = 0, drift = 0, at_head = 0;
    for (const auto& r : rows) {
        unreadable += !r.error.empty();
        attention += r.needs_attention();
        drift += r.out_of_band > 0 || r.verify_problems > 0;
        bool any_failed = false, all_applied = r.error.empty();
        for (const auto& [key, state] : r.states) {
            any_failed = any_failed || state == "failed";
            all_applied = all_applied && (state == "applied" || state == "baseline");
        }
        failed += any_failed;
        at_head += all_applied;
    }
    out << "<section id=\"fleet\" class=\"fleet\"><h2>" << rows.size() << " databases</h2><div class=\"badges\">"
        << badge(std::to_string(at_head) + " at the head", "ok") << badge(std::to_string(failed) + " with a failed migration", failed ? "bad" : "")
        << badge(std::to_string(drift) + " with drift or verify problems", drift ? "bad" : "")
        << badge(std::to_string(unreadable) + " could not be read", unreadable ? "bad" : "") << "</div>"
        << "<div class=\"controls\"><label><input type=\"checkbox\" id=\"only-attention\"> only the "
        << attention << " that need attention</label><span><span id=\"shown-count\">" << rows.size()
        << "</span> shown</span><button type=\"button\" id=\"expand-all\">Expand all</button></div>"
        << "<p class=\"legend\">&#10003; applied &middot; &middot; pending &middot; &#10007; failed &middot; &ne; changed"
           " &middot; ? missing &middot; &#9888; changed outside migrations or failed verify</p>"
        << "<div class=\"scroll\"><table class=\"matrix\"><thead><tr><th class=\"db\">database</th><th>version</th>"
           "<th title=\"drift\">&#9888;</th>";
    for (const auto& [key, version] : columns) out << "<th class=\"v\">" << html_escape(version) << "</th>";
    out << "</tr></thead><tbody>\n";
    for (const auto& r : rows) {
        out << "<tr data-database=\"" << html_escape(r.label) << "\" data-attention=\""
            << (r.needs_attention() ? "yes" : "no") << "\"" << (r.error.empty() ? "" : " class=\"unreadable\"")
            << "><td class=\"db\"><a href=\"#" << html_escape(r.id) << "\">" << html_escape(r.label) << "</a></td>";
        if (!r.error.empty()) {
            out << "<td colspan=\"" << columns.size() + 2 << "\" class=\"error\">could not be read: "
                << html_escape(r.error.substr(0, 200)) << "</td></tr>\n";
            continue;
        }
        out << "<td class=\"ver\">" << html_escape(r.version.empty() ? "-" : r.version) << "</td><td>";
        if (r.out_of_band > 0 || r.verify_problems > 0)
            out << "<span class=\"badge bad drift\" title=\"" << counted(r.out_of_band, "change", " outside migrations")
                << ", " << counted(r.verify_problems, "verify problem") << "\">&#9888;</span>";
        out << "</td>";
        for (const auto& [key, version] : columns) {
            const auto it = r.states.find(key);
            const std::string state = it == r.states.end() ? "absent" : it->second;
            out << "<td class=\"cell state-" << html_escape(state) << "\" title=\"" << html_escape(version) << ": "
                << html_escape(state) << "\">" << (it == r.states.end() ? "" : mark_of(state)) << "</td>";
        }
        out << "</tr>\n";
    }
    out << "</tbody></table></div></section>\n";
}

}  // namespace pgm::client
