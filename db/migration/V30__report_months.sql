-- Issue 16: monthly rollups beside the daily ones. A one-year report by month reads 12 rows per key instead of 365;
-- the months a batch of recomputed days falls in are recomputed from their days in the same transaction.
CREATE TABLE report_booking_month (LIKE report_booking_day INCLUDING ALL);
ALTER TABLE report_booking_month RENAME COLUMN day TO month;
ALTER TABLE report_booking_month ADD CHECK (extract(day FROM month) = 1);

CREATE TABLE report_slot_month (LIKE report_slot_day INCLUDING ALL);
ALTER TABLE report_slot_month RENAME COLUMN day TO month;
ALTER TABLE report_slot_month ADD CHECK (extract(day FROM month) = 1);

-- Reports start complete: every day that has bookings, or slots that have begun, is marked for its first rollup
-- (the reporting round works through them in bounded batches after the upgrade).
INSERT INTO report_dirty (organization_id, day)
SELECT b.organization_id, (b.starts_at AT TIME ZONE o.timezone)::date FROM booking b
  JOIN organization o ON o.id = b.organization_id
UNION
SELECT s.organization_id, (s.starts_at AT TIME ZONE o.timezone)::date FROM slot s
  JOIN organization o ON o.id = s.organization_id WHERE s.status = 'open' AND s.starts_at < now()
ON CONFLICT DO NOTHING;

-- slots that began lately (the hourly settling of seats offered); bookings moved by a reschedule
CREATE INDEX slot_open_start ON slot (starts_at) WHERE status = 'open';
CREATE INDEX booking_rescheduled_from ON booking (rescheduled_from) WHERE rescheduled_from IS NOT NULL;
-- listings sorted by rating (unrated last): the ORDER BY of Providers.list and CourseSearch, in index order
CREATE INDEX provider_rating ON provider ((coalesce(rating_average, 0)) DESC, id) WHERE deleted_at IS NULL;
DROP INDEX course_published_rating;
CREATE INDEX course_published_rating ON course ((coalesce(rating_average, 0)) DESC, id) WHERE status = 'published';
