#include "citus_shards.hpp"

namespace pgm::client {
namespace {

// Every placement of each index's table, each node asked once (in parallel)
// for the state of the shard's index there: true, false, or null when the
// shard has no such index.
constexpr const char* kShardStates = R"SQL(
WITH wanted AS (
  SELECT i.indexrelid, i.indrelid
    FROM pg_catalog.unnest($1::pg_catalog.text[]) AS w(name)
    JOIN pg_catalog.pg_index AS i ON i.indexrelid = pg_catalog.to_regclass(w.name)
   WHERE EXISTS (SELECT 1 FROM pg_catalog.pg_dist_partition AS p WHERE p.logicalrelid = i.indrelid)
), placements AS (
  SELECT w.indexrelid, s.shardid, d.nodename, d.nodeport,
         pg_catalog.shard_name(w.indexrelid, s.shardid, false) AS shard_index
    FROM wanted AS w JOIN pg_catalog.pg_dist_shard AS s ON s.logicalrelid = w.indrelid
    JOIN pg_catalog.pg_dist_placement AS pl ON pl.shardid = s.shardid
    JOIN pg_catalog.pg_dist_node AS d ON d.groupid = pl.groupid
   WHERE d.isactive AND d.noderole = 'primary'
), commands AS (
  SELECT nodename, nodeport,
         'SELECT pg_catalog.json_object_agg(u.name, (SELECT i.indisvalid FROM pg_catalog.pg_index AS i '
         || 'WHERE i.indexrelid = pg_catalog.to_regclass(u.name))) FROM pg_catalog.unnest('
         || pg_catalog.quote_literal(pg_catalog.array_agg(shard_index)::text) || '::pg_catalog.text[]) AS u(name)'
           AS command
    FROM placements GROUP BY nodename, nodeport
), answers AS MATERIALIZED (
  SELECT r.node_name, r.node_port, j.key AS shard_index, j.value::pg_catalog.text AS valid
    FROM pg_catalog.master_run_on_worker(
           ARRAY(SELECT nodename FROM commands ORDER BY nodename, nodeport),
           ARRAY(SELECT nodeport FROM commands ORDER BY nodename, nodeport),
           ARRAY(SELECT command FROM commands ORDER BY nodename, nodeport), true) AS r,
         pg_catalog.json_each(CASE WHEN r.success THEN r.result::pg_catalog.json END) AS j
   WHERE EXISTS (SELECT 1 FROM commands)
)
SELECT p.indexrelid::pg_catalog.regclass::pg_catalog.text,
       pg_catalog.count(*),
       pg_catalog.count(*) FILTER (WHERE a.valid = 'true'),
       pg_catalog.string_agg(p.shardid || ' on ' || p.nodename || ':' || p.nodeport, ', ' ORDER BY p.shardid)
         FILTER (WHERE a.valid = 'false'),
       pg_catalog.count(*) FILTER (WHERE a.valid = 'false'),
       pg_catalog.count(*) FILTER (WHERE a.valid = 'null'),
       pg_catalog.count(*) FILTER (WHERE a.valid IS NULL)
  FROM placements AS p
  LEFT JOIN answers AS a ON a.node_name = p.nodename AND a.node_port = p.nodeport AND a.shard_index = p.shard_index
 GROUP BY p.indexrelid
)SQL";

std::string text_array(const std::vector<std::string>& items) {
    std::string out = "{";
    for (std::size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += ',';
        out += '"';
        for (char c : items[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

std::string describe(const Result& r, int row) {
    const auto count = [&](int col) { return std::stoll(r.get(row, col)); };
    std::string text = r.get(row, 1) + " shards: " + r.get(row, 2) + " valid";
    if (count(4) > 0) text += ", " + r.get(row, 4) + " INVALID (" + r.get(row, 3) + ")";
    if (count(5) > 0) text += ", " + r.get(row, 5) + " not built";
    if (count(6) > 0) text += ", " + r.get(row, 6) + " unknown (the node did not answer)";
    return text;
}

}  // namespace

std::map<std::string, std::string> invalid_index_shards(Connection& db, const std::vector<std::string>& indexes) {
    std::map<std::string, std::string> out;
    if (indexes.empty()) return out;
    // Asked while reporting another failure: a failure to ask must not
    // replace that one's report, so it only leaves the shards unsaid.
    bool citus = false;
    try {
        citus = db.exec("SELECT pg_catalog.to_regclass('pg_catalog.pg_dist_partition') IS NOT NULL").get(0, 0) == "t";
        if (!citus) return out;
        Result r = db.exec(kShardStates, {text_array(indexes)});
        for (int row = 0; row < r.rows(); ++row) out[r.get(row, 0)] = describe(r, row);
    } catch (const ServerError& e) {
        if (citus)
            for (const auto& index : indexes) out[index] = "shards: unknown (they could not be asked: " + e.message + ")";
    }
    return out;
}

}  // namespace pgm::client
