-- position-sync: trading bots, the markets they trade, and their positions per (bot, symbol, side).
-- Runs inside the run's own schema (search_path); {{bots}} and {{symbols}} come from --param.

CREATE TABLE bots (
  id integer PRIMARY KEY
);

CREATE TABLE markets (
  id     integer PRIMARY KEY,
  symbol text    NOT NULL UNIQUE
);

CREATE TABLE positions (
  id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  bot_id    integer NOT NULL REFERENCES bots (id),
  market_id integer NOT NULL REFERENCES markets (id),
  side      text    NOT NULL CHECK (side IN ('long', 'short')),
  status    text    NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  -- Which job opened it: the exchange sync or the order monitor, and its worker.
  opened_by text    NOT NULL,
  opened_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Finds a key's open position fast. Deliberately not unique: only some strategies add that guarantee,
-- and only over open positions, since a bot reopens the same (symbol, side) many times over its life.
CREATE INDEX positions_lookup ON positions (bot_id, market_id, side, status);

INSERT INTO bots (id) SELECT generate_series(1, {{bots}});

-- Ten listed symbols; each bot trades the first {{symbols}} of them.
INSERT INTO markets (id, symbol)
  SELECT id, symbol
  FROM (VALUES (1, 'BTCUSDT'), (2, 'ETHUSDT'), (3, 'SOLUSDT'), (4, 'BNBUSDT'), (5, 'XRPUSDT'),
               (6, 'ADAUSDT'), (7, 'DOGEUSDT'), (8, 'AVAXUSDT'), (9, 'LINKUSDT'), (10, 'DOTUSDT')) AS listed (id, symbol)
  WHERE id <= {{symbols}};

-- History: every bot has already held and closed a position on each of its markets, both ways. A
-- unique key over all positions would reject the next one; the key must cover open positions only.
INSERT INTO positions (bot_id, market_id, side, status, opened_by, opened_at)
  SELECT bots.id, markets.id, sides.side, 'closed', 'exchange-sync', now() - interval '1 day'
  FROM bots, markets, (VALUES ('long'), ('short')) AS sides (side);
