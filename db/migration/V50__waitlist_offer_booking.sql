SET lock_timeout = '5s';

-- An offer's hold is paid only once its person accepted it (accepting is where a service that staff confirm sends
-- it to them); a payment asked for the hold itself looks the offer up by its booking.
CREATE INDEX waitlist_offer_booking ON waitlist_entry (booking_id) WHERE status = 'offered';
