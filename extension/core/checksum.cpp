#include "checksum.hpp"

#include <openssl/evp.h>

#include <charconv>
#include <new>
#include <stdexcept>

#include "cpp_only.hpp"

namespace pgm::core {
namespace {

std::string to_hex(const unsigned char* bytes, unsigned int size) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (unsigned int i = 0; i < size; ++i) {
        out.push_back(digits[bytes[i] >> 4]);
        out.push_back(digits[bytes[i] & 0x0f]);
    }
    return out;
}

EVP_MD_CTX* as_ctx(void* p) { return static_cast<EVP_MD_CTX*>(p); }

// OpenSSL 3 looks the algorithm up on every EVP_sha256() use ("implicit
// fetch"), which dominated hashing a thousand small files: fetch it once.
// Never freed: it lives as long as the process (or the backend).
const EVP_MD* sha256_md() {
    static EVP_MD* md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (md == nullptr) throw std::runtime_error("SHA-256 is not available from OpenSSL");
    return md;
}

}  // namespace

FieldHasher::FieldHasher() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) throw std::bad_alloc();
    if (EVP_DigestInit_ex(as_ctx(ctx_), sha256_md(), nullptr) != 1) {
        EVP_MD_CTX_free(as_ctx(ctx_));
        throw std::runtime_error("could not initialise SHA-256");
    }
}

FieldHasher::~FieldHasher() { EVP_MD_CTX_free(as_ctx(ctx_)); }

constexpr std::size_t kGatheredBytes = 4096;

void FieldHasher::flush() {
    if (pending_.empty()) return;
    if (EVP_DigestUpdate(as_ctx(ctx_), pending_.data(), pending_.size()) != 1)
        throw std::runtime_error("SHA-256 update failed");
    pending_.clear();
}

void FieldHasher::update(const void* data, std::size_t size) {
    if (pending_.size() + size <= kGatheredBytes) {
        pending_.append(static_cast<const char*>(data), size);
        return;
    }
    flush();
    if (EVP_DigestUpdate(as_ctx(ctx_), data, size) != 1)
        throw std::runtime_error("SHA-256 update failed");
}

namespace {

// "<kind><decimal length>:", the header every field is hashed behind.
std::string_view field_header(char kind, std::size_t length, char (&buffer)[24]) {
    buffer[0] = kind;
    char* end = std::to_chars(buffer + 1, buffer + sizeof(buffer) - 1, length).ptr;
    *end++ = ':';
    return std::string_view(buffer, static_cast<std::size_t>(end - buffer));
}

}  // namespace

void FieldHasher::add(std::string_view value) {
    char buffer[24];
    const std::string_view header = field_header('s', value.size(), buffer);
    update(header.data(), header.size());
    update(value.data(), value.size());
}

void FieldHasher::add(const std::optional<std::string>& value) {
    if (value)
        add(std::string_view(*value));
    else
        add_null();
}

void FieldHasher::add_null() { update("n0:", 3); }

void FieldHasher::add(std::int64_t value) {
    char text[24];
    const std::size_t size = static_cast<std::size_t>(std::to_chars(text, text + sizeof(text), value).ptr - text);
    char buffer[24];
    const std::string_view header = field_header('i', size, buffer);
    update(header.data(), header.size());
    update(text, size);
}

std::string FieldHasher::hex_digest() {
    flush();
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(as_ctx(ctx_), digest, &size) != 1)
        throw std::runtime_error("SHA-256 final failed");
    return to_hex(digest, size);
}

Sha256Stream::Sha256Stream() : ctx_(EVP_MD_CTX_new()) {
    if (ctx_ == nullptr) throw std::bad_alloc();
    if (EVP_DigestInit_ex(as_ctx(ctx_), sha256_md(), nullptr) != 1) {
        EVP_MD_CTX_free(as_ctx(ctx_));
        throw std::runtime_error("could not initialise SHA-256");
    }
}

Sha256Stream::~Sha256Stream() { EVP_MD_CTX_free(as_ctx(ctx_)); }

void Sha256Stream::update(std::string_view piece) {
    if (EVP_DigestUpdate(as_ctx(ctx_), piece.data(), piece.size()) != 1)
        throw std::runtime_error("SHA-256 update failed");
}

std::string Sha256Stream::hex_digest() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_DigestFinal_ex(as_ctx(ctx_), digest, &size) != 1)
        throw std::runtime_error("SHA-256 final failed");
    return to_hex(digest, size);
}

std::string sha256_hex(std::string_view data) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (EVP_Digest(data.data(), data.size(), digest, &size, sha256_md(), nullptr) != 1)
        throw std::runtime_error("SHA-256 failed");
    return to_hex(digest, size);
}

std::string normalize_line_endings(std::string_view script) {
    std::string out;
    out.reserve(script.size());
    for (std::size_t i = 0; i < script.size(); ++i) {
        const char c = script[i];
        if (c != '\r') {
            out.push_back(c);
            continue;
        }
        out.push_back('\n');
        if (i + 1 < script.size() && script[i + 1] == '\n') ++i;
    }
    return out;
}

std::string script_checksum(std::string_view script) {
    if (script.find('\r') == std::string_view::npos) return sha256_hex(script);
    return sha256_hex(normalize_line_endings(script));
}

void ScriptChecksumStream::update(std::string_view piece) {
    if (piece.empty()) return;
    if (pending_cr_) {
        pending_cr_ = false;
        sha_.update("\n");
        if (piece.front() == '\n') piece.remove_prefix(1);
    }
    while (!piece.empty()) {
        const std::size_t cr = piece.find('\r');
        if (cr == std::string_view::npos) {
            sha_.update(piece);
            return;
        }
        sha_.update(piece.substr(0, cr));
        if (cr + 1 == piece.size()) {
            pending_cr_ = true;
            return;
        }
        sha_.update("\n");
        piece.remove_prefix(piece[cr + 1] == '\n' ? cr + 2 : cr + 1);
    }
}

std::string ScriptChecksumStream::hex_digest() {
    if (pending_cr_) sha_.update("\n");
    pending_cr_ = false;
    return sha_.hex_digest();
}

std::string ledger_row_hash(const std::optional<std::string>& prev_hash,
                            const LedgerRowFields& row) {
    if (row.format < 1 || row.format > 3)
        throw std::invalid_argument("unknown ledger row hash format " + std::to_string(row.format));
    FieldHasher h;
    h.add(std::string_view(row.format == 1   ? "pg_migrate ledger row v1"
                           : row.format == 2 ? "pg_migrate ledger row v2"
                                             : "pg_migrate ledger row v3"));
    h.add(prev_hash);
    h.add(std::string_view(row.version));
    h.add(row.name);
    h.add(std::string_view(row.status));
    if (row.format == 1)
        h.add(std::string_view(row.checksum.value_or("")));
    else
        h.add(row.checksum);
    h.add(row.fingerprint);
    h.add(row.script);
    h.add(row.down);
    h.add(row.verify);
    h.add(static_cast<std::int64_t>(row.out_of_order ? 1 : 0));
    h.add(row.statements);
    h.add(row.applied_at_us);
    h.add(std::string_view(row.applied_by));
    h.add(row.application_name);
    h.add(row.client_addr);
    h.add(row.duration_us);
    if (row.format >= 2) {
        h.add(row.reason);
        h.add(row.previous_checksum);
        h.add(row.adopted_from);
    }
    if (row.format >= 3) h.add(row.risk);
    return h.hex_digest();
}

}  // namespace pgm::core
