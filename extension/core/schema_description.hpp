// The canonical description of a schema: one row per managed object.
//
// The single definition of what schema_drift compares.  Every object
// pg_migrate manages is described by a query over the system catalogs, giving
//   scope_class, scope_oid  the catalog row it belongs to (a table for its
//                           columns, constraints, indexes, triggers, policies
//                           and rules; itself otherwise),
//   own_class, own_oid      its own catalog row,
//   object_type, identity   its name (identity as pg_identify_object spells it),
//   schema_name             NULL for extensions,
//   definition              its canonical text: what it is, not where it is
//                           stored (no OIDs, no sizes, no statistics, no owner
//                           or privileges).
// NOT NULL is part of a column's or domain's own description ("not null",
// and "not valid" for an unvalidated one): the pg_constraint rows that
// PostgreSQL 18 (tables) and 17 (domains) keep for it are not listed apart,
// so a schema is described the same on every major.  Generated columns are
// "stored" or (18) "virtual".  A partitioned table's access method (17: the
// one its new partitions get) is described as a table's is.
// Covered: every schema but the system ones and "migrate"; never the members
// of an extension (the extension itself is described by name and version)
// nor temporary objects.
//
// Pure SQL text, shared by the extension (schema_drift, migrate_describe) and
// the client (pg_migrate diff against a database without the extension).
// The query runs with search_path pinned to "pg_catalog, pg_temp" (in the
// extension pg/ledger.hpp's OwnerScope; in the client SET LOCAL in a
// read-only transaction), so unqualified names below are the catalog's and
// type and object names in the definitions are schema-qualified (a
// function's identity too: regprocedure qualifies what is not visible, and
// nothing outside pg_catalog is).
#pragma once

