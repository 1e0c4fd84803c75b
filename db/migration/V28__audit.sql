-- Issue 16: the audit trail. One row per change made by staff or admins and per security event, written in the
-- transaction of the change (so a change without its row, or a row without its change, cannot be). Append-only:
-- no UPDATE ever, and DELETE only of rows older than 30 days (the retention purge; the configured retention is at
-- least that), enforced here so that no code path, present or future, can rewrite history.

CREATE TABLE audit_entry (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    at              timestamptz NOT NULL DEFAULT clock_timestamp(),
    actor_id        uuid,                  -- null: nobody signed in (a failed login, a reset by link) or the system
    organization_id uuid,                  -- null: platform-wide (logins, platform admin decisions)
    action          text NOT NULL CHECK (action ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    entity_type     text NOT NULL CHECK (length(entity_type) <= 50),
    entity_id       text CHECK (length(entity_id) <= 200),
    before          jsonb,
    after           jsonb,
    client_address  text CHECK (length(client_address) <= 100),
    user_agent      text CHECK (length(user_agent) <= 500)
);
CREATE INDEX audit_entry_organization ON audit_entry (organization_id, at DESC, id DESC);
CREATE INDEX audit_entry_at ON audit_entry (at DESC, id DESC);
CREATE INDEX audit_entry_actor ON audit_entry (actor_id, at DESC, id DESC) WHERE actor_id IS NOT NULL;

CREATE FUNCTION audit_entry_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' OR OLD.at > now() - interval '30 days' THEN
        RAISE EXCEPTION 'audit entries are append-only (% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
    END IF;
    RETURN OLD;
END $$;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON audit_entry
    FOR EACH ROW EXECUTE FUNCTION audit_entry_append_only();
