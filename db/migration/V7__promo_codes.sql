-- Promo codes, applied when a hold is taken. The use counter is raised in the hold's transaction under the code's
-- row lock, so a limit holds under any concurrency; a use is given back when its hold expires or is cancelled
-- before payment.
CREATE TYPE promo_kind AS ENUM ('percent', 'fixed');

CREATE TABLE promo_code (
    id                uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id   uuid NOT NULL REFERENCES organization,
    code              text NOT NULL CHECK (code ~ '^[A-Z0-9_-]{3,40}$'),
    kind              promo_kind NOT NULL,
    value             bigint NOT NULL CHECK (value > 0),   -- percent (1-100), or minor units off
    valid_from        timestamptz,
    valid_until       timestamptz,
    min_amount_minor  bigint NOT NULL DEFAULT 0,
    max_uses          int CHECK (max_uses > 0),
    max_uses_per_user int CHECK (max_uses_per_user > 0),
    uses              int NOT NULL DEFAULT 0,
    provider_id       uuid,
    service_id        uuid,
    created_at        timestamptz NOT NULL DEFAULT now(),
    UNIQUE (organization_id, code),
    CHECK (kind <> 'percent' OR value <= 100),
    CHECK (max_uses IS NULL OR uses <= max_uses),
    CHECK (uses >= 0)
);

CREATE TABLE promo_use (
    booking_id    uuid PRIMARY KEY REFERENCES booking,
    promo_code_id uuid NOT NULL REFERENCES promo_code,
    user_key      text NOT NULL,                         -- the user id, or the guest's email
    created_at    timestamptz NOT NULL DEFAULT now(),
    released_at   timestamptz
);
CREATE INDEX promo_use_code_user ON promo_use (promo_code_id, user_key) WHERE released_at IS NULL;