// REL, PROC, TYPE, NSP, EXT restrict the relations (c), functions (p), types
// (t), schemas (n) and extensions (e) described, SQL boolean expressions.
#define PGM_DESCRIBE_SCHEMA(REL, PROC, TYPE, NSP, EXT)                                                          \
    "WITH nsp AS MATERIALIZED ("                                                                                 \
    "  SELECT n.oid, n.nspname FROM pg_namespace AS n"                                                          \
    "   WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast', 'migrate')"                     \
    "     AND n.nspname !~ '^pg_(toast_)?temp_'"                                                                 \
    "), rels AS MATERIALIZED ("                                                                                  \
    "  SELECT c.oid, c.relname, c.relkind, c.relpersistence, c.relispartition, c.relrowsecurity,"               \
    "         c.relforcerowsecurity, c.reloptions, c.relam, c.relpartbound, n.nspname,"                         \
    "         format('%I.%I', n.nspname, c.relname) AS ident"                                                    \
    "    FROM pg_class AS c JOIN nsp AS n ON n.oid = c.relnamespace"                                            \
    "   WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f', 'c') AND (" REL ")"                                   \
    "     AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.deptype = 'e' AND ("                                \
    "         (d.classid = 'pg_class'::regclass AND d.objid = c.oid) OR"                                         \
    "         (d.classid = 'pg_type'::regclass AND d.objid = c.reltype)))"                                       \
    ")"                                                                                                          \
    /* relations */                                                                                              \
    " SELECT 'pg_class'::regclass::oid AS scope_class, r.oid AS scope_oid,"                                     \
    "        'pg_class'::regclass::oid AS own_class, r.oid AS own_oid,"                                         \
    "        CASE r.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'"                   \
    "             WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table'"     \
    "             ELSE 'type' END AS object_type,"                                                               \
    "        r.ident AS identity, r.nspname AS schema_name,"                                                     \
    "        concat_ws(E'\\n',"                                                                                  \
    "          CASE r.relkind WHEN 'r' THEN 'table' WHEN 'v' THEN 'view' WHEN 'm' THEN 'materialized view'"     \
    "               WHEN 'S' THEN 'sequence' WHEN 'f' THEN 'foreign table' WHEN 'c' THEN 'composite type'"      \
    "               ELSE 'partitioned table, partition by ' || pg_get_partkeydef(r.oid) END,"                   \
    "          CASE WHEN r.relpersistence = 'u' THEN 'unlogged' END,"                                           \
    "          (SELECT CASE WHEN r.relispartition THEN 'partition of ' ELSE 'inherits ' END"                    \
    "                  || string_agg(format('%I.%I', pn.nspname, p.relname), ', ' ORDER BY i.inhseqno)"         \
    "             FROM pg_inherits AS i JOIN pg_class AS p ON p.oid = i.inhparent"                               \
    "             JOIN pg_namespace AS pn ON pn.oid = p.relnamespace WHERE i.inhrelid = r.oid),"                 \
    "          CASE WHEN r.relispartition THEN pg_get_expr(r.relpartbound, r.oid) END,"                         \
    "          CASE WHEN r.relrowsecurity THEN 'row level security enabled' END,"                               \
    "          CASE WHEN r.relforcerowsecurity THEN 'row level security forced' END,"                           \
    "          CASE WHEN r.relkind IN ('v', 'm') THEN pg_get_viewdef(r.oid) END,"                               \
    "          (SELECT format('%s, start %s, increment %s, minvalue %s, maxvalue %s, cache %s%s',"              \
    "                         format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax,"   \
    "                         s.seqcache, CASE WHEN s.seqcycle THEN ', cycle' ELSE '' END)"                      \
    "             FROM pg_sequence AS s WHERE s.seqrelid = r.oid),"                                              \
    "          (SELECT 'using ' || quote_ident(am.amname) FROM pg_am AS am"                                      \
    "            WHERE am.oid = r.relam AND r.relkind IN ('r', 'm', 'p') AND am.amname <> 'heap'),"                 \
    "          'with (' || array_to_string(r.reloptions, ', ') || ')') AS definition"                           \
    "   FROM rels AS r"                                                                                          \
    /* columns of tables, foreign tables and composite types */                                                  \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_class'::regclass::oid, r.oid, 'pg_class'::regclass::oid, r.oid, 'column',"                               \
    "        r.ident || '.' || quote_ident(a.attname), r.nspname,"                                               \
    "        concat_ws(' ', format_type(a.atttypid, a.atttypmod),"                                               \
    "          CASE WHEN a.attcollation <> ty.typcollation THEN 'collate ' || a.attcollation::regcollation END,"\
    "          CASE WHEN a.attnotnull THEN 'not null' END,"                                                      \
    "          CASE WHEN a.attnotnull AND EXISTS (SELECT FROM pg_constraint AS nn WHERE nn.conrelid = r.oid"      \
    "                 AND nn.contype = 'n' AND nn.conkey[1] = a.attnum AND NOT nn.convalidated) THEN 'not valid' END," \
    "          CASE a.attidentity WHEN 'a' THEN 'generated always as identity'"                                  \
    "                             WHEN 'd' THEN 'generated by default as identity' END,"                         \
    "          CASE WHEN a.attgenerated = 's' THEN 'generated always as (' || pg_get_expr(ad.adbin, ad.adrelid)" \
    "                                              || ') stored'"                                                \
    "               WHEN a.attgenerated = 'v' THEN 'generated always as (' || pg_get_expr(ad.adbin, ad.adrelid)" \
    "                                              || ') virtual'"                                               \
    "               WHEN ad.adbin IS NOT NULL THEN 'default ' || pg_get_expr(ad.adbin, ad.adrelid) END)"         \
    "   FROM rels AS r JOIN pg_attribute AS a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped"    \
    "   JOIN pg_type AS ty ON ty.oid = a.atttypid"                                                               \
    "   LEFT JOIN pg_attrdef AS ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum"                          \
    "  WHERE r.relkind IN ('r', 'p', 'f', 'c')"                                                                  \
    /* constraints of tables (their indexes are described by them) */                                            \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_class'::regclass::oid, r.oid, 'pg_constraint'::regclass::oid, co.oid, 'constraint',"                     \
    "        format('%I on %s', co.conname, r.ident), r.nspname, pg_get_constraintdef(co.oid)"                  \
    "   FROM rels AS r JOIN pg_constraint AS co ON co.conrelid = r.oid"                                         \
    "  WHERE co.contype NOT IN ('t', 'n')"                                                                       \
    /* indexes not made by a constraint */                                                                       \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_class'::regclass::oid, r.oid, 'pg_class'::regclass::oid, ix.indexrelid, 'index',"                        \
    "        format('%I.%I', r.nspname, ic.relname), r.nspname, pg_get_indexdef(ix.indexrelid)"                 \
    "   FROM rels AS r JOIN pg_index AS ix ON ix.indrelid = r.oid"                                              \
    "   JOIN pg_class AS ic ON ic.oid = ix.indexrelid"                                                           \
    "  WHERE NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_class'::regclass"                     \
    "                       AND d.objid = ix.indexrelid AND d.refclassid = 'pg_constraint'::regclass"           \
    "                       AND d.deptype = 'i')"                                                                \
    /* triggers, with whether they fire */                                                                       \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_class'::regclass::oid, r.oid, 'pg_trigger'::regclass::oid, tg.oid, 'trigger',"                           \
    "        format('%I on %s', tg.tgname, r.ident), r.nspname,"                                                \
    "        pg_get_triggerdef(tg.oid) || CASE tg.tgenabled WHEN 'D' THEN ' (disabled)'"                        \
    "          WHEN 'R' THEN ' (enabled for replica only)' WHEN 'A' THEN ' (enabled always)' ELSE '' END"       \
    "   FROM rels AS r JOIN pg_trigger AS tg ON tg.tgrelid = r.oid"                                             \
    "  WHERE NOT tg.tgisinternal"                                                                                \
    /* row security policies */                                                                                  \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_class'::regclass::oid, r.oid, 'pg_policy'::regclass::oid, po.oid, 'policy',"                             \
    "        format('%I on %s', po.polname, r.ident), r.nspname,"                                                \
    "        concat_ws(' ', CASE WHEN po.polpermissive THEN 'permissive' ELSE 'restrictive' END,"               \
    "          'for ' || CASE po.polcmd WHEN 'r' THEN 'select' WHEN 'a' THEN 'insert' WHEN 'w' THEN 'update'"   \
    "                                   WHEN 'd' THEN 'delete' ELSE 'all' END,"                                  \
    "          'to ' || (SELECT string_agg(g.name, ', ' ORDER BY g.name) FROM (SELECT CASE WHEN ro = 0"        \
    "                    THEN 'public' ELSE quote_ident(pg_get_userbyid(ro)) END AS name"                        \
    "                    FROM unnest(po.polroles) AS ro) AS g),"                                                 \
    "          'using (' || pg_get_expr(po.polqual, po.polrelid) || ')',"                                       \
    "          'with check (' || pg_get_expr(po.polwithcheck, po.polrelid) || ')')"                             \
    "   FROM rels AS r JOIN pg_policy AS po ON po.polrelid = r.oid"                                             \
    /* rules other than a view's own */                                                                          \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_class'::regclass::oid, r.oid, 'pg_rewrite'::regclass::oid, ru.oid, 'rule',"                              \
    "        format('%I on %s', ru.rulename, r.ident), r.nspname, pg_get_ruledef(ru.oid)"                       \
    "   FROM rels AS r JOIN pg_rewrite AS ru ON ru.ev_class = r.oid"                                            \
    "  WHERE ru.rulename <> '_RETURN'"                                                                           \
    /* functions, procedures and aggregates, body included */                                                   \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_proc'::regclass::oid, p.oid, 'pg_proc'::regclass::oid, p.oid,"                                           \
    "        CASE p.prokind WHEN 'p' THEN 'procedure' WHEN 'a' THEN 'aggregate' ELSE 'function' END,"           \
    "        p.oid::regprocedure::text, n.nspname,"                                                           \
    "        CASE WHEN p.prokind = 'a' THEN"                                                                     \
    "          (SELECT concat_ws(', ', 'aggregate returning ' || format_type(p.prorettype, NULL),"              \
    "                  'sfunc ' || ag.aggtransfn::regprocedure, 'stype ' || format_type(ag.aggtranstype, NULL)," \
    "                  'finalfunc ' || NULLIF(ag.aggfinalfn, 0)::regprocedure,"                                  \
    "                  'combinefunc ' || NULLIF(ag.aggcombinefn, 0)::regprocedure,"                              \
    "                  'initcond ' || quote_literal(ag.agginitval),"                                             \
    "                  'sortop ' || NULLIF(ag.aggsortop, 0)::regoperator)"                                       \
    "             FROM pg_aggregate AS ag WHERE ag.aggfnoid = p.oid)"                                            \
    "        ELSE pg_get_functiondef(p.oid) END"                                                                 \
    "   FROM pg_proc AS p JOIN nsp AS n ON n.oid = p.pronamespace"                                              \
    "  WHERE (" PROC ") AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_proc'::regclass"       \
    "                                     AND d.objid = p.oid AND d.deptype = 'e')"                              \
    /* enums, domains (with their constraints), ranges, base types */                                            \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_type'::regclass::oid, t.oid, 'pg_type'::regclass::oid, t.oid,"                                           \
    "        CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END,"                                             \
    "        format('%I.%I', n.nspname, t.typname), n.nspname,"                                                  \
    "        CASE t.typtype"                                                                                     \
    "          WHEN 'e' THEN 'enum (' || COALESCE((SELECT string_agg(quote_literal(en.enumlabel), ', '"         \
    "                     ORDER BY en.enumsortorder) FROM pg_enum AS en WHERE en.enumtypid = t.oid), '') || ')'"\
    "          WHEN 'd' THEN concat_ws(' ', 'domain over ' || format_type(t.typbasetype, t.typtypmod),"         \
    "                     CASE WHEN t.typcollation <> bt.typcollation THEN 'collate ' || t.typcollation::regcollation END," \
    "                     CASE WHEN t.typnotnull THEN 'not null' END, 'default ' || t.typdefault,"               \
    "                     (SELECT string_agg(format('constraint %I %s', dc.conname, pg_get_constraintdef(dc.oid)),"\
    "                             ' ' ORDER BY dc.conname) FROM pg_constraint AS dc"                         \
    "                       WHERE dc.contypid = t.oid AND dc.contype <> 'n'))"                                  \
    "          WHEN 'r' THEN (SELECT concat_ws(' ', 'range of ' || format_type(rg.rngsubtype, NULL),"           \
    "                     'collate ' || NULLIF(rg.rngcollation, 0)::regcollation,"                               \
    "                     'opclass ' || quote_ident(oc.opcname),"                                                \
    "                     'canonical ' || NULLIF(rg.rngcanonical, 0)::regproc,"                                  \
    "                     'subtype_diff ' || NULLIF(rg.rngsubdiff, 0)::regproc)"                                 \
    "                FROM pg_range AS rg JOIN pg_opclass AS oc ON oc.oid = rg.rngsubopc"                        \
    "               WHERE rg.rngtypid = t.oid)"                                                                  \
    "          ELSE concat_ws(' ', 'base type, input', t.typinput::regproc, 'output', t.typoutput::regproc,"    \
    "                         'length', t.typlen) END"                                                           \
    "   FROM pg_type AS t JOIN nsp AS n ON n.oid = t.typnamespace"                                              \
    "   LEFT JOIN pg_type AS bt ON bt.oid = t.typbasetype"                                                       \
    "  WHERE t.typtype IN ('e', 'd', 'r', 'b') AND (" TYPE ")"                                                   \
    "    AND NOT (t.typtype = 'b' AND t.typsubscript = 'array_subscript_handler'::regproc)"                     \
    "    AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_type'::regclass"                      \
    "                       AND d.objid = t.oid AND d.deptype = 'e')"                                            \
    /* schemas */                                                                                                \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_namespace'::regclass::oid, n.oid, 'pg_namespace'::regclass::oid, n.oid, 'schema',"                       \
    "        quote_ident(n.nspname), n.nspname, 'schema'"                                                        \
    "   FROM nsp AS n WHERE (" NSP ")"                                                                           \
    "    AND NOT EXISTS (SELECT FROM pg_depend AS d WHERE d.classid = 'pg_namespace'::regclass"                 \
    "                       AND d.objid = n.oid AND d.deptype = 'e')"                                            \
    /* extensions, by name and version */                                                                        \
    " UNION ALL"                                                                                                 \
    " SELECT 'pg_extension'::regclass::oid, e.oid, 'pg_extension'::regclass::oid, e.oid, 'extension',"                    \
    "        quote_ident(e.extname), NULL, format('version %s, schema %I', e.extversion, en.nspname)"           \
    "   FROM pg_extension AS e JOIN pg_namespace AS en ON en.oid = e.extnamespace"                              \
    "  WHERE e.extname <> 'pg_migrate' AND (" EXT ")"

