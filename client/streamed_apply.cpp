#include "streamed_apply.hpp"

#include <cstdlib>

namespace pgm::client {
namespace {

AppliedRow row_of(const Result& r) {
    return AppliedRow{r.get(0, 2), std::atoi(r.get(0, 4).c_str()), r.get_optional(0, 7), r.get_optional(0, 8)};
}

}  // namespace

AppliedRow apply_streamed(Connection& db, const Migration& m, const MigrationScripts& scripts, bool out_of_order,
                          const std::string* allow, const std::string& settings,
                          const std::function<void(std::size_t, std::size_t)>& sent) {
    const StreamedFile& file = *scripts.streamed;
    // migrate_apply_stream's INOUT parameters are migrate_apply's result
    // columns: version, name, status, checksum, statements, duration,
    // out_of_order, risk, report.  Behind a pooler `settings` go first, in
    // the same implicit transaction.
    const std::string call =
        (settings.empty() ? std::string() : settings + "; ") +
        "CALL pg_catalog.migrate_apply_stream(version => " + db.literal(&m.version) +
        ", checksum => " + db.literal(&file.checksum) + ", name => " + db.literal(m.name.empty() ? nullptr : &m.name) +
        ", down => " + db.literal(scripts.down ? &*scripts.down : nullptr) +
        ", verify => " + db.literal(scripts.verify ? &*scripts.verify : nullptr) +
        ", out_of_order => " + (out_of_order ? "true" : "false") + ", allow => " + db.literal(allow) +
        "::pg_catalog.text[])";
    const std::size_t total = file.up_end - file.up_begin;
    return row_of(db.exec_with_copy_data(call, [&](const Connection::DataSender& send) {
        std::size_t done = 0;
        read_file_range(m.up_file, file.up_begin, file.up_end, [&](std::string_view piece) {
            send(piece);
            done += piece.size();
            sent(done, total);
        });
    }));
}

}  // namespace pgm::client
