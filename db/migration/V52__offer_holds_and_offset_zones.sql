SET lock_timeout = '5s';

-- An offer's hold, offered or accepted, is looked up by its booking: a payment asked for it (only once accepted)
-- and a reschedule (refused while the offer is live). V50's index covered offered only.
DROP INDEX IF EXISTS waitlist_offer_booking;
CREATE INDEX waitlist_offer_booking ON waitlist_entry (booking_id) WHERE status IN ('offered', 'accepted');

-- Time zones are IANA names now; organizations and providers made before could hold an offset as Java named it
-- ('+05:00', 'UTC+05:00', 'GMT-03:00', 'Z'), which PostgreSQL reads with the sign the other way round. A whole hour
-- becomes its Etc zone (Etc/GMT-5 is five hours east, in both), no offset becomes UTC; an offset with minutes (or
-- past the Etc zones' +14/-12) has no IANA name and stays, to be changed by the organization's owner with support.
CREATE FUNCTION pg_temp.iana(zone text) RETURNS text LANGUAGE sql AS $$
  SELECT CASE
    WHEN zone IN ('Z', 'UTC', 'GMT', 'UT') THEN 'UTC'
    WHEN m IS NULL OR m[3] <> '00' THEN zone
    WHEN m[2]::int = 0 THEN 'UTC'
    WHEN m[2]::int > CASE m[1] WHEN '+' THEN 14 ELSE 12 END THEN zone  -- no Etc zone that far
    ELSE 'Etc/GMT' || CASE m[1] WHEN '+' THEN '-' ELSE '+' END || m[2]::int
  END
  FROM (SELECT regexp_match(zone, '^(?:UTC|GMT|UT)?([+-])(\d{2}):(\d{2})$') AS m) parts
$$;
UPDATE organization SET timezone = pg_temp.iana(timezone) WHERE timezone <> pg_temp.iana(timezone);
UPDATE provider SET timezone = pg_temp.iana(timezone) WHERE timezone <> pg_temp.iana(timezone);
