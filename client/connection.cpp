#include "connection.hpp"

#include <cstdlib>
#include <future>
#include <utility>

#include "../extension/core/cpp_only.hpp"

namespace pgm::client {
namespace {

std::string field(const PGresult* result, int code) {
    const char* value = PQresultErrorField(result, code);
    return value ? value : "";
}

std::string first_line(const std::string& s) {
    const auto nl = s.find('\n');
    return nl == std::string::npos ? s : s.substr(0, nl);
}

}  // namespace

ServerError::ServerError(const PGresult* result)
    : std::runtime_error(first_line(field(result, PG_DIAG_MESSAGE_PRIMARY))),
      sqlstate(field(result, PG_DIAG_SQLSTATE)),
      message(field(result, PG_DIAG_MESSAGE_PRIMARY)),
      detail(field(result, PG_DIAG_MESSAGE_DETAIL)),
      hint(field(result, PG_DIAG_MESSAGE_HINT)),
      context(field(result, PG_DIAG_CONTEXT)),
      internal_query(field(result, PG_DIAG_INTERNAL_QUERY)) {
    internal_position = std::atoi(field(result, PG_DIAG_INTERNAL_POSITION).c_str());
    position = std::atoi(field(result, PG_DIAG_STATEMENT_POSITION).c_str());
}

ServerError::ServerError(std::string sqlstate_, std::string message_, std::string detail_, std::string hint_)
    : std::runtime_error(first_line(message_)),
      sqlstate(std::move(sqlstate_)),
      message(std::move(message_)),
      detail(std::move(detail_)),
      hint(std::move(hint_)) {}

int Result::column(const char* name) const {
    const int index = PQfnumber(result_.get(), name);
    if (index < 0) throw std::out_of_range(std::string("no column ") + name + " in the result");
    return index;
}

Connection::Connection(const std::string& target) : conn_(nullptr, PQfinish) {
    // dbname is expanded as a URL or conninfo; everything not given comes
    // from the PG* variables, as in psql.
    const char* keywords[] = {"dbname", "fallback_application_name", nullptr};
    const char* values[] = {target.empty() ? nullptr : target.c_str(), "pg_migrate", nullptr};
    conn_.reset(PQconnectdbParams(keywords, values, 1));
    if (conn_ == nullptr) throw ConnectionError("out of memory while connecting");
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
        std::string message = PQerrorMessage(conn_.get());
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw ConnectionError(message);
    }
    PQsetNoticeReceiver(conn_.get(), &Connection::on_notice, this);
}

void Connection::on_notice(void* self, const PGresult* result) {
    auto* connection = static_cast<Connection*>(self);
    std::string text = field(result, PG_DIAG_SEVERITY) + ":  " + field(result, PG_DIAG_MESSAGE_PRIMARY);
    const std::string detail = field(result, PG_DIAG_MESSAGE_DETAIL);
    if (!detail.empty()) text += "\nDETAIL:  " + detail;
    connection->notices_.push_back(text);
}

std::vector<std::string> Connection::take_notices() {
    std::vector<std::string> out;
    out.swap(notices_);
    return out;
}

Result Connection::exec(const std::string& sql, const std::vector<std::optional<std::string>>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
    return checked(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0));
}

Result Connection::exec_refs(const std::string& sql, const std::vector<const std::string*>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto* p : params) values.push_back(p ? p->c_str() : nullptr);
    return checked(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                values.data(), nullptr, nullptr, 0));
}

void Connection::send_refs(const std::string& sql, const std::vector<const std::string*>& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (const auto* p : params) values.push_back(p ? p->c_str() : nullptr);
    if (PQsendQueryParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                          nullptr, nullptr, 0) != 1)
        throw lost();
}

void Connection::send_refs_after(const std::string& prelude, const std::string& sql,
                                 const std::vector<const std::string*>& params) {
    PGconn* conn = conn_.get();
    if (PQenterPipelineMode(conn) != 1 ||
        PQsendQueryParams(conn, prelude.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1)
        throw lost();
    send_refs(sql, params);
    if (PQpipelineSync(conn) != 1) throw lost();
    prelude_sent_ = true;
}

// As PQexecParams ends: every result until the NULL that follows the
// statement's; an error, when there is one, is what counts.  After
// send_refs_after: the prelude's results first, then the statement's, then
// the pipeline's end.
Result Connection::finish_sent() {
    if (std::exchange(prelude_sent_, false)) {
        PGconn* conn = conn_.get();
        std::optional<ServerError> prelude_error;
        for (PGresult* raw; (raw = PQgetResult(conn)) != nullptr;) {
            if (PQresultStatus(raw) == PGRES_FATAL_ERROR && !prelude_error) prelude_error.emplace(raw);
            PQclear(raw);
        }
        std::optional<Result> result;
        std::optional<ServerError> error;
        for (PGresult* raw; (raw = PQgetResult(conn)) != nullptr;) {
            const ExecStatusType status = PQresultStatus(raw);
            if (status == PGRES_FATAL_ERROR && !error) error.emplace(raw);
            if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) result.emplace(raw);
            else PQclear(raw);
        }
        PGresult* sync = PQgetResult(conn);
        const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(sync);
        if (!synced || PQexitPipelineMode(conn) != 1 || PQstatus(conn) == CONNECTION_BAD) throw lost();
        if (prelude_error) throw *prelude_error;
        if (error) throw *error;
        if (!result) throw lost();
        return std::move(*result);
    }
    PGresult* kept = nullptr;
    for (PGresult* raw; (raw = PQgetResult(conn_.get())) != nullptr;) {
        if (kept != nullptr && PQresultStatus(kept) == PGRES_FATAL_ERROR) {
            PQclear(raw);
            continue;
        }
        PQclear(kept);
        kept = raw;
    }
    return checked(kept);
}

