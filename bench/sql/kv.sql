-- bench/pgbench-compare.mjs: one table of {{rows}} keys, the same for pgbench, the bare node-postgres
-- loop and racebench. Each tool gets a fresh copy, so one tool's UPDATEs never bloat another's table.
CREATE TABLE kv (
  k integer PRIMARY KEY,
  v integer NOT NULL DEFAULT 0
);

INSERT INTO kv (k) SELECT generate_series(1, {{rows}});
