// diff --sql's statements, written from described objects (object_sql) and
// planned from differences (migration_plan); the files (migration_writer).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "migration_plan.hpp"
#include "migration_writer.hpp"
#include "object_sql.hpp"

using namespace pgm::client;
namespace fs = std::filesystem;

namespace {

DescribedObject object(std::string type, std::string identity, std::string definition, std::string parent = "") {
    return {std::move(type), std::move(identity), "s", std::move(parent), std::move(definition)};
}

std::string all_sql(const std::vector<PlannedMigration>& plan) {
    std::string out;
    for (const auto& m : plan) {
        out += "== " + m.name + "\n";
        for (const auto& s : m.statements)
            out += (s.kind == StatementKind::run ? "" : s.kind == StatementKind::only_in_b ? "-- " : "## ") +
                   (s.sql.empty() ? s.note : s.sql) + "\n";
    }
    return out;
}

std::vector<PlannedMigration> plan(const std::vector<DescribedObject>& a, const std::vector<DescribedObject>& b,
                                   const SchemaLayout& la = {}, const SchemaLayout& lb = {}, int major = 15) {
    const auto differences = compare_schemas(a, b);
    return plan_migrations({differences, a, la, lb, major});
}

}  // namespace

TEST(ObjectSql, PartNames) {
    EXPECT_EQ(sql::part_name(object("column", "s.t.\"Id\"", "integer", "s.t")), "\"Id\"");
    EXPECT_EQ(sql::part_name(object("constraint", "t_pkey on s.t", "PRIMARY KEY (id)", "s.t")), "t_pkey");
    EXPECT_EQ(sql::part_name(object("trigger", "\"a on b\" on s.t", "CREATE TRIGGER", "s.t")), "\"a on b\"");
}

TEST(ObjectSql, Tables) {
    const auto t = object("table", "s.t", "table\nunlogged\nusing heap2\nwith (fillfactor=70)");
    const auto id = object("column", "s.t.id", "bigint not null generated always as identity", "s.t");
    const auto n = object("column", "s.t.n", "text collate \"C\" not null not valid default 'x'::text", "s.t");
    EXPECT_EQ(sql::create_table(t, {&id, &n}),
              "CREATE UNLOGGED TABLE s.t (\n    id bigint not null generated always as identity,\n"
              "    n text collate \"C\" not null default 'x'::text\n) USING heap2 WITH (fillfactor=70);");
    const auto part = object("table", "s.p1", "table\npartition of s.p\nFOR VALUES FROM (1) TO (10)");
    EXPECT_EQ(sql::create_table(part, {&id}), "CREATE TABLE s.p1 PARTITION OF s.p\n    FOR VALUES FROM (1) TO (10);");
    const auto parent = object("table", "s.p", "partitioned table, partition by RANGE (id)");
    EXPECT_EQ(sql::create_table(parent, {&id}),
              "CREATE TABLE s.p (\n    id bigint not null generated always as identity\n) PARTITION BY RANGE (id);");
}

TEST(ObjectSql, ViewsKeepTheirQueryAndOptions) {
    const auto v = object("view", "s.v", "view\n SELECT t.a\n   FROM s.t\n  WHERE (t.a > 1);\nwith (security_barrier=true)");
    EXPECT_EQ(sql::create_view(v, true),
              "CREATE OR REPLACE VIEW s.v WITH (security_barrier=true) AS\n SELECT t.a\n   FROM s.t\n  WHERE (t.a > 1);");
    const auto m = object("materialized view", "s.m", "materialized view\n SELECT 1 AS x;");
    EXPECT_EQ(sql::create_view(m, false), "CREATE MATERIALIZED VIEW s.m AS\n SELECT 1 AS x;");
}

