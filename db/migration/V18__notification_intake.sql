-- Issue 14: the notifications area reads the events it handles from the outbox itself (not only from the bus,
-- where a failed handling would be lost): events of the last day by time, those it has not handled yet.
CREATE INDEX outbox_event_occurred ON outbox_event (occurred_at);
