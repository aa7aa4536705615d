#include "streamed_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "../extension/core/checksum.hpp"

namespace fs = std::filesystem;

namespace pgm::client {
namespace {

constexpr std::size_t kPieceBytes = 1 << 20;
// A line's first bytes, enough to hold any section marker or directive.
constexpr std::size_t kHeadBytes = 4096;

class File {
public:
    explicit File(const fs::path& path) : path_(path), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
        if (fd_ < 0) fail();
    }
    ~File() { ::close(fd_); }
    File(const File&) = delete;
    File& operator=(const File&) = delete;

    // Up to `size` bytes at `offset`; 0 at the end.
    std::size_t read(char* out, std::size_t size, std::size_t offset) {
        for (;;) {
            const ssize_t n = ::pread(fd_, out, size, static_cast<off_t>(offset));
            if (n >= 0) return static_cast<std::size_t>(n);
            if (errno != EINTR) fail();
        }
    }

private:
    [[noreturn]] void fail() const {
        throw std::runtime_error("cannot read " + path_.string() + ": " + std::strerror(errno));
    }
    fs::path path_;
    int fd_;
};

// Checks UTF-8 piece by piece: a character cut by a piece's end waits for
// the next piece.
class Utf8Check {
public:
    // False at the first bad byte (or NUL); *bad_offset: its offset in the file.
    bool update(std::string_view piece, std::size_t piece_offset, std::size_t* bad_offset) {
        std::string joined;
        if (!carry_.empty()) {
            joined = carry_ + std::string(piece);
            piece = joined;
            piece_offset -= carry_.size();
        }
        const std::size_t cut = incomplete_tail(piece);
        std::size_t bad = 0;
        if (!is_valid_utf8(piece.substr(0, piece.size() - cut), &bad)) {
            *bad_offset = piece_offset + bad;
            return false;
        }
        carry_ = std::string(piece.substr(piece.size() - cut));
        carry_offset_ = piece_offset + piece.size() - cut;
        return true;
    }

    // False when the file ends inside a character.
    bool finish(std::size_t* bad_offset) const {
        *bad_offset = carry_offset_;
        return carry_.empty();
    }

private:
    // Bytes at the end of `text` that start a character it does not finish.
    static std::size_t incomplete_tail(std::string_view text) {
        for (std::size_t back = 1; back <= 3 && back <= text.size(); ++back) {
            const auto c = static_cast<unsigned char>(text[text.size() - back]);
            if ((c & 0xC0) == 0x80) continue;  // a continuation byte: look further back
            const std::size_t length = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
            return length > back ? back : 0;
        }
        return 0;
    }
    std::string carry_;
    std::size_t carry_offset_ = 0;
};

// The checksum of the whole file, computed by a thread of its own while the
// pass reads and scans the next piece (SHA-256 is most of the pass's time).
// The pieces are not copied: the reader reads into a ring of kRing buffers
// and waits for room before reading, so a buffer is read into again only
// once its piece is hashed (one waiting, one being hashed at most).
class BackgroundChecksum {
public:
    BackgroundChecksum() : worker_([this] { run(); }) {}
    ~BackgroundChecksum() {
        if (worker_.joinable()) {
            stop();
            worker_.join();
        }
    }
    BackgroundChecksum(const BackgroundChecksum&) = delete;
    BackgroundChecksum& operator=(const BackgroundChecksum&) = delete;

    static constexpr std::size_t kRing = 4;

    void wait_for_room() {
        std::unique_lock<std::mutex> lock(mutex_);
        room_.wait(lock, [this] { return queue_.size() < 2; });
    }

    // `piece` stays as it is until it is hashed (see kRing).
    void update(std::string_view piece) {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(piece);
        ready_.notify_one();
    }

