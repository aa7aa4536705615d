#include "script.hpp"

#include "../pg/fmgr_io.hpp"

namespace pgm {
namespace {

[[noreturn]] void refuse_meta_command(const std::string& label, const char* script, const ErrorData* edata,
                                      const char* command, const pg::ScriptOrigin* origin) {
    pg::ScriptLocation* where = pg_call(pg::locate_script_position, script, edata->cursorpos);
    pg_call(pg::move_location, where, origin);
    std::string shown(command);
    if (shown.size() > 80) shown = shown.substr(0, 77) + "...";
    throw MetaCommandError(UserError(ERRCODE_SYNTAX_ERROR,
                                     "psql meta-command \"" + shown + "\" is not supported in a migration",
                                     "Backslash commands are interpreted by psql; pg_migrate sends the script "
                                     "to the server, which only understands SQL.",
                                     "Remove the meta-command from the migration, or write it as SQL.",
                                     label + ", statement " + std::to_string(where->statement) + ", line " +
                                         std::to_string(where->line)),
                           where->statement, where->line);
}

pg::ParsedScript* parse_with_origin(const std::string& label, const char* script, bool classify,
                                    const pg::ScriptOrigin* origin) {
    int error_position = 0;
    try {
        return pg_call(classify ? pg::parse_and_classify_script : pg::parse_script, script, &error_position);
    } catch (const PgError& e) {
        if (error_position > 0) e.edata()->cursorpos = error_position;
        const char* meta = nullptr;
        try {
            meta = pg_call(pg::meta_command_at_error, const_cast<const ErrorData*>(e.edata()), script);
        } catch (const PgError&) {
        }
        if (meta != nullptr) refuse_meta_command(label, script, e.edata(), meta, origin);
        int statement = 0;
        int line = 0;
        try {
            if (e.edata()->cursorpos > 0) {
                pg::ScriptLocation* where = pg_call(pg::locate_script_position, script, e.edata()->cursorpos);
                pg_call(pg::move_location, where, origin);
                statement = where->statement;
                line = where->line;
            }
            pg_call(pg::annotate_script_error, e.edata(), label.c_str(), script, origin);
        } catch (const PgError&) {
            // Locating the error failed: report the original error unchanged.
        }
        throw ScriptParseError(e.edata(), statement, line);
    }
}

}  // namespace

pg::ParsedScript* parse_script(const std::string& label, const std::string& script, bool classify) {
    return parse_with_origin(label, script.c_str(), classify, nullptr);
}

pg::ParsedScript* parse_script_piece(const std::string& label, const char* piece, const pg::ScriptOrigin& origin) {
    return parse_with_origin(label, piece, true, &origin);
}

}  // namespace pgm
