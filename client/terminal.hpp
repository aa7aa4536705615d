// Colours and the progress line, only when a person is watching.
#pragma once

#include <cstdio>
#include <string>

namespace pgm::client {

class Terminal {
public:
    // Colours on stdout only when it is a terminal and NO_COLOR is not set;
    // the progress line on stderr only when stderr is a terminal.
    explicit Terminal(bool json_output);

    std::string green(const std::string& s) const { return paint("32", s); }
    std::string yellow(const std::string& s) const { return paint("33", s); }
    std::string red(const std::string& s) const { return paint("31", s); }
    std::string bold(const std::string& s) const { return paint("1", s); }

    void progress(const std::string& line);  // overwrites the previous progress line
    void end_progress();

private:
    std::string paint(const char* code, const std::string& s) const;
    bool colour_;
    bool progress_;
    bool progress_shown_ = false;
};

}  // namespace pgm::client
