// PG zone: see shard_shapes.hpp.
#include "shard_shapes.hpp"

#include "../ledger.hpp"
#include "citus.hpp"

extern "C" {
#include "commands/extension.h"
#include "executor/spi.h"
}

namespace pgm::pg {
namespace {

SPIPlanPtr differences_plan, counts_plan, coordinator_plan;

// An index (pg_index AS i) as an item of a shape: "index UNIQUE btree
// (tenant, name)", with its INCLUDE columns and predicate.
#define PGM_INDEX_ITEM                                                                                       \
    "pg_catalog.format('index %s%s (%s)%s%s', CASE WHEN i.indisunique THEN 'UNIQUE ' ELSE '' END,"           \
    " (SELECT m.amname FROM pg_catalog.pg_class AS ic JOIN pg_catalog.pg_am AS m ON m.oid = ic.relam"         \
    "   WHERE ic.oid = i.indexrelid),"                                                                       \
    " (SELECT pg_catalog.string_agg(pg_catalog.pg_get_indexdef(i.indexrelid, k, false), ', ' ORDER BY k)"    \
    "    FROM pg_catalog.generate_series(1, i.indnkeyatts) AS k),"                                           \
    " (SELECT ' INCLUDE (' || pg_catalog.string_agg(pg_catalog.pg_get_indexdef(i.indexrelid, k, false), "   \
    "         ', ' ORDER BY k) || ')' FROM pg_catalog.generate_series(i.indnkeyatts + 1, i.indnatts) AS k),"  \
    " ' WHERE ' || pg_catalog.pg_get_expr(i.indpred, i.indrelid))"

// The INVALID indexes of a relation, as items: a concurrent build that failed
// leaves the shards' indexes valid on some, INVALID on others.
#define PGM_INVALID_INDEXES_OF(R)                                                                            \
    "SELECT pg_catalog.array_agg(" PGM_INDEX_ITEM ") FROM pg_catalog.pg_index AS i"                          \
    " WHERE i.indrelid = " R " AND NOT i.indisvalid"

// The shape of a relation (an SQL expression of type regclass) as a sorted
// text[]: one item per column (name, type, NOT NULL), index (method,
// uniqueness, keys, INCLUDE, predicate) and constraint.  Names of
// indexes and constraints are left out, and a foreign key names the columns
// it references but not their table: on a shard Citus suffixes them with the
// shard's id.  NULL when the relation does not exist.  The same query runs on
// the coordinator for its table and on each node for that table's shards.
#define PGM_SHAPE_OF(R)                                                                                      \
    "SELECT pg_catalog.array_agg(item ORDER BY item) FROM ("                                                 \
    " SELECT pg_catalog.format('column %I %s%s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod), " \
    "        CASE WHEN a.attnotnull THEN ' NOT NULL' ELSE '' END)"                                           \
    "   FROM pg_catalog.pg_attribute AS a WHERE a.attrelid = " R " AND a.attnum > 0 AND NOT a.attisdropped"  \
    " UNION ALL"                                                                                             \
    " SELECT " PGM_INDEX_ITEM " FROM pg_catalog.pg_index AS i WHERE i.indrelid = " R                      \
    " UNION ALL"                                                                                             \
    " SELECT 'constraint ' || CASE WHEN c.contype = 'f' THEN"                                                \
    "        pg_catalog.format('FOREIGN KEY (%s) REFERENCES (%s) ON UPDATE %s ON DELETE %s%s',"             \
    "          (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(x.attname), ', ' ORDER BY k.o)"          \
    "             FROM pg_catalog.unnest(c.conkey) WITH ORDINALITY AS k(n, o)"                               \
    "             JOIN pg_catalog.pg_attribute AS x ON x.attrelid = c.conrelid AND x.attnum = k.n),"         \
    "          (SELECT pg_catalog.string_agg(pg_catalog.quote_ident(x.attname), ', ' ORDER BY k.o)"          \
    "             FROM pg_catalog.unnest(c.confkey) WITH ORDINALITY AS k(n, o)"                              \
    "             JOIN pg_catalog.pg_attribute AS x ON x.attrelid = c.confrelid AND x.attnum = k.n),"        \
    "          CASE c.confupdtype WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'" \
    "            WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END,"                                         \
    "          CASE c.confdeltype WHEN 'r' THEN 'RESTRICT' WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL'" \
    "            WHEN 'd' THEN 'SET DEFAULT' ELSE 'NO ACTION' END,"                                         \
    "          CASE WHEN c.convalidated THEN '' ELSE ' NOT VALID' END)"                                      \
    "        ELSE pg_catalog.pg_get_constraintdef(c.oid) END"                                                \
    "   FROM pg_catalog.pg_constraint AS c WHERE c.conrelid = " R                                            \
    ") AS shape(item)"

// What each node is sent ($2 of kDifferences): the shapes of the shards it
// holds and their INVALID indexes, as one JSON object {shard id: [shape,
// invalid indexes]}, the placeholders replaced by array literals of the shard
// ids and their tables' names.
constexpr const char* kNodeCommand =
    "SELECT pg_catalog.json_object_agg(u.shardid, pg_catalog.json_build_array((" PGM_SHAPE_OF("u.rel") "), ("
    PGM_INVALID_INDEXES_OF("u.rel") "))) "
    "FROM (SELECT s.shardid, pg_catalog.to_regclass(s.name) AS rel FROM ROWS FROM ("
    "pg_catalog.unnest(@IDS@::pg_catalog.int8[]), pg_catalog.unnest(@NAMES@::pg_catalog.text[])) "
    "AS s(shardid, name)) AS u";

// Every placement of every distributed, reference or Citus-managed local
// table in the covered schemas, the node's answer beside the table's shape
// here.  One master_run_on_worker call asks every node at once, in parallel,
// over connections of the current role (the ledger's owner).  Each answer's
// JSON is read once (MATERIALIZED: inlined, it was read again for every
// placement, 25 times slower with 3,200 of them).
constexpr const char* kDifferences =
    "WITH tables AS ("
    "  SELECT p.logicalrelid AS rel, pg_catalog.format('%I.%I', n.nspname, c.relname) AS name,"
    "         (" PGM_SHAPE_OF("p.logicalrelid") ") AS items"
    "    FROM pg_catalog.pg_dist_partition AS p JOIN pg_catalog.pg_class AS c ON c.oid = p.logicalrelid"
    "    JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace"
    "   WHERE " PGM_COVERED("n.nspname") "), "
    "placements AS ("
    "  SELECT t.rel, t.name, t.items, s.shardid, pg_catalog.shard_name(t.rel, s.shardid, false) AS shard,"
    "         d.nodename, d.nodeport"
    "    FROM tables AS t JOIN pg_catalog.pg_dist_shard AS s ON s.logicalrelid = t.rel"
    "    JOIN pg_catalog.pg_dist_placement AS pl ON pl.shardid = s.shardid"
    "    JOIN pg_catalog.pg_dist_node AS d ON d.groupid = pl.groupid"
    "   WHERE d.isactive AND d.noderole = 'primary'), "
    "commands AS ("
    "  SELECT nodename, nodeport, pg_catalog.replace(pg_catalog.replace($2,"
    "           '@IDS@', pg_catalog.quote_literal(pg_catalog.array_agg(shardid)::text)),"
    "           '@NAMES@', pg_catalog.quote_literal(pg_catalog.array_agg(shard)::text)) AS command"
    "    FROM placements GROUP BY nodename, nodeport), "
    "answers AS ("
    "  SELECT r.node_name, r.node_port, r.success, r.result FROM pg_catalog.master_run_on_worker("
    "      ARRAY(SELECT nodename FROM commands ORDER BY nodename, nodeport),"
    "      ARRAY(SELECT nodeport FROM commands ORDER BY nodename, nodeport),"
    "      ARRAY(SELECT command FROM commands ORDER BY nodename, nodeport), true) AS r"
    "   WHERE EXISTS (SELECT 1 FROM commands)), "
    "found AS MATERIALIZED ("
    "  SELECT a.node_name, a.node_port, j.key::pg_catalog.int8 AS shardid,"
    "         pg_catalog.json_typeof(j.value -> 0) = 'array' AS present,"
    "         ARRAY(SELECT pg_catalog.json_array_elements_text(CASE WHEN pg_catalog.json_typeof(j.value -> 0) = 'array'"
    "                THEN j.value -> 0 END)) AS items,"
    "         ARRAY(SELECT pg_catalog.json_array_elements_text(CASE WHEN pg_catalog.json_typeof(j.value -> 1) = 'array'"
    "                THEN j.value -> 1 END)) AS invalid"
    "    FROM answers AS a, pg_catalog.json_each(a.result::pg_catalog.json) AS j WHERE a.success) "
    "SELECT pg_catalog.format('%s shard %s on %s:%s', p.name, p.shardid, p.nodename, p.nodeport),"
    "       CASE WHEN NOT f.present THEN pg_catalog.format('the shard''s table %s does not exist on %s:%s',"
    "                                                        p.shard, p.nodename, p.nodeport)"
    "       ELSE pg_catalog.format('%s differs from %s on the coordinator: %s', p.shard, p.name,"
    "         pg_catalog.concat_ws('; ',"
    "           'missing on the shard: ' || (SELECT pg_catalog.string_agg(x, ', ' ORDER BY x) FROM"
    "              (SELECT pg_catalog.unnest(p.items) EXCEPT SELECT pg_catalog.unnest(f.items)) AS m(x)),"
    "           'only on the shard: ' || (SELECT pg_catalog.string_agg(x, ', ' ORDER BY x) FROM"
    "              (SELECT pg_catalog.unnest(f.items) EXCEPT SELECT pg_catalog.unnest(p.items)) AS m(x)),"
    "           'INVALID on the shard (a concurrent build that failed there): ' ||"
    "              (SELECT pg_catalog.string_agg(x, ', ' ORDER BY x) FROM pg_catalog.unnest(f.invalid) AS m(x))))"
    "       END"
    "  FROM placements AS p"
    "  JOIN found AS f ON f.node_name = p.nodename AND f.node_port = p.nodeport AND f.shardid = p.shardid"
    " WHERE NOT f.present OR NOT (f.items @> p.items AND p.items @> f.items)"
    "    OR pg_catalog.cardinality(f.invalid) > 0 "
    "UNION ALL "
    "SELECT pg_catalog.format('node %s:%s', a.node_name, a.node_port),"
    "       'could not check the shards it holds: ' || a.result"
    "  FROM answers AS a WHERE NOT a.success "
    "ORDER BY 1";

constexpr const char* kCounts =
    "SELECT pg_catalog.count(DISTINCT p.logicalrelid), pg_catalog.count(pl.placementid)"
    "  FROM pg_catalog.pg_dist_partition AS p JOIN pg_catalog.pg_class AS c ON c.oid = p.logicalrelid"
    "  JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace"
    "  JOIN pg_catalog.pg_dist_shard AS s ON s.logicalrelid = p.logicalrelid"
    "  JOIN pg_catalog.pg_dist_placement AS pl ON pl.shardid = s.shardid"
    " WHERE " PGM_COVERED("n.nspname");

int64 count_column(int col) {
    bool isnull;
    Datum d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, col, &isnull);
    return isnull ? 0 : DatumGetInt64(d);
}

}  // namespace

