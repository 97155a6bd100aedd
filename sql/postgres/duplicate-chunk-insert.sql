-- duplicate-chunk-insert: documents the API created, and the chunks processing workers split them into.
-- Runs inside the run's own schema (search_path); {{documents}} comes from --param documents=N.

CREATE TABLE documents (
  id      integer PRIMARY KEY,
  status  text    NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED')),
  -- Bumped by the optimistic strategy when it completes the document: its compare-and-set token.
  version integer NOT NULL DEFAULT 0
);

CREATE TABLE chunks (
  id          bigint  GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  document_id integer NOT NULL REFERENCES documents (id),
  chunk_index integer NOT NULL,
  content     text    NOT NULL
);

-- Finds a document's chunks fast. Deliberately not unique: only the `unique` strategy adds that guarantee.
CREATE INDEX chunks_of_document ON chunks (document_id, chunk_index);

-- Every document starts as the API left it: uploaded, waiting for a worker.
INSERT INTO documents (id) SELECT generate_series(1, {{documents}});
