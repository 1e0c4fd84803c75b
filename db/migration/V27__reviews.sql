-- Issue 16: reviews of providers (from a completed booking) and of courses (from a completed enrollment), and their
-- aggregates. rating_summary is kept in the same transaction as every review change, by one upsert that adds the
-- difference (row-locked, so racing reviews of one subject serialize on its row and none is lost); the CHECKs make
-- the distribution, the count and the sum agree always. Provider and course rows carry a copy for listing, sorting
-- and filtering in their own areas, updated from review.rating_changed events (newer revision wins).

CREATE TYPE review_subject AS ENUM ('provider', 'course');

CREATE TABLE review (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    subject_kind    review_subject NOT NULL,
    subject_id      uuid NOT NULL,
    organization_id uuid NOT NULL,
    source_id       uuid NOT NULL UNIQUE,          -- the completed booking or enrollment: one review each
    author_id       uuid NOT NULL,
    author_name     text NOT NULL,                 -- as shown: first name and initial, taken at writing time
    stars           int NOT NULL CHECK (stars BETWEEN 1 AND 5),
    body            text NOT NULL DEFAULT '' CHECK (length(body) <= 4000),
    would_recommend boolean NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    editable_until  timestamptz NOT NULL,
    reply           text CHECK (length(reply) <= 4000),
    replied_at      timestamptz,
    replied_by      uuid,
    hidden_at       timestamptz,                   -- hidden reviews stay, with who and why, for audit
    hidden_by       uuid,
    hidden_reason   text CHECK (length(hidden_reason) <= 1000),
    CHECK ((hidden_at IS NULL) = (hidden_reason IS NULL))
);
CREATE INDEX review_subject_visible ON review (subject_kind, subject_id, created_at DESC, id DESC)
    WHERE hidden_at IS NULL;
CREATE INDEX review_organization ON review (organization_id, created_at DESC, id DESC);

CREATE TABLE rating_summary (
    subject_kind    review_subject NOT NULL,
    subject_id      uuid NOT NULL,
    organization_id uuid NOT NULL,
    reviews         int NOT NULL DEFAULT 0,
    star_sum        bigint NOT NULL DEFAULT 0,
    stars_1         int NOT NULL DEFAULT 0 CHECK (stars_1 >= 0),
    stars_2         int NOT NULL DEFAULT 0 CHECK (stars_2 >= 0),
    stars_3         int NOT NULL DEFAULT 0 CHECK (stars_3 >= 0),
    stars_4         int NOT NULL DEFAULT 0 CHECK (stars_4 >= 0),
    stars_5         int NOT NULL DEFAULT 0 CHECK (stars_5 >= 0),
    recommended     int NOT NULL DEFAULT 0 CHECK (recommended BETWEEN 0 AND reviews),
    revision        bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (subject_kind, subject_id),
    CHECK (reviews = stars_1 + stars_2 + stars_3 + stars_4 + stars_5),
    CHECK (star_sum = stars_1 + 2 * stars_2 + 3 * stars_3 + 4 * stars_4 + 5 * stars_5)
);

ALTER TABLE provider ADD COLUMN rating_average numeric(3, 2), ADD COLUMN rating_count int NOT NULL DEFAULT 0,
    ADD COLUMN rating_revision bigint NOT NULL DEFAULT 0;
ALTER TABLE course ADD COLUMN rating_average numeric(3, 2), ADD COLUMN rating_count int NOT NULL DEFAULT 0,
    ADD COLUMN rating_revision bigint NOT NULL DEFAULT 0;
CREATE INDEX course_published_rating ON course (rating_average DESC NULLS LAST, id) WHERE status = 'published';
