SET lock_timeout = '5s';

-- At most one document waits for review per provider and requirement type (uploads take the provider's lock too:
-- racing uploads had all gone in). Older ones waiting beside a later upload are superseded first.
UPDATE provider_document d SET status = 'rejected', reason = 'superseded by a later upload', reviewed_at = now()
WHERE status = 'submitted' AND EXISTS (
    SELECT 1 FROM provider_document later
    WHERE later.provider_id = d.provider_id AND later.requirement_type_id = d.requirement_type_id
      AND later.status = 'submitted' AND (later.uploaded_at, later.id) > (d.uploaded_at, d.id));
CREATE UNIQUE INDEX provider_document_waiting ON provider_document (provider_id, requirement_type_id)
    WHERE status = 'submitted';