// Every managed object.
#define PGM_DESCRIBE_WHOLE_SCHEMA PGM_DESCRIBE_SCHEMA("true", "true", "true", "true", "true")

// The objects of the scopes given as $1 (relations), $2 (functions), $3
// (types), $4 (schemas) and $5 (extensions), each an oid[].
#define PGM_DESCRIBE_SCOPES                                                                  \
    PGM_DESCRIBE_SCHEMA("c.oid = ANY ($1)", "p.oid = ANY ($2)", "t.oid = ANY ($3)",            \
                        "n.oid = ANY ($4)", "e.oid = ANY ($5)")

// migrate_describe()'s rows: object_type, identity, schema_name, parent (the
// relation a column, constraint, index, trigger, policy or rule belongs to,
// schema-qualified as the relations' identities are, and read from the
// query's snapshot as they are, not through regclass's cache), definition,
// all text, for the objects whose schema
// satisfies COVERED (an SQL condition on d.schema_name; extensions, whose
// schema_name is NULL, always).
#define PGM_DESCRIBE_LISTING(COVERED)                                                                          \
    "SELECT d.object_type::text, d.identity::text, d.schema_name::text,"                                       \
    "       CASE WHEN d.scope_class = 'pg_class'::regclass"                                                    \
    "             AND d.object_type NOT IN ('table', 'view', 'materialized view', 'sequence',"                \
    "                                       'foreign table', 'type')"                                          \
    "            THEN (SELECT format('%I.%I', pn.nspname, pc.relname) FROM pg_class AS pc"                     \
    "                    JOIN pg_namespace AS pn ON pn.oid = pc.relnamespace WHERE pc.oid = d.scope_oid)"      \
    "            END AS parent,"                                                                               \
    "       d.definition::text"                                                                                \
    "  FROM (" PGM_DESCRIBE_WHOLE_SCHEMA ") AS d"                                                              \
    " WHERE d.schema_name IS NULL OR " COVERED                                                                 \
    " ORDER BY d.schema_name NULLS FIRST, parent NULLS FIRST, d.object_type, d.identity"
