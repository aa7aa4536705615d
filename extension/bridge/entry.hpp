// Every SQL-callable function of the extension enters C++ through here.
//
//   PGM_FUNCTION(migrate_apply)
//   {
//       ... C++ body with access to `fcinfo`, returns Datum ...
//   }
//
// expands to the extern "C" V1 entry point that PostgreSQL calls and a C++
// implementation function.  The entry point catches every C++ exception,
// leaves the catch block, and only then raises the PostgreSQL error:
//  - PgError (a PostgreSQL error caught by pg_call) is re-thrown unchanged;
//  - UserError becomes an ereport with its SQLSTATE, message, detail and hint;
//  - std::bad_alloc becomes "out of memory" (53200);
//  - anything else becomes an internal error (XX000) naming the function.
// No C++ exception ever reaches PostgreSQL, and no longjmp starts inside a
// catch handler.
#pragma once

#include "pg_call.hpp"

namespace pgm {

// An error the extension reports to the user from C++ code.
struct UserError : std::exception {
    UserError(int sqlstate, std::string message, std::string detail = {},
              std::string hint = {}, std::string context = {})
        : sqlstate(sqlstate),
          message(std::move(message)),
          detail(std::move(detail)),
          hint(std::move(hint)),
          context(std::move(context)) {}
    const char* what() const noexcept override { return message.c_str(); }

    int sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
    std::string context;
};

using CppFunction = Datum (*)(FunctionCallInfo);

Datum run_cpp_function(CppFunction impl, FunctionCallInfo fcinfo, const char* sql_name);

}  // namespace pgm

#define PGM_FUNCTION(name)                                                     \
    static Datum name##_impl(FunctionCallInfo fcinfo);                         \
    extern "C" {                                                               \
    PG_FUNCTION_INFO_V1(name);                                                 \
    }                                                                          \
    extern "C" PGDLLEXPORT Datum name(PG_FUNCTION_ARGS) {                      \
        return ::pgm::run_cpp_function(name##_impl, fcinfo, #name);            \
    }                                                                          \
    static Datum name##_impl(FunctionCallInfo fcinfo)
