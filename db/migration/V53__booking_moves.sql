SET lock_timeout = '5s';

-- How often a booking's chain was rescheduled: a client moves one at most ten times (each move mails the booker and
-- the provider). A constant default: no table rewrite.
ALTER TABLE booking ADD COLUMN moves smallint NOT NULL DEFAULT 0;
