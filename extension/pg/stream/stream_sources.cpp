// PG zone: see stream_sources.hpp.
#include "stream_sources.hpp"

extern "C" {
#include "libpq/libpq.h"
#include "libpq/libpq-fs.h"
#include "libpq/pqformat.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/large_object.h"
#include "tcop/dest.h"
#include "tcop/tcopprot.h"
#include "utils/memutils.h"
}

namespace pgm::pg {
namespace {

// ------------------------------------------------ COPY data from the client

struct ClientCopy {
    StringInfoData message;  // the CopyData message being read
    bool done;
};

[[noreturn]] void lost_client() {
    ereport(ERROR, (errcode(ERRCODE_CONNECTION_FAILURE),
                    errmsg("unexpected EOF on client connection with an open transaction")));
}

// Reads the next message of the COPY; false at CopyDone.  Flush and Sync are
// passed over: a client that sent the CALL with the extended protocol has
// sent its Sync already.
bool next_copy_message(ClientCopy* c) {
    for (;;) {
        HOLD_CANCEL_INTERRUPTS();
        pq_startmsgread();
        const int type = pq_getbyte();
        if (type == EOF) lost_client();
        int limit = PQ_SMALL_MESSAGE_LIMIT;
        if (type == 'd') limit = PQ_LARGE_MESSAGE_LIMIT;
        else if (type != 'c' && type != 'f' && type != 'H' && type != 'S')
            ereport(ERROR, (errcode(ERRCODE_PROTOCOL_VIOLATION),
                            errmsg("unexpected message type 0x%02X while the client sends a migration", type)));
        resetStringInfo(&c->message);
        if (pq_getmessage(&c->message, limit) != 0) lost_client();
        RESUME_CANCEL_INTERRUPTS();
        switch (type) {
            case 'd':
                return true;
            case 'c':
                return false;
            case 'f':
                ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED),
                                errmsg("the client stopped sending the migration: %s", pq_getmsgstring(&c->message))));
            default:
                continue;
        }
    }
}

int read_from_client(void* arg, char* out, int max) {
    ClientCopy* c = static_cast<ClientCopy*>(arg);
    while (!c->done && c->message.cursor >= c->message.len) {
        if (!next_copy_message(c)) c->done = true;
    }
    if (c->done) return 0;
    const int n = Min(max, c->message.len - c->message.cursor);
    memcpy(out, c->message.data + c->message.cursor, n);
    c->message.cursor += n;
    return n;
}

// --------------------------------------------------------- a large object

// Closed at its end, with pg_largeobject, which inv_read opened for the
// transaction: only the SQL functions (lo_open...) have it closed at commit.
// A descriptor of theirs opens it again when it reads.
int read_large_object(void* arg, char* out, int max) {
    LargeObjectDesc** lo = static_cast<LargeObjectDesc**>(arg);
    if (*lo == nullptr) return 0;
    const int n = inv_read(*lo, out, max);
    if (n == 0) {
        inv_close(*lo);
        *lo = nullptr;
        close_lo_relation(true);
    }
    return n;
}

}  // namespace

bool client_can_send_copy_data() {
    return whereToSendOutput == DestRemote && MyProcPort != nullptr && MyBackendType == B_BACKEND;
}

ByteSource client_copy_source() {
    ClientCopy* c = static_cast<ClientCopy*>(palloc0(sizeof(ClientCopy)));
    initStringInfo(&c->message);
    // CopyInResponse: text, no columns.
    StringInfoData response;
    pq_beginmessage(&response, 'G');
    pq_sendbyte(&response, 0);
    pq_sendint16(&response, 0);
    pq_endmessage(&response);
    pq_flush();  // the client sends nothing before it has this
    return ByteSource{read_from_client, c, pg_get_client_encoding()};
}

ByteSource large_object_source(Oid oid) {
    LargeObjectDesc** lo = static_cast<LargeObjectDesc**>(palloc(sizeof(LargeObjectDesc*)));
    *lo = inv_open(oid, INV_READ, CurrentMemoryContext);
    return ByteSource{read_large_object, lo, GetDatabaseEncoding()};
}

}  // namespace pgm::pg
