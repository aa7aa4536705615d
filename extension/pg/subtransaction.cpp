// PG zone: see subtransaction.hpp.
#include "subtransaction.hpp"

extern "C" {
#include "access/xact.h"
#include "utils/resowner.h"
}

namespace pgm::pg {

ErrorData* run_in_subtransaction(void (*work)(void*), void* arg, bool keep) {
    MemoryContext caller_context = CurrentMemoryContext;
    ResourceOwner caller_owner = CurrentResourceOwner;
    ErrorData* volatile error = nullptr;
    BeginInternalSubTransaction(nullptr);
    MemoryContextSwitchTo(caller_context);
    PG_TRY();
    {
        work(arg);
        if (keep) ReleaseCurrentSubTransaction();
        else RollbackAndReleaseCurrentSubTransaction();
    }
    PG_CATCH();
    {
        MemoryContextSwitchTo(caller_context);
        error = CopyErrorData();
        FlushErrorState();
        RollbackAndReleaseCurrentSubTransaction();
    }
    PG_END_TRY();
    MemoryContextSwitchTo(caller_context);
    CurrentResourceOwner = caller_owner;
    return error;
}

bool error_about_the_server(const ErrorData* error) {
    switch (ERRCODE_TO_CATEGORY(error->sqlerrcode)) {
        case ERRCODE_INSUFFICIENT_RESOURCES:
        case ERRCODE_OPERATOR_INTERVENTION:
        case ERRCODE_SYSTEM_ERROR:
        case ERRCODE_INTERNAL_ERROR:
        case ERRCODE_CONNECTION_EXCEPTION:
            return true;
        default:
            return false;
    }
}

}  // namespace pgm::pg