TEST(ObjectSql, SequencesTypesAggregates) {
    const auto seq = object("sequence", "s.q", "sequence\nbigint, start 5, increment 2, minvalue 1, maxvalue 99, cache 1, cycle");
    EXPECT_EQ(sql::create_sequence(seq),
              "CREATE SEQUENCE s.q AS bigint START WITH 5 INCREMENT BY 2 MINVALUE 1 MAXVALUE 99 CACHE 1 CYCLE;");
    EXPECT_EQ(*sql::create_type(object("type", "s.e", "enum ('a', 'it''s')")), "CREATE TYPE s.e AS ENUM ('a', 'it''s');");
    EXPECT_EQ(*sql::create_type(object("domain", "s.d", "domain over integer not null default 0 constraint p CHECK ((VALUE > 0))")),
              "CREATE DOMAIN s.d AS integer not null default 0 constraint p CHECK ((VALUE > 0));");
    EXPECT_EQ(*sql::create_type(object("type", "s.r", "range of numeric opclass numeric_ops subtype_diff s.diff")),
              "CREATE TYPE s.r AS RANGE (SUBTYPE = numeric, SUBTYPE_OPCLASS = numeric_ops, SUBTYPE_DIFF = s.diff);");
    EXPECT_FALSE(sql::create_type(object("type", "s.b", "base type, input s.in output s.out length -1")).has_value());
    EXPECT_EQ(sql::create_aggregate(object("aggregate", "s.total(numeric)",
                                           "aggregate returning numeric, sfunc numeric_add(numeric,numeric), stype numeric, "
                                           "initcond '0, 1', sortop >(numeric,numeric)")),
              "CREATE AGGREGATE s.total(numeric) (SFUNC = numeric_add, STYPE = numeric, INITCOND = '0, 1', SORTOP = OPERATOR(>));");
}

TEST(ObjectSql, DomainFacts) {
    const auto f = sql::domain_facts("domain over character varying(10) collate \"C\" not null default 'a b'::text "
                                     "constraint \"x y\" CHECK ((VALUE <> ' constraint '::text)) constraint z CHECK (true)");
    EXPECT_EQ(f.base, "character varying(10)");
    EXPECT_EQ(f.collation, "\"C\"");
    EXPECT_TRUE(f.not_null);
    EXPECT_EQ(f.default_value, "'a b'::text");
    ASSERT_EQ(f.constraints.size(), 2u);
    EXPECT_EQ(f.constraints[0].first, "\"x y\"");
    EXPECT_EQ(f.constraints[0].second, "CHECK ((VALUE <> ' constraint '::text))");
    EXPECT_EQ(f.constraints[1].first, "z");
}

TEST(ObjectSql, IndexesTriggersPolicies) {
    const auto ix = object("index", "s.p_at", "CREATE INDEX p_at ON ONLY s.p USING btree (at)", "s.p");
    EXPECT_EQ(sql::create_index(ix, false), "CREATE INDEX p_at ON s.p USING btree (at);");
    const auto ix2 = object("index", "s.t_a", "CREATE UNIQUE INDEX t_a ON s.t USING btree (a)", "s.t");
    EXPECT_EQ(sql::create_index(ix2, true), "CREATE UNIQUE INDEX CONCURRENTLY t_a ON s.t USING btree (a);");
    EXPECT_EQ(sql::drop_statement(ix2, true), "DROP INDEX CONCURRENTLY s.t_a;");
    const auto tg = object("trigger", "tg on s.t", "CREATE TRIGGER tg BEFORE UPDATE ON s.t FOR EACH ROW EXECUTE FUNCTION s.f() (disabled)", "s.t");
    EXPECT_EQ(sql::create_trigger(tg), (std::vector<std::string>{
        "CREATE TRIGGER tg BEFORE UPDATE ON s.t FOR EACH ROW EXECUTE FUNCTION s.f();", "ALTER TABLE s.t DISABLE TRIGGER tg;"}));
    const auto po = object("policy", "mine on s.t", "permissive for select to public using ((id > 0))", "s.t");
    EXPECT_EQ(sql::create_policy(po), "CREATE POLICY mine ON s.t AS permissive for select to public using ((id > 0));");
}

