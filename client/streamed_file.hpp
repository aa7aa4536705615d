// A migration file too large to hold, read in pieces: one pass finds its
// sections, checks its UTF-8 and computes its up script's checksum; the up
// script is then sent to the server piece by piece (migrate_apply_stream), so
// the client's memory stays a few megabytes whatever the file's size.
//
// Pure C++ (POSIX reads), unit-tested.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "migration_source.hpp"

namespace pgm::client {

// Files from this size on are streamed (when the server has 0.16).
inline constexpr std::uintmax_t kStreamedFileBytes = 8 * 1024 * 1024;

struct StreamedFile {
    std::size_t up_begin = 0;  // the up script: bytes [up_begin, up_end) of the file
    std::size_t up_end = 0;
    int up_first_line = 1;
    bool sections = false;
    bool no_transaction = false;
    bool pulled = false;  // "-- migrate:pulled": sent whole
    std::set<std::string> allow;
    std::string checksum;  // of the up script, as migrate_apply computes it
    std::optional<std::string> down;
    std::optional<std::string> verify;
};

// Throws std::runtime_error naming the file when it cannot be read or is
// not UTF-8 (with the line and byte offset), std::invalid_argument for
// malformed sections (as parse_migration_source).
StreamedFile scan_streamed_file(const std::filesystem::path& file);

// Calls `piece` with bytes [begin, end) of the file, about a megabyte at a
// time; throws std::runtime_error when the file cannot be read or is shorter.
void read_file_range(const std::filesystem::path& file, std::size_t begin, std::size_t end,
                     const std::function<void(std::string_view)>& piece);

}  // namespace pgm::client
