#include "entry.hpp"

namespace pgm {

const char* PgError::what() const noexcept {
    if (edata_ != nullptr && edata_->message != nullptr) return edata_->message;
    return "PostgreSQL error";
}

namespace detail {

void throw_caught_pg_error(MemoryContext target) {
    // Right after the longjmp CurrentMemoryContext is ErrorContext; the copy
    // must live in the caller's context so it survives FlushErrorState().
    MemoryContextSwitchTo(target);

    // CopyErrorData can itself fail (out of memory).  Catch that here too, so
    // no longjmp ever travels past this frame into C++ code.
    ErrorStackSaver saver;
    ErrorData* volatile copy = nullptr;
    sigjmp_buf landing;
    if (sigsetjmp(landing, 0) == 0) {
        PG_exception_stack = &landing;
        copy = CopyErrorData();
    }
    saver.restore();
    MemoryContextSwitchTo(target);
    FlushErrorState();
    if (copy == nullptr) throw std::bad_alloc();
    throw PgError(copy);
}

}  // namespace detail

namespace {

// What to raise once we are out of the catch handler.  Plain data only: it is
// alive while ereport longjmps out of run_cpp_function.
struct PendingError {
    ErrorData* original;  // set for PgError
    int sqlstate;
    const char* message;
    const char* detail;
    const char* hint;
    const char* context;
};

// Copies (at most kMaxCopied bytes of) a C++ string into the current memory
// context without ever raising a PostgreSQL error: we may be inside a catch
// handler, and palloc refuses sizes over 1 GB even with MCXT_ALLOC_NO_OOM.
constexpr std::size_t kMaxCopied = 8192;

const char* copy_quietly(const std::string& s) {
    if (s.empty()) return nullptr;
    const std::size_t n = s.size() < kMaxCopied ? s.size() : kMaxCopied;
    auto* out = static_cast<char*>(palloc_extended(n + 1, MCXT_ALLOC_NO_OOM));
    if (out == nullptr) return nullptr;
    memcpy(out, s.data(), n);
    out[n] = '\0';
    return out;
}

const char* copy_quietly(const char* s) { return s ? copy_quietly(std::string(s)) : nullptr; }

}  // namespace

Datum run_cpp_function(CppFunction impl, FunctionCallInfo fcinfo, const char* sql_name) {
    PendingError pending{nullptr, ERRCODE_INTERNAL_ERROR, nullptr, nullptr, nullptr, nullptr};
    try {
        return impl(fcinfo);
    } catch (const PgError& e) {
        pending.original = e.edata();
    } catch (const UserError& e) {
        pending.sqlstate = e.sqlstate;
        pending.message = copy_quietly(e.message);
        pending.detail = copy_quietly(e.detail);
        pending.hint = copy_quietly(e.hint);
        pending.context = copy_quietly(e.context);
    } catch (const std::bad_alloc&) {
        pending.sqlstate = ERRCODE_OUT_OF_MEMORY;
    } catch (const std::exception& e) {
        try {
            pending.detail = copy_quietly(e.what());
        } catch (...) {
        }
    } catch (...) {
    }

    // Outside every catch handler: now it is safe to longjmp.
    if (pending.original != nullptr) ReThrowError(pending.original);
    if (pending.sqlstate == ERRCODE_OUT_OF_MEMORY)
        ereport(ERROR, (errcode(ERRCODE_OUT_OF_MEMORY),
                        errmsg("out of memory in %s", sql_name)));
    if (pending.message == nullptr)
        ereport(ERROR, (errcode(ERRCODE_INTERNAL_ERROR),
                        errmsg("internal error in %s", sql_name),
                        pending.detail ? errdetail_internal("%s", pending.detail) : 0));
    ereport(ERROR, (errcode(pending.sqlstate), errmsg_internal("%s", pending.message),
                    pending.detail ? errdetail_internal("%s", pending.detail) : 0,
                    pending.hint ? errhint("%s", pending.hint) : 0,
                    pending.context ? errcontext("%s", pending.context) : 0));
    pg_unreachable();
}

}  // namespace pgm
