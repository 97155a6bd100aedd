-- payment-saga, the jobs service's database: each job, its price, who pays whom, and whether it is paid.
-- Runs inside its own schema, beside the profiles database's or on --db2.

CREATE TABLE jobs (
  id            integer PRIMARY KEY,
  client_id     integer NOT NULL,
  contractor_id integer NOT NULL,
  price         integer NOT NULL,
  status        text    NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'PAID')),
  -- The saga that marked it paid: the step's idempotency key, and what recovery looks up.
  paid_by       text
);

-- Jobs go round the clients and the contractors in turn, each for {{price}} (the accounts' ids of
-- payment-saga.sql: clients 1..clients, contractors after them).
INSERT INTO jobs (id, client_id, contractor_id, price)
  SELECT n, 1 + (n - 1) % {{clients}}, {{clients}} + 1 + (n - 1) % {{contractors}}, {{price}}
  FROM generate_series(1, {{jobs}}) AS n;
