-- duplicate-chunk-insert for MySQL / MariaDB: documents the API created, and the chunks processing
-- workers split them into. Runs inside the run's own database; {{documents}} comes from --param documents=N.

CREATE TABLE documents (
  id      INT PRIMARY KEY,
  status  VARCHAR(10) NOT NULL DEFAULT 'PENDING' CHECK (status IN ('PENDING', 'PROCESSING', 'COMPLETED')),
  -- Bumped by the optimistic strategy when it completes the document: its compare-and-set token.
  version INT NOT NULL DEFAULT 0
) ENGINE = InnoDB;

CREATE TABLE chunks (
  id          BIGINT AUTO_INCREMENT PRIMARY KEY,
  document_id INT NOT NULL,
  chunk_index INT NOT NULL,
  content     VARCHAR(200) NOT NULL,
  CONSTRAINT chunks_document FOREIGN KEY (document_id) REFERENCES documents (id),
  -- Finds a document's chunks fast. Deliberately not unique: only the `unique` strategy adds that guarantee.
  INDEX chunks_of_document (document_id, chunk_index)
) ENGINE = InnoDB;

-- Every document starts as the API left it: uploaded, waiting for a worker.
-- No generate_series here: count 1..documents with a cross join of digits (up to 10,000 documents).
CREATE TEMPORARY TABLE digits (d INT NOT NULL);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
INSERT INTO documents (id)
  SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d
  FROM digits a, digits b, digits c, digits e
  WHERE a.d + 10 * b.d + 100 * c.d + 1000 * e.d < {{documents}};
DROP TEMPORARY TABLE digits;
