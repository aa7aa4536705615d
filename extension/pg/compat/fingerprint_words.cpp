// See fingerprint_words.hpp.
#include "fingerprint_words.hpp"

#include <algorithm>
#include <cstring>
#include <iterator>

namespace pgm::pg {
namespace {

// Sorted (strcmp order): looked up by binary search.
constexpr const char* kAddedAfter15[] = {
    "absent",     "conditional",  "empty",      "enforced",       "error",       "format",
    "indent",     "json",         "json_array", "json_arrayagg",  "json_exists", "json_object",
    "json_objectagg", "json_query", "json_scalar", "json_serialize", "json_table", "json_value",
    "keep",       "keys",         "merge_action", "nested",       "objects",     "omit",
    "path",       "period",       "plan",       "quotes",         "scalar",      "source",
    "string",     "system_user",  "target",     "unconditional",  "virtual",
};

constexpr const char* kDroppedAfter15[] = {
    "recheck",
};

template <size_t N>
bool contains(const char* const (&words)[N], const char* word) {
    return std::binary_search(std::begin(words), std::end(words), word,
                              [](const char* a, const char* b) { return std::strcmp(a, b) < 0; });
}

}  // namespace

bool keyword_added_after_15(const char* word) { return word != nullptr && contains(kAddedAfter15, word); }

bool keyword_dropped_after_15(const char* word) { return word != nullptr && contains(kDroppedAfter15, word); }

}  // namespace pgm::pg