Result Connection::exec_with_copy_data(const std::string& sql,
                                       const std::function<void(const DataSender&)>& send_data) {
    PGconn* conn = conn_.get();
    if (PQsendQuery(conn, sql.c_str()) != 1) throw lost();
    std::optional<Result> result;
    std::optional<ServerError> error;
    std::exception_ptr failure;
    for (PGresult* raw; (raw = PQgetResult(conn)) != nullptr;) {
        const ExecStatusType status = PQresultStatus(raw);
        if (status == PGRES_COPY_IN) {
            PQclear(raw);
            try {
                send_data([&](std::string_view piece) {
                    if (PQputCopyData(conn, piece.data(), static_cast<int>(piece.size())) != 1) throw lost();
                });
            } catch (const ConnectionError&) {
                throw;
            } catch (const std::exception& e) {
                failure = std::current_exception();
                if (PQputCopyEnd(conn, e.what()) != 1) throw lost();
                continue;
            }
            if (PQputCopyEnd(conn, nullptr) != 1) throw lost();
            continue;
        }
        if (status == PGRES_FATAL_ERROR && !error) error.emplace(raw);
        if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) result.emplace(raw);
        else PQclear(raw);
    }
    if (PQstatus(conn) == CONNECTION_BAD) throw lost();
    if (failure) std::rethrow_exception(failure);
    if (error) throw *error;
    if (!result) throw lost();
    return std::move(*result);
}

std::string Connection::literal(const std::string* value) const {
    if (value == nullptr) return "NULL";
    char* quoted = PQescapeLiteral(conn_.get(), value->data(), value->size());
    if (quoted == nullptr) throw lost();
    std::string out(quoted);
    PQfreemem(quoted);
    return out;
}

ConnectionError Connection::lost() const {
    std::string message = PQerrorMessage(conn_.get());
    while (!message.empty() && message.back() == '\n') message.pop_back();
    return ConnectionError(message.empty() ? "the connection to the server was lost" : message);
}

std::vector<Connection::Pipelined> Connection::exec_pipelined(
    const std::vector<std::pair<std::string, std::vector<std::optional<std::string>>>>& statements) {
    PGconn* conn = conn_.get();
    if (PQenterPipelineMode(conn) != 1) throw lost();
    for (const auto& [sql, params] : statements) {
        std::vector<const char*> values;
        for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
        if (PQsendQueryParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                              nullptr, 0) != 1 ||
            PQpipelineSync(conn) != 1)
            throw lost();
    }
    std::vector<Pipelined> out(statements.size());
    for (auto& item : out) {
        // The statement's result (or error), the NULL that ends it, then its Sync.
        for (PGresult* raw; (raw = PQgetResult(conn)) != nullptr;) {
            Result owned(raw);
            const ExecStatusType status = PQresultStatus(raw);
            if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) item.result.emplace(std::move(owned));
            else if (status == PGRES_FATAL_ERROR) item.error.emplace(raw);
        }
        PGresult* sync = PQgetResult(conn);
        const bool synced = sync != nullptr && PQresultStatus(sync) == PGRES_PIPELINE_SYNC;
        PQclear(sync);
        if (!synced || PQstatus(conn) == CONNECTION_BAD) throw lost();
    }
    if (PQexitPipelineMode(conn) != 1) throw lost();
    return out;
}

bool Connection::behind_pooler() {
    if (!behind_pooler_) {
        const Result r = exec("SELECT pg_catalog.pg_backend_pid()");
        behind_pooler_ = std::atoi(r.get(0, 0).c_str()) != PQbackendPID(conn_.get());
    }
    return *behind_pooler_;
}

void Connection::run_top_level(const std::string& statement) {
    checked(PQexec(conn_.get(), statement.c_str()));
}

Result Connection::checked(PGresult* raw) {
    Result result(raw);
    if (raw == nullptr || PQstatus(conn_.get()) == CONNECTION_BAD) throw lost();
    const ExecStatusType status = PQresultStatus(raw);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) throw ServerError(raw);
    return result;
}

std::string Connection::describe() const {
    const char* host = PQhost(conn_.get());
    const char* port = PQport(conn_.get());
    std::string where = std::string("database \"") + PQdb(conn_.get()) + "\"";
    if (host && *host) where += std::string(" on ") + (host[0] == '/' ? "socket " : "") + host;
    if (port && *port) where += std::string(":") + port;
    return where;
}

struct PendingConnection::State {
    std::future<std::unique_ptr<Connection>> future;
    std::unique_ptr<Connection> connection;
};

PendingConnection::PendingConnection(std::string target, std::function<void(Connection&)> first_work)
    : state_(std::make_unique<State>()) {
    state_->future = std::async(std::launch::async, [target = std::move(target),
                                                     work = std::move(first_work)] {
        auto connection = std::make_unique<Connection>(target);
        if (work) work(*connection);
        return connection;
    });
}

// Waits for the background connection (std::future's destructor would too);
// its error, if any, is dropped: nobody asked for the connection.
PendingConnection::~PendingConnection() {
    if (state_->future.valid()) {
        try {
            state_->future.get();
        } catch (...) {
        }
    }
}

Connection& PendingConnection::get() {
    if (!state_->connection) state_->connection = state_->future.get();
    return *state_->connection;
}

}  // namespace pgm::client
