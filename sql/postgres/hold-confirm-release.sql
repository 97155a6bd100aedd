-- hold-confirm-release: two-phase booking. A guest holds a (room, night) slot, then confirms or cancels;
-- an expirer marks stale holds EXPIRED. Runs inside the run's own schema (search_path); {{rooms}} comes
-- from --param rooms=N. Every time is the server's statement_timestamp(), so workers and expirer agree.

CREATE TABLE rooms (
  id integer PRIMARY KEY
);

CREATE TABLE holds (
  id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  room_id      integer NOT NULL REFERENCES rooms (id),
  night        integer NOT NULL,
  -- One guest per operation (`guest-<worker>-<iteration>`): how the guest finds its own hold again.
  guest        text    NOT NULL,
  status       text    NOT NULL DEFAULT 'HELD' CHECK (status IN ('HELD', 'CONFIRMED', 'CANCELLED', 'EXPIRED')),
  held_at      timestamptz NOT NULL,
  expires_at   timestamptz NOT NULL,
  -- The server's time when the confirm decided: later than expires_at means an expired hold was confirmed.
  confirmed_at timestamptz,
  -- When the hold was cancelled or marked EXPIRED.
  ended_at     timestamptz
);

-- Finds a slot's holds fast. Deliberately not unique: only the `unique` strategy adds that guarantee.
CREATE INDEX holds_slot ON holds (room_id, night);
CREATE INDEX holds_guest ON holds (guest);
-- The expirer's sweep reads only the HELD range.
CREATE INDEX holds_expiry ON holds (status, expires_at);

-- The expirer's passes: started_at when the last one began, swept_at once a pass has finished its sweep
-- (the time it swept up to). One row.
CREATE TABLE expirer (
  id         integer PRIMARY KEY CHECK (id = 1),
  started_at timestamptz,
  swept_at   timestamptz,
  passes     integer NOT NULL DEFAULT 0
);
INSERT INTO expirer (id) VALUES (1);

INSERT INTO rooms (id) SELECT generate_series(1, {{rooms}});
