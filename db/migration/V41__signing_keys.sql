-- Issue 18: access-token signing keys shared by every node of a cluster (BOOKWELL_JWT_KEYS=database). A new pair is
-- made every BOOKWELL_JWT_ROTATION; the private key is sealed with AES-256-GCM under BOOKWELL_SECRET_KEY (the key
-- id as associated data), so a database dump alone signs nothing.
CREATE TABLE signing_key (
  kid            text PRIMARY KEY,
  public_pem     text NOT NULL,
  sealed_private bytea NOT NULL,
  created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX signing_key_created ON signing_key (created_at);
