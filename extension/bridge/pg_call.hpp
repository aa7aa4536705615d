// pg_call: call PostgreSQL from C++ without letting a longjmp cross C++ frames.
//
// PostgreSQL reports errors with siglongjmp to the innermost PG_TRY.  A longjmp
// that crosses a C++ frame skips its destructors (leaked memory, locks never
// released).  pg_call puts a sigsetjmp in its own frame, *below* every C++
// object of its caller, so the longjmp lands here; the error is copied out of
// ErrorContext and re-raised as a C++ exception (PgError), which unwinds the
// C++ frames normally.  The entry point (entry.hpp) later re-throws the very
// same ErrorData into PostgreSQL, so SQLSTATE, DETAIL, HINT, positions and
// context lines survive intact.
//
// Rules (checked where possible):
//  - only plain function pointers, whose arguments are trivially destructible;
//  - the called function is "PG zone" code: C-style, no objects with
//    destructors, free to ereport;
//  - a PgError normally propagates to the entry point, which re-throws it, and
//    the transaction's abort cleans up.  Catching it and carrying on is only
//    allowed around calls that hold no resources (the parser, the lexer): after
//    anything that may have connected SPI, switched user, opened a GUC level or
//    taken buffers, use a subtransaction instead;
//  - never call pg_call while PostgreSQL is handling another error (in a
//    PG_CATCH block or an error callback): catching flushes the error state.
#pragma once

#include "pg_headers.hpp"

namespace pgm {

// A PostgreSQL error caught by pg_call.  Holds a copy made with CopyErrorData in
// the memory context that was current when pg_call was entered.
class PgError : public std::exception {
public:
    explicit PgError(ErrorData* edata) noexcept : edata_(edata) {}
    ErrorData* edata() const noexcept { return edata_; }
    const char* what() const noexcept override;

private:
    ErrorData* edata_;
};

namespace detail {

// Saves PG_exception_stack and error_context_stack; restores them when the
// guarded call returns or when its error is caught.
class ErrorStackSaver {
public:
    ErrorStackSaver() noexcept
        : exception_stack_(PG_exception_stack),
          context_stack_(error_context_stack),
          interrupt_holdoff_(InterruptHoldoffCount),
          query_cancel_holdoff_(QueryCancelHoldoffCount),
          crit_section_(CritSectionCount) {}
    ~ErrorStackSaver() { restore(); }
    ErrorStackSaver(const ErrorStackSaver&) = delete;
    ErrorStackSaver& operator=(const ErrorStackSaver&) = delete;
    void restore() noexcept {
        PG_exception_stack = exception_stack_;
        error_context_stack = context_stack_;
    }
    // errfinish() zeroes the holdoff counters before it longjmps; put back the
    // values of the caller of pg_call once its error has been caught.
    void restore_after_error() noexcept {
        restore();
        InterruptHoldoffCount = interrupt_holdoff_;
        QueryCancelHoldoffCount = query_cancel_holdoff_;
        CritSectionCount = crit_section_;
    }

private:
    sigjmp_buf* exception_stack_;
    ErrorContextCallback* context_stack_;
    uint32 interrupt_holdoff_;
    uint32 query_cancel_holdoff_;
    uint32 crit_section_;
};

// Called after a longjmp landed in pg_call: copies the pending error into
// `target`, clears PostgreSQL's error state and throws PgError (or
// std::bad_alloc if even the copy failed).
[[noreturn]] void throw_caught_pg_error(MemoryContext target);

}  // namespace detail

template <typename R, typename... Params, typename... Args>
__attribute__((noinline)) R pg_call(R (*fn)(Params...), Args... args) {
    static_assert((std::is_trivially_destructible_v<Args> && ...),
                  "pg_call arguments must be trivially destructible: a longjmp may skip them");
    static_assert(std::is_trivially_destructible_v<R> || std::is_void_v<R>,
                  "pg_call results must be trivially destructible");
    MemoryContext const caller_context = CurrentMemoryContext;
    detail::ErrorStackSaver saver;
    sigjmp_buf landing;
    if (sigsetjmp(landing, 0) == 0) {
        PG_exception_stack = &landing;
        return fn(args...);  // `saver` restores the stacks on the way out
    }
    saver.restore_after_error();
    detail::throw_caught_pg_error(caller_context);
}

}  // namespace pgm