TEST(MigrationPlan, NewTableWholeExistingTableNotValidThenValidated) {
    const std::vector<DescribedObject> a = {
        object("table", "s.t", "table"), object("column", "s.t.id", "integer not null", "s.t"),
        object("column", "s.t.n", "integer not null", "s.t"),
        object("constraint", "t_n on s.t", "CHECK ((n > 0))", "s.t"),
        object("constraint", "t_fk on s.t", "FOREIGN KEY (id) REFERENCES s.u(id)", "s.t"),
        object("index", "s.t_n", "CREATE INDEX t_n ON s.t USING btree (n)", "s.t"),
        object("table", "s.u", "table"), object("column", "s.u.id", "integer", "s.u"),
        object("constraint", "u_c on s.u", "CHECK ((id > 0))", "s.u"),
        object("index", "s.u_id", "CREATE INDEX u_id ON s.u USING btree (id)", "s.u")};
    const std::vector<DescribedObject> b = {object("table", "s.t", "table"),
                                            object("column", "s.t.id", "integer not null", "s.t"),
                                            object("column", "s.t.n", "integer", "s.t")};
    SchemaLayout layout;
    layout.column_position = {{"s.t.id", 1}, {"s.t.n", 2}, {"s.u.id", 1}};
    EXPECT_EQ(all_sql(plan(a, b, layout)),
              "== schema_diff\n"
              "CREATE TABLE s.u (\n    id integer\n);\n"
              "ALTER TABLE s.t ADD CONSTRAINT n_not_null CHECK (n IS NOT NULL) NOT VALID;\n"
              "ALTER TABLE s.t ADD CONSTRAINT t_n CHECK ((n > 0)) NOT VALID;\n"
              "ALTER TABLE s.u ADD CONSTRAINT u_c CHECK ((id > 0));\n"
              "ALTER TABLE s.t ADD CONSTRAINT t_fk FOREIGN KEY (id) REFERENCES s.u(id) NOT VALID;\n"
              "CREATE INDEX u_id ON s.u USING btree (id);\n"
              "== schema_diff_indexes\n"
              "CREATE INDEX CONCURRENTLY t_n ON s.t USING btree (n);\n"
              "== schema_diff_validate\n"
              "ALTER TABLE s.t VALIDATE CONSTRAINT n_not_null;\n"
              "ALTER TABLE s.t ALTER COLUMN n SET NOT NULL;\n"
              "ALTER TABLE s.t DROP CONSTRAINT n_not_null;\n"
              "ALTER TABLE s.t VALIDATE CONSTRAINT t_n;\n"
              "ALTER TABLE s.t VALIDATE CONSTRAINT t_fk;\n");
}

TEST(MigrationPlan, ColumnsChangeInPlace) {
    const std::vector<DescribedObject> a = {
        object("table", "s.t", "table\nrow level security enabled\nwith (fillfactor=80)"),
        object("column", "s.t.a", "bigint default 1", "s.t"),
        object("column", "s.t.b", "text", "s.t"),
        object("column", "s.t.c", "integer not null generated by default as identity", "s.t")};
    const std::vector<DescribedObject> b = {
        object("table", "s.t", "table\nwith (fillfactor=70, autovacuum_enabled=false)"),
        object("column", "s.t.a", "integer default 0", "s.t"), object("column", "s.t.b", "text not null default 'x'::text", "s.t"),
        object("column", "s.t.c", "integer not null", "s.t")};
    EXPECT_EQ(all_sql(plan(a, b)),
              "== schema_diff\n"
              "ALTER TABLE s.t ALTER COLUMN a DROP DEFAULT;\n"
              "ALTER TABLE s.t ALTER COLUMN a TYPE bigint USING a::bigint;\n"
              "ALTER TABLE s.t ALTER COLUMN a SET DEFAULT 1;\n"
              "ALTER TABLE s.t ALTER COLUMN b DROP DEFAULT;\n"
              "ALTER TABLE s.t ALTER COLUMN b DROP NOT NULL;\n"
              "ALTER TABLE s.t ALTER COLUMN c ADD GENERATED BY DEFAULT AS IDENTITY;\n"
              "ALTER TABLE s.t ENABLE ROW LEVEL SECURITY;\n"
              "ALTER TABLE s.t SET (fillfactor=80);\n"
              "ALTER TABLE s.t RESET (autovacuum_enabled);\n");
}

