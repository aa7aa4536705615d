// The client's exit codes (documented in --help and README).
#pragma once

namespace pgm::client::exit_code {

constexpr int kSuccess = 0;
constexpr int kFailed = 1;          // a migration, the connection or the directory failed
constexpr int kUsage = 2;           // bad command line
constexpr int kVerification = 3;    // verification problems, or applied migrations missing on disk
constexpr int kChanged = 4;         // a file changed after its migration was applied

}  // namespace pgm::client::exit_code
