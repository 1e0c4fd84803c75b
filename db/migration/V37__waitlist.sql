-- Issue 17: waitlists with timed offers. A signed-in client waits for a full slot; when a seat comes free the first
-- in line (join order) gets an exclusive offer: a hold of their own (booking_id), alive until offer_expires_at.
-- While anyone waits for a slot, no one outside the waitlist takes its seats (Seats.lock), so the order is fair.
CREATE TYPE waitlist_status AS ENUM ('waiting', 'offered', 'accepted', 'booked', 'lapsed', 'left', 'closed');

CREATE TABLE waitlist_entry (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    slot_id          uuid NOT NULL REFERENCES slot ON DELETE CASCADE,  -- an untouched slot removed by a schedule change
    organization_id  uuid NOT NULL REFERENCES organization,
    user_id          uuid NOT NULL REFERENCES app_user ON DELETE CASCADE,
    seats            int NOT NULL CHECK (seats BETWEEN 1 AND 50),
    status           waitlist_status NOT NULL DEFAULT 'waiting',
    joined_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    booking_id       uuid REFERENCES booking,
    offered_at       timestamptz,
    offer_expires_at timestamptz,
    ended_at         timestamptz,
    CHECK ((status IN ('offered', 'accepted', 'booked')) <= (booking_id IS NOT NULL))
);
-- one live place in line per person and slot
CREATE UNIQUE INDEX waitlist_live ON waitlist_entry (slot_id, user_id) WHERE status IN ('waiting', 'offered', 'accepted');
-- the line of a slot, in join order; and "does anyone wait", the question every seat take asks
CREATE INDEX waitlist_line ON waitlist_entry (slot_id, joined_at, id) WHERE status = 'waiting';
-- entries whose offer must be settled (booked, lapsed)
CREATE INDEX waitlist_offers ON waitlist_entry (offer_expires_at) WHERE status IN ('offered', 'accepted');
CREATE INDEX waitlist_user ON waitlist_entry (user_id, joined_at DESC);