TEST(MigrationPlan, EnumLabelsAddedInPlaceOrLeftToAPerson) {
    const auto added = plan({object("type", "s.e", "enum ('new', 'a', 'mid', 'b', 'last')")},
                            {object("type", "s.e", "enum ('a', 'b')")});
    EXPECT_EQ(all_sql(added),
              "== schema_diff\n"
              "ALTER TYPE s.e ADD VALUE 'new' BEFORE 'a';\n"
              "ALTER TYPE s.e ADD VALUE 'mid' AFTER 'a';\n"
              "ALTER TYPE s.e ADD VALUE 'last' AFTER 'b';\n");
    const auto removed = plan({object("type", "s.e", "enum ('a')")}, {object("type", "s.e", "enum ('a', 'b')")});
    EXPECT_EQ(removed.at(0).statements.at(0).kind, StatementKind::needs_a_person);
    EXPECT_EQ(removed.at(0).runnable(), 0);
}

TEST(MigrationPlan, WhatOnlyBHasIsDroppedOnlyInComments) {
    SchemaLayout lb;
    lb.identity_sequences = {"s.gone_id_seq"};
    const auto p = plan({}, {object("table", "s.gone", "table"), object("column", "s.gone.id", "integer", "s.gone"),
                             object("sequence", "s.gone_id_seq", "sequence\ninteger, start 1, increment 1, minvalue 1, maxvalue 9, cache 1"),
                             object("index", "s.gone_i", "CREATE INDEX gone_i ON s.gone USING btree (id)", "s.gone"),
                             object("function", "s.f()", "CREATE OR REPLACE FUNCTION s.f()\n RETURNS integer\n...")},
                         {}, lb);
    EXPECT_EQ(all_sql(p), "== schema_diff\n-- DROP TABLE s.gone;\n-- DROP FUNCTION s.f();\n");
    EXPECT_EQ(p.at(0).runnable(), 0);
    EXPECT_NE(p.at(0).statements.at(0).note.find("DATA LOSS"), std::string::npos);
    EXPECT_EQ(p.at(0).statements.at(1).note.find("DATA LOSS"), std::string::npos);
}

TEST(MigrationPlan, ViewsAfterWhatTheyRead) {
    const auto p = plan({object("view", "s.v2", "view\n SELECT v1.x\n   FROM s.v1;"),
                         object("view", "s.v1", "view\n SELECT 1 AS x;"),
                         object("view", "s.v10", "view\n SELECT 2 AS x;")},
                        {});
    EXPECT_EQ(all_sql(p), "== schema_diff\nCREATE VIEW s.v1 AS\n SELECT 1 AS x;\nCREATE VIEW s.v10 AS\n SELECT 2 AS x;\n"
                          "CREATE VIEW s.v2 AS\n SELECT v1.x\n   FROM s.v1;\n");
}

