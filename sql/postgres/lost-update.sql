-- lost-update: a shop's products, their stock, and the version its PUT /products/{id} compares.
-- Runs inside the run's own schema (search_path); {{products}} and {{stock}} come from --param.

CREATE TABLE products (
  id      integer PRIMARY KEY,
  -- Deliberately no CHECK (stock >= 0): it would turn an oversell into an error and hide it from
  -- the 'stock never negative' invariant, which is there to see it.
  stock   integer NOT NULL,
  -- Bumped by every write to the product, whatever the strategy: the optimistic strategy's
  -- compare-and-set token (the shop's ETag), and the count of decrements that reached the row.
  version integer NOT NULL DEFAULT 0
);

INSERT INTO products (id, stock) SELECT id, {{stock}} FROM generate_series(1, {{products}}) AS id;
