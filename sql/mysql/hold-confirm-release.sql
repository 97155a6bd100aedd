-- hold-confirm-release for MySQL / MariaDB: two-phase booking. A guest holds a (room, night) slot, then
-- confirms or cancels; an expirer marks stale holds EXPIRED. Runs inside the run's own database; {{rooms}}
-- comes from --param rooms=N. Every time is the server's NOW(6) (the statement's start), so workers and
-- expirer agree. DATETIME, not TIMESTAMP: no time-zone conversion between sessions.

CREATE TABLE rooms (
  id INT PRIMARY KEY
) ENGINE = InnoDB;

CREATE TABLE holds (
  id           BIGINT AUTO_INCREMENT PRIMARY KEY,
  room_id      INT NOT NULL,
  night        INT NOT NULL,
  -- One guest per operation (`guest-<worker>-<iteration>`): how the guest finds its own hold again.
  guest        VARCHAR(100) NOT NULL,
  status       VARCHAR(10) NOT NULL DEFAULT 'HELD' CHECK (status IN ('HELD', 'CONFIRMED', 'CANCELLED', 'EXPIRED')),
  held_at      DATETIME(6) NOT NULL,
  expires_at   DATETIME(6) NOT NULL,
  -- The server's time when the confirm decided: later than expires_at means an expired hold was confirmed.
  confirmed_at DATETIME(6) NULL,
  -- When the hold was cancelled or marked EXPIRED.
  ended_at     DATETIME(6) NULL,
  CONSTRAINT holds_room FOREIGN KEY (room_id) REFERENCES rooms (id),
  -- Finds a slot's holds fast. Deliberately not unique: only the `unique` strategy adds that guarantee.
  INDEX holds_slot (room_id, night),
  INDEX holds_guest (guest),
  -- The expirer's sweep reads only the HELD range.
  INDEX holds_expiry (status, expires_at)
) ENGINE = InnoDB;

-- The expirer's passes: started_at when the last one began, swept_at once a pass has finished its sweep
-- (the time it swept up to). One row.
CREATE TABLE expirer (
  id         INT PRIMARY KEY CHECK (id = 1),
  started_at DATETIME(6) NULL,
  swept_at   DATETIME(6) NULL,
  passes     INT NOT NULL DEFAULT 0
) ENGINE = InnoDB;
INSERT INTO expirer (id) VALUES (1);

-- No generate_series here: count 1..rooms with a cross join of digits (up to 10,000 rooms).
CREATE TEMPORARY TABLE digits (d INT NOT NULL);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
INSERT INTO rooms (id)
  SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d
  FROM digits a, digits b, digits c, digits e
  WHERE a.d + 10 * b.d + 100 * c.d + 1000 * e.d < {{rooms}};
DROP TEMPORARY TABLE digits;
