-- lost-update for MySQL / MariaDB: a shop's products, their stock, and the version its
-- PUT /products/{id} compares. Runs inside the run's own database; {{products}} and {{stock}} come from --param.

CREATE TABLE products (
  id      INT PRIMARY KEY,
  -- Signed and unchecked, deliberately: INT UNSIGNED or CHECK (stock >= 0) would turn an oversell
  -- into an error (1690, 4025) and hide it from the 'stock never negative' invariant.
  stock   INT NOT NULL,
  -- Bumped by every write to the product, whatever the strategy: the optimistic strategy's
  -- compare-and-set token (the shop's ETag), and the count of decrements that reached the row.
  version INT NOT NULL DEFAULT 0
) ENGINE = InnoDB;

-- No generate_series here: count 1..products with a cross join of digits (up to 10,000 products).
CREATE TEMPORARY TABLE digits (d INT NOT NULL);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
INSERT INTO products (id, stock)
  SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d, {{stock}}
  FROM digits a, digits b, digits c, digits e
  WHERE a.d + 10 * b.d + 100 * c.d + 1000 * e.d < {{products}};
DROP TEMPORARY TABLE digits;