TEST(MigrationWriter, EachLayoutAndTimestampsInOrder) {
    const fs::path dir = fs::temp_directory_path() / ("pgm_writer_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir / "golang");
    std::ofstream(dir / "golang" / "0007_init.up.sql") << "SELECT 1;\n";
    std::ofstream(dir / "golang" / "0007_init.down.sql") << "SELECT 1;\n";
    const auto files = write_next_migration(dir / "golang", {"x", "CREATE INDEX CONCURRENTLY i ON t (a);\n", true, ""});
    ASSERT_EQ(files.size(), 2u);
    EXPECT_EQ(files[0].filename(), "0008_x.up.sql");
    std::stringstream up;
    up << std::ifstream(files[0]).rdbuf();
    EXPECT_EQ(up.str(), "-- x\n-- migrate:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (a);\n");

    fs::create_directories(dir / "plain");
    std::ofstream(dir / "plain" / "20991231235959_far.sql") << "SELECT 1;\n";
    const auto first = write_next_migration(dir / "plain", {"one", "SELECT 2;\n", false, "data_loss"});
    const auto second = write_next_migration(dir / "plain", {"two", "SELECT 3;\n", false, ""});
    EXPECT_EQ(first.at(0).filename(), "21000101000000_one.sql");
    EXPECT_EQ(second.at(0).filename(), "21000101000001_two.sql");
    std::stringstream one;
    one << std::ifstream(first[0]).rdbuf();
    EXPECT_EQ(one.str(), "-- migrate:up\n-- migrate:allow data_loss\nSELECT 2;\n\n-- migrate:down\n\n");

    fs::create_directories(dir / "diesel" / "2020-01-01-000000_init");
    std::ofstream(dir / "diesel" / "2020-01-01-000000_init" / "up.sql") << "SELECT 1;\n";
    const auto diesel = write_next_migration(dir / "diesel", {"idx", "SELECT 1;\n", true, ""});
    ASSERT_EQ(diesel.size(), 3u);
    EXPECT_EQ(diesel[2].filename(), "metadata.toml");
    fs::remove_all(dir);
}

TEST(MigrationPlan, GeneratedColumnsMadeAgainOnlyAllowWhatWasComputed) {
    const auto a = std::vector<DescribedObject>{
        object("table", "s.t", "table"),
        object("column", "s.t.g", "integer generated always as ((n * 2)) stored", "s.t"),
        object("column", "s.t.h", "integer generated always as ((n * 3)) stored", "s.t")};
    const auto b = std::vector<DescribedObject>{
        object("table", "s.t", "table"),
        object("column", "s.t.g", "integer generated always as ((n * 5)) stored", "s.t"),
        object("column", "s.t.h", "integer", "s.t")};
    const auto on_16 = plan(a, b, {}, {}, 16);
    ASSERT_EQ(on_16.size(), 1u);
    EXPECT_EQ(on_16[0].allow, "data_loss");  // g: computed in B too
    EXPECT_NE(on_16[0].statements.at(2).note.find("DATA LOSS"), std::string::npos);  // h: B's data
    const auto only_plain = plan({a[0], a[2]}, {b[0], b[2]}, {}, {}, 17);
    EXPECT_EQ(only_plain.at(0).allow, "");
    const auto on_17 = plan({a[0], a[1]}, {b[0], b[1]}, {}, {}, 17);
    EXPECT_EQ(all_sql(on_17), "== schema_diff\nALTER TABLE s.t ALTER COLUMN g SET EXPRESSION AS ((n * 2));\n");
}

TEST(MigrationPlan, DropsOfWhatOnlyBHasInAnOrderThatWorks) {
    const std::vector<DescribedObject> b = {
        object("table", "s.a_refs", "table"),
        object("constraint", "a_fk on s.a_refs", "FOREIGN KEY (p) REFERENCES s.people(id)", "s.a_refs"),
        object("table", "s.people", "table"),
        object("table", "s.b_child", "table\ninherits s.people"),
        object("table", "s.parts", "partitioned table, partition by LIST (k)"),
        object("table", "s.parts_1", "table\npartition of s.parts\nFOR VALUES IN (1)"),
        object("view", "s.v1", "view\n SELECT 1 AS x;"),
        object("view", "s.v2", "view\n SELECT v1.x\n   FROM s.v1;"),
        object("type", "s.e", "enum ('a')"),
        object("domain", "s.d", "domain over s.e"),
        object("aggregate", "s.agg(integer)", "aggregate returning integer, sfunc s.f(integer,integer), stype integer"),
        object("function", "s.f(integer,integer)", "CREATE OR REPLACE FUNCTION s.f(integer, integer)\n RETURNS integer\n...")};
    EXPECT_EQ(all_sql(plan({}, b)),
              "== schema_diff\n"
              "-- DROP VIEW s.v2;\n-- DROP VIEW s.v1;\n"
              "-- DROP TABLE s.parts;\n-- DROP TABLE s.b_child;\n-- DROP TABLE s.a_refs;\n-- DROP TABLE s.people;\n"
              "-- DROP AGGREGATE s.agg(integer);\n-- DROP FUNCTION s.f(integer,integer);\n"
              "-- DROP DOMAIN s.d;\n-- DROP TYPE s.e;\n");
}
