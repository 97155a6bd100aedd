-- payment-saga, the profiles service's database: balances, their ledger, the saga log and the outbox.
-- The jobs live in another service's database (payment-saga-jobs.sql): no transaction spans the two.
-- Runs inside the run's own schema (search_path); the {{…}} placeholders are the --param values.

CREATE TABLE accounts (
  id              integer PRIMARY KEY,
  kind            text    NOT NULL CHECK (kind IN ('client', 'contractor')),
  balance         integer NOT NULL,
  -- What the account held before the run: after recovery the balances must sum to these.
  opening_balance integer NOT NULL
);

-- Every change of a balance, written in the transaction that makes it: which payment (saga) moved how
-- much for which job. The invariants read it to name the jobs where money went missing. One entry per
-- saga and step: a step run twice (a recovery pass run again) cannot move money twice.
CREATE TABLE entries (
  id         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  saga_id    text    NOT NULL,
  job_id     integer NOT NULL,
  account_id integer NOT NULL,
  step       text    NOT NULL CHECK (step IN ('debit', 'refund', 'credit')),
  amount     integer NOT NULL,
  CONSTRAINT entries_step UNIQUE (saga_id, step)
);
CREATE INDEX entries_job ON entries (job_id);

-- The durable saga log (saga-log, outbox, publish-after-commit): one row per saga, written in the
-- same transaction as each profiles step, so recovery knows every saga that debited and did not finish.
CREATE TABLE sagas (
  id            text    PRIMARY KEY,
  job_id        integer NOT NULL,
  client_id     integer NOT NULL,
  contractor_id integer NOT NULL,
  amount        integer NOT NULL,
  state         text    NOT NULL CHECK (state IN ('DEBITED', 'COMPLETED', 'COMPENSATED'))
);

-- The transactional outbox: a PaymentCompleted row written with the credit, relayed to RabbitMQ after.
CREATE TABLE outbox (
  id      bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  saga_id text    NOT NULL UNIQUE,
  job_id  integer NOT NULL,
  payload text    NOT NULL,
  sent    integer NOT NULL DEFAULT 0
);

-- Clients are accounts 1..clients and start with {{funds}}; contractors follow them and start with 0.
INSERT INTO accounts (id, kind, balance, opening_balance)
  SELECT n, 'client', {{funds}}, {{funds}} FROM generate_series(1, {{clients}}) AS n;
INSERT INTO accounts (id, kind, balance, opening_balance)
  SELECT {{clients}} + n, 'contractor', 0, 0 FROM generate_series(1, {{contractors}}) AS n;
