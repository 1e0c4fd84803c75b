SET lock_timeout = '5s';

-- Accounts deleted or deactivated before the booking area followed those events keep no calendar feed: their own,
-- and the provider feeds they made.
UPDATE calendar_feed f SET revoked_at = now()
WHERE f.revoked_at IS NULL AND EXISTS (
    SELECT 1 FROM app_user u WHERE (u.deleted_at IS NOT NULL OR u.deactivated_at IS NOT NULL)
      AND (f.owner_kind = 'client' AND f.owner_id = u.id OR f.created_by = u.id));

-- The organizations V52 gave an Etc zone (an offset before, read with the sign the other way round): their report
-- days are counted again, both the day each booking or begun slot falls on now and the day the old reading put it
-- on (Etc/GMT-5 was read as five hours west), so none stays counted on the wrong day.
CREATE TEMPORARY TABLE rezoned ON COMMIT DROP AS
SELECT id, timezone, substring(timezone FROM '^Etc/GMT([+-][0-9]+)$')::int AS old_hours
FROM organization WHERE timezone ~ '^Etc/GMT[+-][0-9]+$';

INSERT INTO report_dirty (organization_id, day)
SELECT o.id, day FROM (
    SELECT b.organization_id, b.starts_at FROM booking b
    UNION ALL
    SELECT s.organization_id, s.starts_at FROM slot s WHERE s.status = 'open' AND s.starts_at < now()) t
  JOIN rezoned o ON o.id = t.organization_id
  CROSS JOIN LATERAL (VALUES ((t.starts_at AT TIME ZONE o.timezone)::date),
      (((t.starts_at AT TIME ZONE 'UTC') + make_interval(hours => o.old_hours))::date)) AS days(day)
ON CONFLICT DO NOTHING;
