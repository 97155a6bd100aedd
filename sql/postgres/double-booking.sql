-- double-booking: hotel rooms and the bookings guests make for (room, night) slots.
-- Runs inside the run's own schema (search_path); {{rooms}} comes from --param rooms=N.

CREATE TABLE rooms (
  id      integer PRIMARY KEY,
  -- Bumped by the optimistic strategy on every booking of the room: its compare-and-set token.
  version integer NOT NULL DEFAULT 0
);

CREATE TABLE bookings (
  id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room_id    integer NOT NULL REFERENCES rooms (id),
  night      integer NOT NULL,
  guest      text    NOT NULL,
  status     text    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
  created_at timestamptz NOT NULL DEFAULT clock_timestamp()
);

-- Finds a slot's bookings fast. Deliberately not unique: only the `unique` strategy adds that guarantee.
CREATE INDEX bookings_slot ON bookings (room_id, night);

INSERT INTO rooms (id) SELECT generate_series(1, {{rooms}});

-- The idempotency-key strategy's stored answers, one per booking request (its key is the request's
-- guest, `guest-<worker>-<iteration>`). Set in the same transaction as the claim, so a committed key
-- always has its answer.
CREATE TABLE idempotency_keys (
  request_key text    PRIMARY KEY,
  room_id     integer NOT NULL,
  night       integer NOT NULL,
  outcome     text CHECK (outcome IN ('ok', 'rejected')),
  response    text,
  created_at  timestamptz NOT NULL DEFAULT clock_timestamp()
);
