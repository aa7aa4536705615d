// Include this header LAST in every pure C++ source file (extension/core, client).
// Core headers themselves do not include it: the extension's C++ zone includes
// them (before PostgreSQL's headers).
//
// PostgreSQL's headers define macros such as ERROR, WARNING, Max and printf that
// silently change the meaning of ordinary C++ code.  Pure C++ files must never
// see them, so a PostgreSQL header that leaks in becomes a compile error here.
#pragma once

#if defined(POSTGRES_H) || defined(POSTGRES_FE_H)
#error "PostgreSQL headers must not be included in a pure C++ file"
#endif