    std::string hex_digest() {
        stop();
        worker_.join();
        return digest_;
    }

private:
    void stop() {
        std::lock_guard<std::mutex> lock(mutex_);
        done_ = true;
        ready_.notify_one();
    }
    void run() {
        for (;;) {
            std::string_view piece;
            {
                std::unique_lock<std::mutex> lock(mutex_);
                ready_.wait(lock, [this] { return !queue_.empty() || done_; });
                if (queue_.empty()) break;
                piece = queue_.front();
            }
            sum_.update(piece);
            {
                std::lock_guard<std::mutex> lock(mutex_);
                queue_.pop_front();  // hashed: its buffer may be read into again
                room_.notify_one();
            }
        }
        digest_ = sum_.hex_digest();
    }

    core::ScriptChecksumStream sum_;
    std::deque<std::string_view> queue_;
    std::mutex mutex_;
    std::condition_variable ready_;
    std::condition_variable room_;
    bool done_ = false;
    std::string digest_;
    std::thread worker_;  // last: started once the rest exists
};

// One pass over the file: lines to the section scanner, bytes to the
// checksums of the whole file and of the up section.
class Scan {
public:
    Scan(std::size_t start, BackgroundChecksum& whole) : whole_(whole), line_start_(start) {}

    void bytes(std::string_view piece) {
        whole_.update(piece);
        while (!piece.empty()) {
            if (line_length_ == 0 && take_plain_line(&piece)) continue;
            const std::size_t newline = piece.find('\n');
            const std::size_t take = newline == std::string_view::npos ? piece.size() : newline + 1;
            add_to_line(piece.substr(0, take));
            piece.remove_prefix(take);
            if (newline != std::string_view::npos) end_line();
        }
    }

    SectionLayout finish(std::size_t end_offset, std::string* checksum) {
        if (line_length_ > 0) end_line();
        SectionLayout layout = scanner_.finish(end_offset);
        *checksum = layout.sections ? up_.hex_digest() : whole_.hex_digest();
        return layout;
    }

private:
    // A whole line at the start of `*piece` that cannot be a marker or a
    // comment (most lines of a data migration): counted, and hashed when it
    // is the up script's, without the copy a marker line gets.
    bool take_plain_line(std::string_view* piece) {
        const char c = piece->front();
        if (c == ' ' || c == '\t' || c == '-' || c == '\r' || c == '\n') return false;
        const std::size_t newline = piece->find('\n');
        if (newline == std::string_view::npos) return false;
        const std::size_t length = newline + 1;
        scanner_.plain_line();
        if (scanner_.in_up()) up_.update(piece->substr(0, length));
        piece->remove_prefix(length);
        line_start_ += length;
        ++lines_;
        return true;
    }

    void add_to_line(std::string_view part) {
        const std::size_t before = line_length_;
        line_length_ += part.size();
        if (line_length_ <= kHeadBytes) {
            head_.append(part);
            return;
        }
        // A long line is never a marker: its bytes go on as they come.
        if (before <= kHeadBytes) {
            head_.append(part.substr(0, kHeadBytes - before));
            part.remove_prefix(kHeadBytes - before);
            if (scanner_.in_up()) up_.update(head_);
        }
        if (scanner_.in_up()) up_.update(part);
        if (!is_blank(part)) long_line_has_text_ = true;
    }

    void end_line() {
        const bool was_in_up = scanner_.in_up();
        const bool long_line = line_length_ > kHeadBytes;
        // The scanner sees a long line's head; when that is blank it must
        // still learn that text follows (SQL before the first section).
        if (long_line && is_blank(head_) && long_line_has_text_) head_ = "SQL after blanks";
        scanner_.line(head_, line_start_, line_length_);
        if (long_line && scanner_.in_up() != was_in_up)
            throw std::invalid_argument("line " + std::to_string(lines_ + 1) + ": a section marker longer than " +
                                        std::to_string(kHeadBytes) + " bytes");
        // A short line is the up script's unless it ended it (the up section
        // never starts twice).
        if (!long_line && was_in_up && scanner_.in_up()) up_.update(head_);
        line_start_ += line_length_;
        line_length_ = 0;
        long_line_has_text_ = false;
        head_.clear();
        ++lines_;
    }

