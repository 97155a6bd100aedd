-- double-booking for MySQL / MariaDB: hotel rooms and the bookings guests make for (room, night) slots.
-- Runs inside the run's own database; {{rooms}} comes from --param rooms=N.

CREATE TABLE rooms (
  id      INT PRIMARY KEY,
  -- Bumped by the optimistic strategy on every booking of the room: its compare-and-set token.
  version INT NOT NULL DEFAULT 0
) ENGINE = InnoDB;

CREATE TABLE bookings (
  id         BIGINT AUTO_INCREMENT PRIMARY KEY,
  room_id    INT NOT NULL,
  night      INT NOT NULL,
  guest      VARCHAR(100) NOT NULL,
  status     VARCHAR(10) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
  created_at TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6),
  CONSTRAINT bookings_room FOREIGN KEY (room_id) REFERENCES rooms (id),
  -- Finds a slot's bookings fast. Deliberately not unique: only the `unique` strategy adds that guarantee.
  INDEX bookings_slot (room_id, night)
) ENGINE = InnoDB;

-- The idempotency-key strategy's stored answers, one per booking request (its key is the request's
-- guest, `guest-<worker>-<iteration>`). Set in the same transaction as the claim, so a committed key
-- always has its answer. No foreign key to rooms: its shared lock would only add lock waits.
CREATE TABLE idempotency_keys (
  request_key VARCHAR(100) PRIMARY KEY,
  room_id     INT NOT NULL,
  night       INT NOT NULL,
  outcome     VARCHAR(10) CHECK (outcome IN ('ok', 'rejected')),
  response    VARCHAR(200),
  created_at  TIMESTAMP(6) NOT NULL DEFAULT CURRENT_TIMESTAMP(6)
) ENGINE = InnoDB;

-- No generate_series here: count 1..rooms with a cross join of digits (up to 10,000 rooms).
CREATE TEMPORARY TABLE digits (d INT NOT NULL);
INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9);
INSERT INTO rooms (id)
  SELECT 1 + a.d + 10 * b.d + 100 * c.d + 1000 * e.d
  FROM digits a, digits b, digits c, digits e
  WHERE a.d + 10 * b.d + 100 * c.d + 1000 * e.d < {{rooms}};
DROP TEMPORARY TABLE digits;
