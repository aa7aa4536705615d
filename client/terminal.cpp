#include "terminal.hpp"

#include <unistd.h>

#include <cstdlib>

#include "../extension/core/cpp_only.hpp"

namespace pgm::client {

Terminal::Terminal(bool json_output)
    : colour_(!json_output && isatty(STDOUT_FILENO) && std::getenv("NO_COLOR") == nullptr),
      progress_(!json_output && isatty(STDERR_FILENO)) {}

std::string Terminal::paint(const char* code, const std::string& s) const {
    if (!colour_) return s;
    return std::string("\033[") + code + "m" + s + "\033[0m";
}

void Terminal::progress(const std::string& line) {
    if (!progress_) return;
    std::fprintf(stderr, "\r\033[K%s", line.c_str());
    std::fflush(stderr);
    progress_shown_ = true;
}

void Terminal::end_progress() {
    if (!progress_shown_) return;
    std::fprintf(stderr, "\r\033[K");
    std::fflush(stderr);
    progress_shown_ = false;
}

}  // namespace pgm::client
