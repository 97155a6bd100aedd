-- double-payment for MySQL / MariaDB: clients pay contractors for jobs, each job by one of two
-- payment requests. Runs inside the run's own database; the {{…}} placeholders are the --param values.

CREATE TABLE accounts (
  id              INT PRIMARY KEY,
  kind            VARCHAR(10) NOT NULL CHECK (kind IN ('client', 'contractor')),
  -- Deliberately no CHECK (balance >= 0): that would be a fix, and the naive code must be able to
  -- show the overdraft it allows.
  balance         INT NOT NULL,
  -- What the account held before the run: the sum of all balances must stay the sum of these.
  opening_balance INT NOT NULL,
  -- Bumped on every change of the balance: the optimistic strategy's compare-and-set token.
  version         INT NOT NULL DEFAULT 0
) ENGINE = InnoDB;

CREATE TABLE jobs (
  id            INT PRIMARY KEY,
  client_id     INT NOT NULL,
  contractor_id INT NOT NULL,
  amount        INT NOT NULL,
  status        VARCHAR(10) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'paid')),
  CONSTRAINT jobs_client FOREIGN KEY (client_id) REFERENCES accounts (id),
  CONSTRAINT jobs_contractor FOREIGN KEY (contractor_id) REFERENCES accounts (id)
) ENGINE = InnoDB;

-- One row per payment made: the ledger the invariants count. Deliberately not unique per job.
CREATE TABLE payments (
  id         BIGINT AUTO_INCREMENT PRIMARY KEY,
  job_id     INT NOT NULL,
  request_id INT NOT NULL,
  amount     INT NOT NULL,
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  CONSTRAINT payments_job FOREIGN KEY (job_id) REFERENCES jobs (id)
) ENGINE = InnoDB;

-- The idempotency-key strategy's stored answers, one per payment request answered. No foreign key
-- to jobs: its shared lock on the job would deadlock two requests that then lock it.
CREATE TABLE idempotency_keys (
  request_id INT PRIMARY KEY,
  job_id     INT NOT NULL,
  -- Set in the same transaction as the claim, so a committed key always has its answer.
  outcome    VARCHAR(10) CHECK (outcome IN ('ok', 'rejected')),
  response   VARCHAR(200),
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE = InnoDB;

-- The saga strategy's log: one row per saga, updated in the same transaction as each step it runs
-- or undoes, so the final state says how far every saga got.
CREATE TABLE sagas (
  id           VARCHAR(40) PRIMARY KEY,
  request_id   INT NOT NULL,
  job_id       INT NOT NULL,
  status       VARCHAR(12) NOT NULL DEFAULT 'STARTED' CHECK (status IN ('STARTED', 'COMPLETED', 'COMPENSATED')),
  steps_done   INT NOT NULL DEFAULT 0,
  steps_undone INT NOT NULL DEFAULT 0,
  -- Why a compensated saga was undone.
  failure      VARCHAR(200)
) ENGINE = InnoDB;

-- The event-log strategy's ledger: an append-only stream of entries per account, its balance the
-- entries' sum. A writer appends at the version after the last one it read: UNIQUE (account_id,
-- version) refuses a second entry at that version, so a stale read cannot be acted on. No foreign
-- keys, so an append takes no lock on the accounts it names.
CREATE TABLE account_entries (
  id         BIGINT AUTO_INCREMENT PRIMARY KEY,
  account_id INT NOT NULL,
  version    INT NOT NULL,
  amount     INT NOT NULL,
  -- Null on the opening entry.
  job_id     INT,
  request_id INT,
  CONSTRAINT account_entries_version UNIQUE (account_id, version)
) ENGINE = InnoDB;

-- No generate_series here: count 1..10,000 with a cross join of digits.
CREATE TEMPORARY TABLE digits (d INT NOT NULL);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
CREATE TEMPORARY TABLE numbers (n INT PRIMARY KEY);
INSERT INTO numbers (n)
  SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d FROM digits a, digits b, digits c, digits e;

-- Clients are accounts 1..clients and start with {{funds}}; contractors follow them and start with 0.
INSERT INTO accounts (id, kind, balance, opening_balance)
  SELECT n, 'client', {{funds}}, {{funds}} FROM numbers WHERE n <= {{clients}};
INSERT INTO accounts (id, kind, balance, opening_balance)
  SELECT {{clients}} + n, 'contractor', 0, 0 FROM numbers WHERE n <= {{contractors}};

-- Jobs go round the clients and the contractors in turn, each for {{price}}.
INSERT INTO jobs (id, client_id, contractor_id, amount)
  SELECT n, 1 + (n - 1) % {{clients}}, {{clients}} + 1 + (n - 1) % {{contractors}}, {{price}}
  FROM numbers WHERE n <= {{jobs}};

-- Every account's ledger opens with its opening balance, at version 0.
INSERT INTO account_entries (account_id, version, amount) SELECT id, 0, opening_balance FROM accounts;

DROP TEMPORARY TABLE numbers;
DROP TEMPORARY TABLE digits;
