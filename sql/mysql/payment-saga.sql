-- payment-saga for MySQL / MariaDB, the profiles service's database: balances, their ledger, the saga
-- log and the outbox. The jobs live in another service's database (payment-saga-jobs.sql): no
-- transaction spans the two. Runs inside the run's own database; {{…}} are the --param values.

CREATE TABLE accounts (
  id              INT PRIMARY KEY,
  kind            VARCHAR(10) NOT NULL CHECK (kind IN ('client', 'contractor')),
  balance         INT NOT NULL,
  -- What the account held before the run: after recovery the balances must sum to these.
  opening_balance INT NOT NULL
) ENGINE = InnoDB;

-- Every change of a balance, written in the transaction that makes it: which payment (saga) moved how
-- much for which job. The invariants read it to name the jobs where money went missing. One entry per
-- saga and step: a step run twice (a recovery pass run again) cannot move money twice.
CREATE TABLE entries (
  id         BIGINT AUTO_INCREMENT PRIMARY KEY,
  saga_id    VARCHAR(40) NOT NULL,
  job_id     INT NOT NULL,
  account_id INT NOT NULL,
  step       VARCHAR(10) NOT NULL CHECK (step IN ('debit', 'refund', 'credit')),
  amount     INT NOT NULL,
  CONSTRAINT entries_step UNIQUE (saga_id, step),
  INDEX entries_job (job_id)
) ENGINE = InnoDB;

-- The durable saga log (saga-log, outbox, publish-after-commit): one row per saga, written in the
-- same transaction as each profiles step, so recovery knows every saga that debited and did not finish.
CREATE TABLE sagas (
  id            VARCHAR(40) PRIMARY KEY,
  job_id        INT NOT NULL,
  client_id     INT NOT NULL,
  contractor_id INT NOT NULL,
  amount        INT NOT NULL,
  state         VARCHAR(12) NOT NULL CHECK (state IN ('DEBITED', 'COMPLETED', 'COMPENSATED'))
) ENGINE = InnoDB;

-- The transactional outbox: a PaymentCompleted row written with the credit, relayed to RabbitMQ after.
CREATE TABLE outbox (
  id      BIGINT AUTO_INCREMENT PRIMARY KEY,
  saga_id VARCHAR(40) NOT NULL UNIQUE,
  job_id  INT NOT NULL,
  payload VARCHAR(1000) NOT NULL,
  sent    INT NOT NULL DEFAULT 0
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

DROP TEMPORARY TABLE numbers;
DROP TEMPORARY TABLE digits;
