#include "script.hpp"

#include "../pg/fmgr_io.hpp"

namespace pgm {
namespace {

[[noreturn]] void refuse_meta_command(const std::string& label, const std::string& script, const ErrorData* edata,
                                      const char* command) {
    const pg::ScriptLocation* where =
        pg_call(pg::locate_script_position, script.c_str(), edata->cursorpos);
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

}  // namespace

pg::ParsedScript* parse_script(const std::string& label, const std::string& script, bool classify) {
    int error_position = 0;
    try {
        return pg_call(classify ? pg::parse_and_classify_script : pg::parse_script, script.c_str(),
                       &error_position);
    } catch (const PgError& e) {
        if (error_position > 0) e.edata()->cursorpos = error_position;
        const char* meta = nullptr;
        try {
            meta = pg_call(pg::meta_command_at_error, const_cast<const ErrorData*>(e.edata()),
                           script.c_str());
        } catch (const PgError&) {
        }
        if (meta != nullptr) refuse_meta_command(label, script, e.edata(), meta);
        int statement = 0;
        int line = 0;
        try {
            if (e.edata()->cursorpos > 0) {
                const pg::ScriptLocation* where =
                    pg_call(pg::locate_script_position, script.c_str(), e.edata()->cursorpos);
                statement = where->statement;
                line = where->line;
            }
            pg_call(pg::annotate_script_error, e.edata(), label.c_str(),
                    script.c_str());
        } catch (const PgError&) {
            // Locating the error failed: report the original error unchanged.
        }
        throw ScriptParseError(e.edata(), statement, line);
    }
}

}  // namespace pgm
