// Where a streamed script comes from (script_stream.hpp).
//
// PG zone: C-style code that may ereport.
#pragma once

#include "script_stream.hpp"

namespace pgm::pg {

// The client that called us sends the script as COPY data: the backend
// answers the CALL with CopyInResponse, as COPY ... FROM STDIN answers, and
// reads CopyData messages until CopyDone (CopyFail is an error).  Only a
// statement the client sent itself can do this: not one run by a function,
// a background worker or PL/pgSQL's EXECUTE.
ByteSource client_copy_source();

// Whether the running statement may read COPY data from the client now.
bool client_can_send_copy_data();

// The large object `oid`, read in order; the caller needs SELECT on it.
ByteSource large_object_source(Oid oid);

}  // namespace pgm::pg
