// A libpq connection, and the server's errors as data.
#pragma once

#include <libpq-fe.h>

#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace pgm::client {

// An error reported by the server, with PostgreSQL's fields.
struct ServerError : std::runtime_error {
    explicit ServerError(const PGresult* result);
    // An error the server reported as data (a row of migrate_wait).
    ServerError(std::string sqlstate, std::string message, std::string detail, std::string hint);
    std::string sqlstate;
    std::string message;
    std::string detail;
    std::string hint;
    std::string context;
    std::string internal_query;
    int internal_position = 0;
    int position = 0;
};

// Could not connect, or the connection broke.
struct ConnectionError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

class Result {
public:
    explicit Result(PGresult* result) : result_(result, PQclear) {}
    int rows() const { return PQntuples(result_.get()); }
    int columns() const { return PQnfields(result_.get()); }
    bool is_null(int row, int col) const { return PQgetisnull(result_.get(), row, col) != 0; }
    std::string get(int row, int col) const { return PQgetvalue(result_.get(), row, col); }
    std::optional<std::string> get_optional(int row, int col) const {
        if (is_null(row, col)) return std::nullopt;
        return get(row, col);
    }
    int column(const char* name) const;  // throws std::out_of_range

private:
    std::unique_ptr<PGresult, void (*)(PGresult*)> result_;
};

class Connection {
public:
    // `target` is a URL or a conninfo string; empty means libpq's defaults
    // (the PG* environment variables).
    explicit Connection(const std::string& target);
    Connection(const Connection&) = delete;  // the notice receiver points at this object
    Connection& operator=(const Connection&) = delete;

    // Runs one statement with text parameters over the extended protocol (no
    // quoting, one round trip).  Throws ServerError.
    Result exec(const std::string& sql, const std::vector<std::optional<std::string>>& params = {});

    // The same with parameters by pointer (nullptr = NULL): no copy of large
    // scripts on their way into libpq.
    Result exec_refs(const std::string& sql, const std::vector<const std::string*>& params);

    // The same in two halves, so the caller can work while the server runs
    // it: send_refs() returns once the statement is sent, finish_sent() waits
    // for its result (or throws its error).  Nothing else may be sent in
    // between.  An unnamed statement, as every statement of the client: a
    // named prepared statement lives in one server session, which a
    // transaction-mode pooler hands to other clients between transactions.
    void send_refs(const std::string& sql, const std::vector<const std::string*>& params);
    // The same preceded by `prelude` (a statement without parameters, such as
    // set_config(..., true) calls) in the same implicit transaction: one round
    // trip (libpq's pipeline mode, one Sync), so a transaction-mode pooler
    // runs both on one server connection.  finish_sent() returns the
    // statement's result; an error of the prelude is thrown instead.
    void send_refs_after(const std::string& prelude, const std::string& sql,
                         const std::vector<const std::string*>& params);
    Result finish_sent();
    // Sends several statements in one round trip (libpq's pipeline mode),
    // each in an implicit transaction of its own, and returns each one's
    // result or the server's error for it: one failing does not stop the
    // others.  Outside a transaction block only.
    struct Pipelined {
        std::optional<Result> result;
        std::optional<ServerError> error;
    };
    std::vector<Pipelined> exec_pipelined(
        const std::vector<std::pair<std::string, std::vector<std::optional<std::string>>>>& statements);
    // Runs `sql` over the simple query protocol (one or more statements, in
    // one implicit transaction), the last of which reads COPY data from the
    // client once started (CALL migrate_apply_stream): `send_data` is given a
    // function that sends one piece, and is called only when the server asks
    // for data (it may answer without).  Returns the last statement's rows;
    // throws the first error.  An exception of `send_data` ends the COPY (the
    // server fails the statement) and goes on.  The simple protocol: over the
    // extended one libpq would take the CALL's row description (sent before
    // the data) for the COPY's and lose the row.
    using DataSender = std::function<void(std::string_view)>;
    Result exec_with_copy_data(const std::string& sql, const std::function<void(const DataSender&)>& send_data);
    // `value` as an SQL literal, or NULL.
    std::string literal(const std::string* value) const;
    // Runs a statement that returns no rows (BEGIN, COMMIT, ...).
    void run(const std::string& sql) { exec(sql); }

    // Sends one statement over the simple query protocol, outside any
    // transaction block: how statements such as CREATE INDEX CONCURRENTLY,
    // which refuse to run in a transaction, must be sent.  Throws ServerError.
    void run_top_level(const std::string& statement);

    // Whether a connection pooler (PgBouncer, Supavisor, ...) stands between
    // us and the server: the backend the server says runs our queries is not
    // the one the connection's startup named (a pooler gives its clients keys
    // of its own).  Then no session state may be relied on between
    // transactions: each may run on another server connection.  Asked once.
    bool behind_pooler();

    std::string database() const { return PQdb(conn_.get()); }
    std::string describe() const;  // "db on host:port" for messages

    // Server notices (NOTICE, WARNING) are collected here while a call runs.
    std::vector<std::string> take_notices();

private:
    // Takes ownership of `raw`; throws ConnectionError or ServerError for a failed one.
    Result checked(PGresult* raw);
    ConnectionError lost() const;
    static void on_notice(void* self, const PGresult* result);
    std::unique_ptr<PGconn, void (*)(PGconn*)> conn_;
    std::vector<std::string> notices_;
    std::optional<bool> behind_pooler_;
    bool prelude_sent_ = false;  // send_refs_after: a pipeline to finish
};

// Starts connecting in the background, so the connection is being set up while
// the client reads the migration directory; get() waits for it (and throws
// the connection's error, if any).
class PendingConnection {
public:
    // `first_work`, if given, runs on the new connection in the background too,
    // right after connecting (its errors surface in get()).
    explicit PendingConnection(std::string target, std::function<void(Connection&)> first_work = {});
    ~PendingConnection();
    PendingConnection(const PendingConnection&) = delete;
    PendingConnection& operator=(const PendingConnection&) = delete;
    Connection& get();

private:
    struct State;
    std::unique_ptr<State> state_;
};

}  // namespace pgm::client
