// Checksums of migration scripts and the hash chain over the ledger.
//
// The same code runs in the extension and in the client, so a checksum the
// client computes from a file always equals the one the server stored.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace pgm::core {

// Lowercase hex SHA-256 of `data`.
std::string sha256_hex(std::string_view data);

// "\r\n" and lone "\r" become "\n": a file checked out on Windows has the
// same checksum as on Linux.
std::string normalize_line_endings(std::string_view script);

// The checksum stored for a migration script: SHA-256 of the script with its
// line endings normalised.
std::string script_checksum(std::string_view script);

// Plain incremental SHA-256: update() with consecutive pieces gives the digest
// of their concatenation.
class Sha256Stream {
public:
    Sha256Stream();
    ~Sha256Stream();
    Sha256Stream(const Sha256Stream&) = delete;
    Sha256Stream& operator=(const Sha256Stream&) = delete;
    void update(std::string_view piece);
    std::string hex_digest();  // ends the stream

private:
    void* ctx_;  // EVP_MD_CTX*
};

// script_checksum of a script given in consecutive pieces (a file too large
// to hold, read in pieces): a "\r\n" cut between two pieces counts once.
class ScriptChecksumStream {
public:
    void update(std::string_view piece);
    std::string hex_digest();  // ends the stream

private:
    Sha256Stream sha_;
    bool pending_cr_ = false;  // the last piece ended in "\r"
};

// Incremental SHA-256 over an unambiguous encoding of a sequence of fields:
// each field is a tag byte ('n' null, 's' string, 'i' integer), the length in
// decimal, ':' and the bytes.  Used for the ledger's row hashes and for the
// semantic fingerprint of a script's tokens.
class FieldHasher {
public:
    FieldHasher();
    ~FieldHasher();
    FieldHasher(const FieldHasher&) = delete;
    FieldHasher& operator=(const FieldHasher&) = delete;

    void add(std::string_view value);
    void add(const std::optional<std::string>& value);
    void add_null();
    void add(std::int64_t value);
    std::string hex_digest();  // ends the hasher

private:
    void update(const void* data, std::size_t size);
    void flush();
    void* ctx_;  // EVP_MD_CTX*, kept opaque so OpenSSL headers stay out of here
    // Small fields gather here and reach OpenSSL in one call: a ledger row is
    // some thirty short pieces, and each EVP_DigestUpdate costs more than
    // hashing a short piece.  A large value (a script) goes straight through.
    std::string pending_;
};

// One ledger row as hashed into the chain: every column except id and hash.
// Format 1 (the rows migrations wrote before 0.7) leaves out reason,
// previous_checksum and adopted_from, and always has a checksum; format 2
// (reverts, baselines, repairs, adopted rows) covers every column and allows a
// NULL checksum; format 3 (migrations applied from 0.7 on) is format 2 plus
// the migration's risk.
struct LedgerRowFields {
    int format = 1;
    std::string version;
    std::optional<std::string> name;
    std::string status;
    std::optional<std::string> checksum;
    std::optional<std::string> fingerprint;
    std::optional<std::string> script;
    std::optional<std::string> down;
    std::optional<std::string> verify;
    bool out_of_order = false;
    std::int64_t statements = 0;
    std::int64_t applied_at_us = 0;  // PostgreSQL TimestampTz (microseconds since 2000-01-01)
    std::string applied_by;
    std::optional<std::string> application_name;
    std::optional<std::string> client_addr;
    std::int64_t duration_us = 0;
    std::optional<std::string> reason;             // format 2
    std::optional<std::string> previous_checksum;  // format 2
    std::optional<std::string> adopted_from;       // format 2
    std::optional<std::string> risk;               // format 3
};

// hash = SHA-256(prev_hash, row fields), in the row's format.  A NULL
// prev_hash marks the first row.  Throws std::invalid_argument for an unknown
// format.
std::string ledger_row_hash(const std::optional<std::string>& prev_hash,
                            const LedgerRowFields& row);

}  // namespace pgm::core

