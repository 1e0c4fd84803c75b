-- Issue 18: the booking area's reactions to scheduling events now go through consumed_event (consumer 'booking');
-- the events published before this version were handled by the bus consumers they replace, not again.
INSERT INTO consumed_event (consumer, event_id, outcome)
SELECT 'booking', id, 'handled' FROM outbox_event
WHERE type IN ('scheduling.slot_capacity_changed', 'scheduling.provider_link_ended') AND published_at IS NOT NULL
ON CONFLICT DO NOTHING;
