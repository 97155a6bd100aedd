-- position-sync for MySQL / MariaDB: trading bots, the markets they trade, and their positions per
-- (bot, symbol, side). Runs inside the run's own database; {{bots}} and {{symbols}} come from --param.

CREATE TABLE bots (
  id INT PRIMARY KEY
) ENGINE = InnoDB;

CREATE TABLE markets (
  id     INT PRIMARY KEY,
  symbol VARCHAR(20) NOT NULL UNIQUE
) ENGINE = InnoDB;

CREATE TABLE positions (
  id        BIGINT AUTO_INCREMENT PRIMARY KEY,
  bot_id    INT NOT NULL,
  market_id INT NOT NULL,
  side      VARCHAR(5) NOT NULL CHECK (side IN ('long', 'short')),
  status    VARCHAR(6) NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
  -- Which job opened it: the exchange sync or the order monitor, and its worker.
  opened_by VARCHAR(40) NOT NULL,
  opened_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  CONSTRAINT positions_bot FOREIGN KEY (bot_id) REFERENCES bots (id),
  CONSTRAINT positions_market FOREIGN KEY (market_id) REFERENCES markets (id),
  -- Finds a key's open position fast. Deliberately not unique: only some strategies add that guarantee,
  -- and only over open positions, since a bot reopens the same (symbol, side) many times over its life.
  INDEX positions_lookup (bot_id, market_id, side, status)
) ENGINE = InnoDB;

-- No generate_series here: count 1..bots with a cross join of digits (up to 1,000 bots).
CREATE TEMPORARY TABLE digits (d INT NOT NULL);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
INSERT INTO bots (id)
  SELECT 1 + a.d + 10 * b.d + 100 * c.d
  FROM digits a, digits b, digits c
  WHERE a.d + 10 * b.d + 100 * c.d < {{bots}};
DROP TEMPORARY TABLE digits;

-- Ten listed symbols; each bot trades the first {{symbols}} of them.
INSERT INTO markets (id, symbol)
  SELECT id, symbol
  FROM (SELECT 1 AS id, 'BTCUSDT' AS symbol UNION ALL SELECT 2, 'ETHUSDT' UNION ALL SELECT 3, 'SOLUSDT'
        UNION ALL SELECT 4, 'BNBUSDT' UNION ALL SELECT 5, 'XRPUSDT' UNION ALL SELECT 6, 'ADAUSDT'
        UNION ALL SELECT 7, 'DOGEUSDT' UNION ALL SELECT 8, 'AVAXUSDT' UNION ALL SELECT 9, 'LINKUSDT'
        UNION ALL SELECT 10, 'DOTUSDT') AS listed
  WHERE id <= {{symbols}};

-- History: every bot has already held and closed a position on each of its markets, both ways. A
-- unique key over all positions would reject the next one; the key must cover open positions only.
INSERT INTO positions (bot_id, market_id, side, status, opened_by, opened_at)
  SELECT bots.id, markets.id, sides.side, 'closed', 'exchange-sync', NOW(6) - INTERVAL 1 DAY
  FROM bots, markets, (SELECT 'long' AS side UNION ALL SELECT 'short') AS sides;
