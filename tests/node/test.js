// pg_migrate through node-postgres, the way Supabase/Neon-style SQL editors
// send SQL: a whole buffer as ONE simple query.  Every buffer is also run
// through psql on a twin database; rows and error fields must be identical.
//
// Connection from the libpq variables (PGHOST, PGPORT, PGUSER) set by the
// test cluster.  Prints "N passed, N failed" and exits non-zero on failure.
'use strict';

const { Client } = require('pg');
const { spawnSync } = require('child_process');

const rawText = { getTypeParser: () => (value) => value };  // compare text, as psql shows it

const buffers = [
  {
    name: 'install and first migration in one buffer',
    sql: `CREATE EXTENSION pg_migrate;
          SELECT version, name, status, statements FROM migrate_apply('001', $m$
            CREATE TABLE projects (id int PRIMARY KEY, title varchar(500));
            INSERT INTO projects VALUES (1, 'portfolio; with a semicolon');
          $m$, name => 'create_projects');`,
  },
  {
    name: 're-running is a no-op',
    sql: `SELECT version, status FROM migrate_apply('001', $m$
            CREATE TABLE projects (id int PRIMARY KEY, title varchar(500));
            INSERT INTO projects VALUES (1, 'portfolio; with a semicolon');
          $m$, name => 'create_projects');`,
  },
  {
    name: 'several migrations and the status in one buffer',
    sql: `SELECT version, status FROM migrate_apply('002', 'ALTER TABLE projects ALTER COLUMN title TYPE text');
          SELECT version, status FROM migrate_apply('003', E'BEGIN;\\nCREATE TABLE skills (level numeric(5,2) CHECK (level BETWEEN 0 AND 100));\\nCOMMIT;');
          SELECT version, name, state, statements FROM migrate_status();
          SELECT migrate_version();`,
  },
  {
    name: 'status against files on disk',
    sql: `SELECT version, state FROM migrate_status('{"001": "x", "002": "y", "004": "z"}');`,
  },
  {
    name: 'split as the server sees it',
    sql: `SELECT statement, line, command, transactional FROM migrate_split($s$
            CREATE FUNCTION f() RETURNS int LANGUAGE plpgsql AS $$ BEGIN RETURN 1; END $$;
            CREATE INDEX CONCURRENTLY ON projects (title);
          $s$);`,
  },
  {
    name: 'a failing migration reports the same error',
    sql: `SELECT * FROM migrate_apply('004', E'CREATE TABLE metrics (id int);\\nINSERT INTO projects VALUES (1, ''dup'');');`,
  },
  {
    name: 'a refused migration reports the same error',
    sql: `SELECT * FROM migrate_apply('004', E'CREATE TABLE metrics (id int);\\nVACUUM projects;');`,
  },
  {
    name: 'a changed script reports the same error',
    sql: `SELECT * FROM migrate_apply('002', 'ALTER TABLE projects ALTER COLUMN title TYPE varchar(1000)');`,
  },
  {
    name: 'nothing of the failures remained',
    sql: `SELECT to_regclass('metrics') IS NULL AS no_metrics, count(*) AS ledger_rows FROM migrate.ledger;`,
  },
  {
    name: 'a migration that cannot run in a transaction is one call: submitted',
    sql: `SELECT version, status FROM migrate_submit('005', E'CREATE INDEX CONCURRENTLY projects_title ON projects (title);\nCREATE INDEX CONCURRENTLY projects_id_title ON projects (id, title);', name => 'concurrent');`,
  },
  {
    name: '... and waited for: the final row',
    sql: `SELECT version, status, statements, done, error FROM migrate_wait('005');`,
    wait: true,
    expect: /^\{"rows":\[\["005","applied","2","2",""\]\]\}$/,
  },
  {
    name: '... its indexes valid, their DDL attributed to it',
    sql: `SELECT count(*) FILTER (WHERE NOT indisvalid) AS invalid,
                 (SELECT string_agg(version || ':' || statement, ',' ORDER BY id) FROM migrate.ddl_log
                   WHERE object_identity IN ('public.projects_title', 'public.projects_id_title')) AS attributed
            FROM pg_index;`,
    expect: /^\{"rows":\[\["0","005:1,005:2"\]\]\}$/,
  },
  {
    name: 'a failing submitted migration: submitted',
    sql: `SELECT version, status FROM migrate_submit('006', E'CREATE INDEX CONCURRENTLY projects_title2 ON projects (title);\nCREATE INDEX CONCURRENTLY nothing_x ON nothing (x);');`,
  },
  {
    name: '... the wait returns the statement, line and error',
    sql: `SELECT version, status, statements, done, statement, line, error, sqlstate FROM migrate_wait('006');`,
    wait: true,
    expect: /\["006","failed","2","1","2","2","relation \\"nothing\\" does not exist","42P01"\]/,
  },
  {
    name: 'waiting in the buffer that submits is refused (the submission is not committed yet)',
    sql: `SELECT status FROM migrate_submit('007', 'VACUUM projects'); SELECT status FROM migrate_wait('007');`,
  },
];

function connectionDefaults(database) {
  return { host: process.env.PGHOST, port: Number(process.env.PGPORT), user: process.env.PGUSER || 'postgres', database };
}

async function adminQuery(sql) {
  const client = new Client(connectionDefaults('postgres'));
  await client.connect();
  try { await client.query(sql); } finally { await client.end(); }
}

