// The one way PostgreSQL's headers enter a C++ translation unit.
//
// Standard headers come first: PostgreSQL's port.h redefines printf and friends
// and elog.h defines ERROR/WARNING/... as macros, which would otherwise change
// the meaning of code inside <string> or <vector>.  Files that include this
// header are "PG zone" or "bridge" files; pure C++ files include
// core/cpp_only.hpp instead and can never see these macros.
#pragma once

#include <csetjmp>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

extern "C" {
#include "postgres.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "utils/elog.h"
#include "utils/memutils.h"
}
