-- __NAME__: the seats customers claim. Runs in the run's own schema (PostgreSQL) or database (MySQL,
-- MariaDB), created for the run and dropped at its end. {{seats}} is the scenario's `seats` param.

CREATE TABLE seats (
  id     int PRIMARY KEY,
  holder int NULL,                 -- the worker holding the seat; NULL while it is free
  claims int NOT NULL DEFAULT 0    -- how many claims landed on it: more than 1 is a seat sold twice
);

-- One free seat per number, 1 to {{seats}} (a recursive count that PostgreSQL, MySQL 8 and MariaDB all run).
INSERT INTO seats (id)
WITH RECURSIVE n (id) AS (SELECT 1 UNION ALL SELECT id + 1 FROM n WHERE id < {{seats}})
SELECT id FROM n;
