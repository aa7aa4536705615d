// pg_migrate diff's comparison of two schema descriptions (client/schema_compare).
#include <gtest/gtest.h>

#include "schema_compare.hpp"

using pgm::client::column_facts;
using pgm::client::compare_schemas;
using pgm::client::DescribedObject;
using pgm::client::Presence;
using pgm::client::what_differs;

TEST(ColumnFacts, TakesADefinitionApart) {
    const auto f = column_facts("character varying(20) collate \"C\" not null default 'x y'::character varying");
    EXPECT_EQ(f.type, "character varying(20)");
    EXPECT_EQ(f.collation, "\"C\"");
    EXPECT_EQ(f.nullability, "not null");
    EXPECT_EQ(f.default_value, "'x y'::character varying");
    EXPECT_EQ(f.generated, "");
}

TEST(ColumnFacts, TypesWithSpacesIdentityAndGeneratedColumns) {
    EXPECT_EQ(column_facts("timestamp with time zone").type, "timestamp with time zone");
    const auto id = column_facts("bigint not null generated always as identity");
    EXPECT_EQ(id.type, "bigint");
    EXPECT_EQ(id.nullability, "not null");
    EXPECT_EQ(id.generated, "generated always as identity");
    const auto g = column_facts("numeric generated always as ((price * 2)) stored");
    EXPECT_EQ(g.type, "numeric");
    EXPECT_EQ(g.generated, "generated always as ((price * 2)) stored");
    EXPECT_EQ(column_facts("integer not null not valid").nullability, "not null not valid");
}

TEST(WhatDiffers, NamesEachFactOfAColumn) {
    EXPECT_EQ(what_differs("column", "integer not null", "bigint"),
              "type: integer in A, bigint in B; nullability: not null in A, null in B");
    EXPECT_EQ(what_differs("column", "text default 'a'::text", "text collate \"C\""),
              "collation: none in A, \"C\" in B; default: 'a'::text in A, none in B");
}

TEST(WhatDiffers, EnumLabelsAndOtherDefinitions) {
    EXPECT_EQ(what_differs("type", "enum ('a', 'b', 'it''s')", "enum ('a', 'c')"),
              "labels only in A: 'b', 'it''s'; labels only in B: 'c'");
    EXPECT_EQ(what_differs("type", "enum ('a', 'b')", "enum ('b', 'a')"),
              "labels in another order: 'a', 'b' in A, 'b', 'a' in B");
    EXPECT_EQ(what_differs("index", "CREATE INDEX i ON t USING btree (a)", "CREATE INDEX i ON t USING hash (a)"),
              "A: CREATE INDEX i ON t USING btree (a); B: CREATE INDEX i ON t USING hash (a)");
}

TEST(CompareSchemas, OnlyInEachAndDifferentGroupedByTable) {
    const std::vector<DescribedObject> a = {
        {"table", "s.t", "s", "", "table"},
        {"column", "s.t.id", "s", "s.t", "integer"},
        {"column", "s.t.gone", "s", "s.t", "text"},
        {"function", "s.f()", "s", "", "body 1"},
        {"schema", "s", "s", "", "schema"},
    };
    const std::vector<DescribedObject> b = {
        {"schema", "s", "s", "", "schema"},
        {"function", "s.f()", "s", "", "body 2"},
        {"column", "s.t.id", "s", "s.t", "bigint"},
        {"table", "s.t", "s", "", "table"},
        {"index", "s.t_i", "s", "s.t", "CREATE INDEX t_i ON s.t USING btree (id)"},
    };
    const auto d = compare_schemas(a, b);
    ASSERT_EQ(d.size(), 4u);
    EXPECT_EQ(d[0].any().identity, "s.f()");  // not in a table: first
    EXPECT_EQ(d[0].presence, Presence::different);
    EXPECT_EQ(d[1].any().identity, "s.t.gone");
    EXPECT_EQ(d[1].presence, Presence::only_in_a);
    EXPECT_EQ(d[2].any().identity, "s.t.id");
    EXPECT_EQ(d[2].what_differs, "type: integer in A, bigint in B");
    EXPECT_EQ(d[3].any().identity, "s.t_i");
    EXPECT_EQ(d[3].presence, Presence::only_in_b);
    EXPECT_EQ(d[3].group(), "s.t");
    EXPECT_TRUE(compare_schemas(a, a).empty());
}

TEST(ColumnFacts, MarkersInsideQuotedNamesAndExpressions) {
    const auto quoted = column_facts("shop.\"my default type\" collate public.\"x not null\" default 1");
    EXPECT_EQ(quoted.type, "shop.\"my default type\"");
    EXPECT_EQ(quoted.collation, "public.\"x not null\"");
    EXPECT_EQ(quoted.nullability, "");
    EXPECT_EQ(quoted.default_value, "1");
    const auto in_default = column_facts("text not null default 'x not null collate y'::text");
    EXPECT_EQ(in_default.type, "text");
    EXPECT_EQ(in_default.collation, "");
    EXPECT_EQ(in_default.default_value, "'x not null collate y'::text");
    EXPECT_EQ(column_facts("text generated always as ((a || ' default '::text)) stored").generated,
              "generated always as ((a || ' default '::text)) stored");
}

TEST(WhatDiffers, EnumLabelsWithCommasAndParentheses) {
    EXPECT_EQ(what_differs("type", "enum ('a, b', 'c (d)')", "enum ('a, b')"), "labels only in A: 'c (d)'");
    EXPECT_EQ(what_differs("type", "enum ('a', E'b\\\\c')", "enum ('a')"), "labels only in A: E'b\\\\c'");
}

TEST(CompareSchemas, NotInATableFirstThenTablesOwnRowFirstCompositeTypesAsTables) {
    const std::vector<DescribedObject> a = {
        {"table", "b.t", "b", "", "table"},
        {"column", "b.t.x", "b", "b.t", "integer"},
        {"type", "a.addr", "a", "", "composite type"},
        {"column", "a.addr.street", "a", "a.addr", "text"},
        {"function", "z.f()", "z", "", "body"},
    };
    const std::vector<DescribedObject> b = {};
    const auto d = compare_schemas(a, b);
    ASSERT_EQ(d.size(), 5u);
    EXPECT_EQ(d[0].any().identity, "z.f()");  // not in a table, though its schema sorts last
    EXPECT_EQ(d[0].group(), "");
    EXPECT_EQ(d[1].any().identity, "a.addr");  // a composite type heads its columns
    EXPECT_EQ(d[1].group(), "a.addr");
    EXPECT_EQ(d[2].any().identity, "a.addr.street");
    EXPECT_EQ(d[3].any().identity, "b.t");  // the table's own row before its column
    EXPECT_EQ(d[4].any().identity, "b.t.x");
}