// node-postgres: one simple query per buffer; results of every statement that returned rows.
async function runWithNode(client, sql) {
  try {
    let results = await client.query({ text: sql, rowMode: 'array', types: rawText });
    if (!Array.isArray(results)) results = [results];
    // psql prints the result sets one after another: compare the rows in order.
    const rows = results.filter((r) => r.fields.length > 0).flatMap((r) => r.rows);
    return { rows: rows.map((row) => row.map((v) => (v === null ? '' : v))) };
  } catch (e) {
    return { error: { code: e.code, message: e.message, detail: e.detail || '', hint: e.hint || '', context: e.where || '' } };
  }
}

// psql: the same buffer with -c (also one simple query), CSV rows without headers.
function runWithPsql(database, sql) {
  const r = spawnSync('psql', ['-X', '-q', '--csv', '-t', '-d', database, '-v', 'VERBOSITY=verbose', '-c', sql], { encoding: 'utf8' });
  if (r.status !== 0) return { error: parsePsqlError(r.stderr) };
  const rows = r.stdout.split('\n').filter((line) => line !== '').map(parseCsvLine);
  return { rows };
}

function parseCsvLine(line) {
  const out = [];
  let cur = '', quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted) {
      if (c === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (c === '"') quoted = false; else cur += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.push(cur); cur = ''; } else cur += c;
  }
  out.push(cur);
  return out;
}

function parsePsqlError(stderr) {
  const err = { code: '', message: '', detail: '', hint: '', context: '' };
  let field = null;
  for (const line of stderr.split('\n')) {
    let m;
    if ((m = /^ERROR:  ([0-9A-Z]{5}): (.*)$/.exec(line))) { err.code = m[1]; err.message = m[2]; field = 'message'; }
    else if ((m = /^DETAIL:  (.*)$/.exec(line))) { err.detail = m[1]; field = 'detail'; }
    else if ((m = /^HINT:  (.*)$/.exec(line))) { err.hint = m[1]; field = 'hint'; }
    else if ((m = /^CONTEXT:  (.*)$/.exec(line))) { err.context = m[1]; field = 'context'; }
    else if (/^(LOCATION|LINE \d+|QUERY|SCHEMA NAME|TABLE NAME|CONSTRAINT NAME|COLUMN NAME|DATATYPE NAME):/.test(line) || /^\s*\^\s*$/.test(line)) { field = null; }
    else if (field && line !== '') err[field] += '\n' + line;
  }
  return err;
}

// Times in messages differ between the two databases; mask them.
const maskTimes = (s) => s.replace(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/g, '<time>');

function normalise(result) {
  if (result.error) {
    const e = { ...result.error };
    for (const k of Object.keys(e)) e[k] = maskTimes(e[k]);
    return { error: e };
  }
  return result;
}

// A wait buffer is sent again while it returns the migration still running,
// as a user of an SQL editor would: migrate_wait returns early when the index
// build it waits for needs its statement to end.
async function untilFinished(buffer, run) {
  let result = await run();
  for (let i = 0; buffer.wait && i < 20 && result.rows && /^(queued|running)$/.test(result.rows[0][1]); i++)
    result = await run();
  return result;
}

async function main() {
  const nodeDb = 'pgm_node_client';
  const psqlDb = 'pgm_node_psql';
  for (const db of [nodeDb, psqlDb]) {
    await adminQuery(`DROP DATABASE IF EXISTS ${db}`);
    await adminQuery(`CREATE DATABASE ${db}`);
  }
  const client = new Client(connectionDefaults(nodeDb));
  await client.connect();
  let passed = 0, failed = 0;
  for (const buffer of buffers) {
    const viaNode = normalise(await untilFinished(buffer, () => runWithNode(client, buffer.sql)));
    const viaPsql = normalise(await untilFinished(buffer, async () => runWithPsql(psqlDb, buffer.sql)));
    const same = JSON.stringify(viaNode) === JSON.stringify(viaPsql);
    const meaningful = (viaNode.error ? viaNode.error.code !== '' : viaNode.rows.length > 0) &&
      (!buffer.expect || buffer.expect.test(JSON.stringify(viaNode)));
    if (same && meaningful) {
      passed++;
      console.log(`ok - ${buffer.name}`);
    } else {
      failed++;
      console.log(`not ok - ${buffer.name}`);
      console.log('  node-postgres:', JSON.stringify(viaNode));
      console.log('  psql:         ', JSON.stringify(viaPsql));
    }
  }
  // The failing buffers must have failed with pg_migrate's context attached.
  // (out of order: the submitted migrations 005 and 006 are above it by now)
  const failing = normalise(await runWithNode(client,
    `SELECT * FROM migrate_apply('004', E'CREATE TABLE metrics (id int);\\nINSERT INTO projects VALUES (1, ''dup'');', out_of_order => true);`));
  if (failing.error && /migration 004, statement 2, line 2: INSERT/.test(failing.error.context)) {
    passed++; console.log('ok - error context names migration, statement and line');
  } else {
    failed++; console.log('not ok - error context names migration, statement and line', JSON.stringify(failing));
  }
  await client.end();
  for (const db of [nodeDb, psqlDb]) await adminQuery(`DROP DATABASE ${db}`);
  console.log(`${passed} passed, ${failed} failed`);
  process.exit(failed === 0 ? 0 : 1);
}

main().catch((e) => { console.error(e); console.log('0 passed, 1 failed'); process.exit(1); });