    SectionScanner scanner_;
    BackgroundChecksum& whole_;
    core::ScriptChecksumStream up_;
    std::string head_;
    std::size_t line_start_;
    std::size_t line_length_ = 0;
    bool long_line_has_text_ = false;  // past its head
    int lines_ = 0;
};

std::size_t count_lines(const fs::path& file, std::size_t begin, std::size_t end) {
    std::size_t lines = 0;
    read_file_range(file, begin, end, [&](std::string_view piece) {
        for (char c : piece) lines += c == '\n';
    });
    return lines;
}

}  // namespace

void read_file_range(const fs::path& file, std::size_t begin, std::size_t end,
                     const std::function<void(std::string_view)>& piece) {
    File f(file);
    std::vector<char> buffer(kPieceBytes);
    for (std::size_t at = begin; at < end;) {
        const std::size_t n = f.read(buffer.data(), std::min(buffer.size(), end - at), at);
        if (n == 0) throw std::runtime_error(file.string() + " changed while pg_migrate was reading it");
        piece(std::string_view(buffer.data(), n));
        at += n;
    }
}

StreamedFile scan_streamed_file(const fs::path& file) {
    File f(file);
    // The ring before the thread that reads it: destroyed after it has stopped.
    std::vector<std::vector<char>> ring(BackgroundChecksum::kRing, std::vector<char>(kPieceBytes));
    BackgroundChecksum whole;
    std::size_t offset = 0;
    std::size_t start = 0;  // after a UTF-8 byte-order mark, as psql reads a script
    Utf8Check utf8;
    std::size_t bad = 0;
    bool valid = true;
    std::optional<Scan> scan;
    for (std::size_t k = 0;; ++k) {
        whole.wait_for_room();
        std::vector<char>& buffer = ring[k % ring.size()];
        const std::size_t n = f.read(buffer.data(), buffer.size(), offset);
        if (n == 0) break;
        std::string_view piece(buffer.data(), n);
        if (offset == 0 && piece.substr(0, 3) == "\xEF\xBB\xBF") {
            piece.remove_prefix(3);
            start = 3;
        }
        if (!scan) scan.emplace(start, whole);
        const std::size_t piece_offset = offset + static_cast<std::size_t>(piece.data() - buffer.data());
        if (!utf8.update(piece, piece_offset, &bad)) {
            valid = false;
            break;
        }
        scan->bytes(piece);
        offset += n;
    }
    if (valid && !utf8.finish(&bad)) valid = false;
    if (!valid) {
        const std::size_t line = 1 + count_lines(file, 0, bad);
        char byte = 1;
        f.read(&byte, 1, bad);
        throw std::runtime_error(file.string() + ": " + (byte == '\0' ? "contains a NUL byte" : "not valid UTF-8") +
                                 " at line " + std::to_string(line) + " (byte offset " + std::to_string(bad) + ")");
    }
    if (!scan) scan.emplace(start, whole);
    StreamedFile result;
    const SectionLayout layout = scan->finish(offset, &result.checksum);
    result.sections = layout.sections;
    result.no_transaction = layout.no_transaction;
    result.pulled = layout.pulled;
    result.allow = layout.allow;
    result.up_first_line = layout.up_first_line;
    result.up_begin = layout.sections ? layout.up.begin : start;
    result.up_end = layout.sections ? layout.up.end : offset;
    auto section_text = [&](const SectionRange& r) -> std::optional<std::string> {
        if (!r.seen) return std::nullopt;
        std::string text;
        read_file_range(file, r.begin, r.end, [&](std::string_view p) { text.append(p); });
        if (is_blank(text)) return std::nullopt;
        return text;
    };
    if (layout.sections) {
        result.down = section_text(layout.down);
        result.verify = section_text(layout.verify);
    }
    return result;
}

}  // namespace pgm::client