bool citus_coordinator() {
    if (!citus_loaded() || !OidIsValid(get_extension_oid("citus", true))) return false;
    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan = kept_plan(&coordinator_plan, "SELECT pg_catalog.citus_is_coordinator()", 0, nullptr);
    if (SPI_execute_plan(plan, nullptr, nullptr, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "could not ask Citus whether this node is its coordinator");
    bool isnull;
    const bool coordinator = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
    leave_owner_scope(&scope);
    return coordinator && !isnull;
}

ShardCheck* check_shards() {
    ShardCheck* check = static_cast<ShardCheck*>(palloc0(sizeof(ShardCheck)));
    check->differences = query_findings(&differences_plan, kDifferences, kNodeCommand);

    bool isnull;
    Datum schemas = covered_schemas(&isnull);
    Oid types[1] = {TEXTARRAYOID};
    char nulls[1] = {isnull ? 'n' : ' '};
    OwnerScope scope;
    enter_owner_scope(&scope);
    SPIPlanPtr plan = kept_plan(&counts_plan, kCounts, 1, types);
    if (SPI_execute_plan(plan, &schemas, nulls, true, 1) != SPI_OK_SELECT || SPI_processed != 1)
        elog(ERROR, "could not count the distributed tables' shards");
    check->tables = count_column(1);
    check->placements = count_column(2);
    leave_owner_scope(&scope);
    return check;
}

}  // namespace pgm::pg
