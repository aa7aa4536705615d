// A test-only extension exercising the C++/PostgreSQL bridge (pg_call and
// PGM_FUNCTION) on every path: each C++ exception kind, PostgreSQL errors
// raised below live C++ objects, a second error after a caught one.
// Never installed for users' databases: only the test suite loads it.
#include <stdexcept>
#include <string>
#include <vector>

#include "../../extension/bridge/entry.hpp"

extern "C" {
#include "utils/builtins.h"

PG_MODULE_MAGIC;
}

namespace {

int destructor_runs = 0;

// Proves that C++ frames unwound: a longjmp across them would skip this.
struct CountsDestruction {
    ~CountsDestruction() { ++destructor_runs; }
};

// PG zone helpers.
void raise_pg_error(const char* message) {
    ereport(ERROR, (errcode(ERRCODE_CHECK_VIOLATION), errmsg("%s", message),
                    errdetail("detail from PostgreSQL"), errhint("hint from PostgreSQL"),
                    err_generic_string(PG_DIAG_CONSTRAINT_NAME, "the_constraint")));
}
const char* text_argument(FunctionCallInfo fcinfo) { return text_to_cstring(PG_GETARG_TEXT_PP(0)); }
Datum text_datum(const char* s) { return CStringGetTextDatum(s); }

}  // namespace

PGM_FUNCTION(bridge_throw) {
    using namespace pgm;
    const std::string kind = pg_call(text_argument, fcinfo);
    CountsDestruction counted;
    std::vector<std::string> owned(100, std::string(1000, 'x'));  // heap memory to unwind
    if (kind == "runtime") throw std::runtime_error("a runtime_error from C++");
    if (kind == "bad_alloc") throw std::bad_alloc();
    if (kind == "int") throw 42;
    if (kind == "user")
        throw UserError(ERRCODE_INVALID_PARAMETER_VALUE, "a user error", "its detail", "its hint",
                        "its context");
    if (kind == "pg") pg_call(raise_pg_error, static_cast<const char*>("an error from PostgreSQL"));
    if (kind == "second") {
        try {
            pg_call(raise_pg_error, static_cast<const char*>("first error"));
        } catch (const PgError&) {
            // The first error was copied and flushed: a second one raised from
            // another guard must come out alone, with its own fields.
            pg_call(raise_pg_error, static_cast<const char*>("second error after the first was caught"));
        }
    }
    return pg_call(text_datum, static_cast<const char*>("no error"));
}

PGM_FUNCTION(bridge_destructor_runs) {
    (void)fcinfo;
    return Int32GetDatum(destructor_runs);
}
