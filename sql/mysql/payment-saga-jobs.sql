-- payment-saga for MySQL / MariaDB, the jobs service's database: each job, its price, who pays whom,
-- and whether it is paid. Runs inside its own database, beside the profiles database or on --db2.

CREATE TABLE jobs (
  id            INT PRIMARY KEY,
  client_id     INT NOT NULL,
  contractor_id INT NOT NULL,
  price         INT NOT NULL,
  status        VARCHAR(10) NOT NULL DEFAULT 'OPEN' CHECK (status IN ('OPEN', 'PAID')),
  -- The saga that marked it paid: the step's idempotency key, and what recovery looks up.
  paid_by       VARCHAR(40)
) ENGINE = InnoDB;

-- No generate_series here: count 1..10,000 with a cross join of digits.
CREATE TEMPORARY TABLE digits (d INT NOT NULL);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
CREATE TEMPORARY TABLE numbers (n INT PRIMARY KEY);
INSERT INTO numbers (n)
  SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d FROM digits a, digits b, digits c, digits e;

-- Jobs go round the clients and the contractors in turn, each for {{price}} (the accounts' ids of
-- payment-saga.sql: clients 1..clients, contractors after them).
INSERT INTO jobs (id, client_id, contractor_id, price)
  SELECT n, 1 + (n - 1) % {{clients}}, {{clients}} + 1 + (n - 1) % {{contractors}}, {{price}}
  FROM numbers WHERE n <= {{jobs}};

DROP TEMPORARY TABLE numbers;
DROP TEMPORARY TABLE digits;
