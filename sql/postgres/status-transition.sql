-- status-transition: documents a processor moves PENDING → PROCESSING → COMPLETED or FAILED, and the
-- audit trail of every transition applied. Runs inside the run's own schema (search_path);
-- {{documents}} comes from --param.

CREATE TABLE documents (
  id      integer PRIMARY KEY,
  -- Deliberately no CHECK on the transitions: a trigger would hide the illegal ones the invariants are there to see.
  status  text    NOT NULL DEFAULT 'PENDING',
  -- Bumped by every write, whatever the strategy: the optimistic strategy's compare-and-set token.
  version integer NOT NULL DEFAULT 0
);

-- One row per applied transition, written in the same transaction as the UPDATE it records, with
-- from_status as the code believed it. The id orders a document's rows as its UPDATEs were applied
-- (the row lock taken by the UPDATE is held until the audit row commits).
CREATE TABLE status_audit (
  id          serial  PRIMARY KEY,
  document_id integer NOT NULL,
  from_status text    NOT NULL,
  to_status   text    NOT NULL,
  worker      integer NOT NULL
);

INSERT INTO documents (id) SELECT id FROM generate_series(1, {{documents}}) AS id;
