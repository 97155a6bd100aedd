-- double-payment: clients pay contractors for jobs, each job by one of two payment requests.
-- Runs inside the run's own schema (search_path); the {{…}} placeholders are the --param values.

CREATE TABLE accounts (
  id              integer PRIMARY KEY,
  kind            text    NOT NULL CHECK (kind IN ('client', 'contractor')),
  -- Deliberately no CHECK (balance >= 0): that would be a fix, and the naive code must be able to
  -- show the overdraft it allows.
  balance         integer NOT NULL,
  -- What the account held before the run: the sum of all balances must stay the sum of these.
  opening_balance integer NOT NULL,
  -- Bumped on every change of the balance: the optimistic strategy's compare-and-set token.
  version         integer NOT NULL DEFAULT 0
);

CREATE TABLE jobs (
  id            integer PRIMARY KEY,
  client_id     integer NOT NULL REFERENCES accounts (id),
  contractor_id integer NOT NULL REFERENCES accounts (id),
  amount        integer NOT NULL,
  status        text    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid'))
);

-- One row per payment made: the ledger the invariants count. Deliberately not unique per job.
CREATE TABLE payments (
  id         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  job_id     integer NOT NULL REFERENCES jobs (id),
  request_id integer NOT NULL,
  amount     integer NOT NULL,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX payments_job ON payments (job_id);

-- The idempotency-key strategy's stored answers, one per payment request answered. No foreign key
-- to jobs: on MySQL its shared lock on the job would deadlock two requests that then lock it.
CREATE TABLE idempotency_keys (
  request_id integer PRIMARY KEY,
  job_id     integer NOT NULL,
  -- Set in the same transaction as the claim, so a committed key always has its answer.
  outcome    text CHECK (outcome IN ('ok', 'rejected')),
  response   text,
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- The saga strategy's log: one row per saga, updated in the same transaction as each step it runs
-- or undoes, so the final state says how far every saga got.
CREATE TABLE sagas (
  id           text    PRIMARY KEY,
  request_id   integer NOT NULL,
  job_id       integer NOT NULL,
  status       text    NOT NULL DEFAULT 'STARTED' CHECK (status IN ('STARTED', 'COMPLETED', 'COMPENSATED')),
  steps_done   integer NOT NULL DEFAULT 0,
  steps_undone integer NOT NULL DEFAULT 0,
  -- Why a compensated saga was undone.
  failure      text
);

-- The event-log strategy's ledger: an append-only stream of entries per account, its balance the
-- entries' sum. A writer appends at the version after the last one it read: UNIQUE (account_id,
-- version) refuses a second entry at that version, so a stale read cannot be acted on. No foreign
-- keys, so an append takes no lock on the accounts it names.
CREATE TABLE account_entries (
  id         bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  account_id integer NOT NULL,
  version    integer NOT NULL,
  amount     integer NOT NULL,
  -- Null on the opening entry.
  job_id     integer,
  request_id integer,
  CONSTRAINT account_entries_version UNIQUE (account_id, version)
);

-- Clients are accounts 1..clients and start with {{funds}}; contractors follow them and start with 0.
INSERT INTO accounts (id, kind, balance, opening_balance)
  SELECT n, 'client', {{funds}}, {{funds}} FROM generate_series(1, {{clients}}) AS n;
INSERT INTO accounts (id, kind, balance, opening_balance)
  SELECT {{clients}} + n, 'contractor', 0, 0 FROM generate_series(1, {{contractors}}) AS n;

-- Jobs go round the clients and the contractors in turn, each for {{price}}.
INSERT INTO jobs (id, client_id, contractor_id, amount)
  SELECT n, 1 + (n - 1) % {{clients}}, {{clients}} + 1 + (n - 1) % {{contractors}}, {{price}}
  FROM generate_series(1, {{jobs}}) AS n;

-- Every account's ledger opens with its opening balance, at version 0.
INSERT INTO account_entries (account_id, version, amount) SELECT id, 0, opening_balance FROM accounts;
