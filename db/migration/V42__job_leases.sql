-- Issue 18: jobs that run once per interval for a whole cluster (the slot horizon's hourly extension): the node that
-- takes the lease runs the job; the others see it taken until it runs out.
CREATE TABLE job_lease (
  name   text PRIMARY KEY,
  holder text NOT NULL,
  until  timestamptz NOT NULL
);
