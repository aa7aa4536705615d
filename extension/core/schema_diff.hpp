// How an object's definition changed, in words a person reads in a
// migrate_verify() row.
//
// Pure C++.  Definitions are the canonical texts of schema_description.hpp:
// one fact per line for a table, a whole body for a function.
#pragma once

#include <string>

namespace pgm::core {

// The lines that went and the lines that came ("was: ...; now: ..."), each
// with its whitespace collapsed and cut to a readable length, at most a few
// lines a side.
std::string describe_definition_change(const std::string& recorded, const std::string& live);
// The same for any two sides, named by their labels ("A: ...; B: ...").
std::string describe_definition_difference(const std::string& first, const std::string& second,
                                           const std::string& first_label, const std::string& second_label);

// A definition shortened for a message: whitespace collapsed, cut after
// `max_bytes` bytes (never inside a UTF-8 character) with "...".
std::string definition_excerpt(const std::string& definition, std::size_t max_bytes);

}  // namespace pgm::core
