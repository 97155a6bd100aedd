-- status-transition for MySQL / MariaDB: documents a processor moves PENDING → PROCESSING → COMPLETED
-- or FAILED, and the audit trail of every transition applied. Runs inside the run's own database;
-- {{documents}} comes from --param.

CREATE TABLE documents (
  id      INT PRIMARY KEY,
  -- Deliberately no CHECK on the transitions: it would hide the illegal ones the invariants are there to see.
  status  VARCHAR(16) NOT NULL DEFAULT 'PENDING',
  -- Bumped by every write, whatever the strategy: the optimistic strategy's compare-and-set token.
  version INT NOT NULL DEFAULT 0,
  -- Set by each UPDATE for the trigger below: the status the code believed it was leaving, and who wrote.
  believed_from VARCHAR(16) NULL,
  changed_by    INT NULL
) ENGINE = InnoDB;

-- One row per applied transition, written in the same transaction as the UPDATE it records, with
-- from_status as the code believed it. The id orders a document's rows as its UPDATEs were applied.
CREATE TABLE status_audit (
  id          INT AUTO_INCREMENT PRIMARY KEY,
  document_id INT NOT NULL,
  from_status VARCHAR(16) NOT NULL,
  to_status   VARCHAR(16) NOT NULL,
  worker      INT NOT NULL
) ENGINE = InnoDB;

-- MySQL has no UPDATE inside a WITH (PostgreSQL's way to write both in one statement): a trigger
-- writes the audit row in the same statement as the UPDATE. Created after the seed, which it must not audit.
-- No generate_series here: count 1..documents with a cross join of digits (up to 1,000 documents).
CREATE TEMPORARY TABLE digits (d INT NOT NULL);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
INSERT INTO documents (id)
  SELECT 1 + a.d + 10 * b.d + 100 * c.d
  FROM digits a, digits b, digits c
  WHERE a.d + 10 * b.d + 100 * c.d < {{documents}};
DROP TEMPORARY TABLE digits;

CREATE TRIGGER documents_audit AFTER UPDATE ON documents FOR EACH ROW
  INSERT INTO status_audit (document_id, from_status, to_status, worker) VALUES (NEW.id, NEW.believed_from, NEW.status, NEW.changed_by);
