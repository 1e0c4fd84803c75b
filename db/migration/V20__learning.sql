-- Issue 15: the learning area. Courses belong to an organization (scheduling's; no foreign key across areas), are
-- taught by providers, hold ordered sections and lessons; people enroll, make progress, take quizzes.

-- The text search configuration of a course's language; simple (no stemming) where PostgreSQL has no stemmer.
CREATE FUNCTION learning_regconfig(language text) RETURNS regconfig
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE language
        WHEN 'en' THEN 'english'::regconfig WHEN 'de' THEN 'german'::regconfig WHEN 'fr' THEN 'french'::regconfig
        WHEN 'es' THEN 'spanish'::regconfig WHEN 'it' THEN 'italian'::regconfig WHEN 'nl' THEN 'dutch'::regconfig
        WHEN 'pt' THEN 'portuguese'::regconfig WHEN 'sv' THEN 'swedish'::regconfig
        ELSE 'simple'::regconfig END;

CREATE TYPE course_status AS ENUM ('draft', 'published', 'archived');
CREATE TYPE course_kind AS ENUM ('self_paced', 'classroom', 'blended');
CREATE TYPE course_level AS ENUM ('beginner', 'intermediate', 'advanced');
CREATE TYPE lesson_kind AS ENUM ('video', 'text', 'quiz', 'assignment');
CREATE TYPE enrollment_status AS ENUM ('active', 'completed', 'withdrawn', 'expired');
CREATE TYPE lesson_status AS ENUM ('not_started', 'in_progress', 'completed');
CREATE TYPE question_kind AS ENUM ('single_choice', 'multiple_choice', 'true_false', 'short_answer', 'essay');
CREATE TYPE attempt_status AS ENUM ('in_progress', 'submitted', 'pending_review', 'graded');

-- A platform-wide tree of categories, ordered among siblings.
CREATE TABLE course_category (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    parent_id  uuid REFERENCES course_category,
    name       text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    slug       text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
    position   int NOT NULL DEFAULT 0,
    created_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE course (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organization_id  uuid NOT NULL,
    slug             text NOT NULL CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$' AND length(slug) <= 100),
    title            text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    summary          text NOT NULL DEFAULT '' CHECK (length(summary) <= 1000),
    description      text NOT NULL DEFAULT '' CHECK (length(description) <= 50000),
    level            course_level NOT NULL DEFAULT 'beginner',
    language         text NOT NULL DEFAULT 'en' CHECK (language ~ '^[a-z]{2}$'),
    duration_minutes int NOT NULL DEFAULT 0 CHECK (duration_minutes >= 0),
    price_minor      bigint NOT NULL DEFAULT 0 CHECK (price_minor >= 0),
    currency         char(3) NOT NULL,
    cover_url        text,
    status           course_status NOT NULL DEFAULT 'draft',
    kind             course_kind NOT NULL,
    service_id       uuid,                   -- classroom and blended: the scheduling service whose sessions are its dates
    category_id      uuid REFERENCES course_category,
    tags             text[] NOT NULL DEFAULT '{}',
    validity_years   int CHECK (validity_years BETWEEN 1 AND 50),   -- certification courses
    access_days      int CHECK (access_days > 0),                  -- access limited in time after enrolling
    created_by       uuid NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    published_at     timestamptz,
    archived_at      timestamptz,
    -- weighted title > summary > description, stemmed in the course's language (simple for languages PostgreSQL
    -- has no stemmer for)
    search           tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector(learning_regconfig(language), title), 'A') ||
        setweight(to_tsvector(learning_regconfig(language), summary), 'B') ||
        setweight(to_tsvector(learning_regconfig(language), description), 'C')) STORED,
    UNIQUE (organization_id, slug)
);
CREATE INDEX course_search ON course USING gin (search) WHERE status = 'published';
CREATE INDEX course_tags ON course USING gin (tags) WHERE status = 'published';
CREATE INDEX course_published_newest ON course (published_at DESC, id DESC) WHERE status = 'published';
CREATE INDEX course_published_price ON course (price_minor, id) WHERE status = 'published';
CREATE INDEX course_organization ON course (organization_id, created_at DESC, id DESC);
CREATE INDEX course_service ON course (service_id) WHERE service_id IS NOT NULL;

CREATE TABLE course_provider (
    course_id   uuid NOT NULL REFERENCES course ON DELETE CASCADE,
    provider_id uuid NOT NULL,
    PRIMARY KEY (course_id, provider_id)
);

-- Positions are unique per parent, checked at the end of each statement (DEFERRABLE), so a reorder is one UPDATE.
CREATE TABLE course_section (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id uuid NOT NULL REFERENCES course ON DELETE CASCADE,
    title     text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    position  int NOT NULL,
    CONSTRAINT course_section_position UNIQUE (course_id, position) DEFERRABLE INITIALLY IMMEDIATE
);

CREATE TABLE lesson (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id  uuid NOT NULL REFERENCES course ON DELETE CASCADE,
    section_id uuid NOT NULL REFERENCES course_section ON DELETE CASCADE,
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    kind       lesson_kind NOT NULL,
    position   int NOT NULL,
    required   boolean NOT NULL DEFAULT true,
    preview    boolean NOT NULL DEFAULT false,
    content    jsonb NOT NULL DEFAULT '{}',   -- video: {videoUrl, durationSeconds}; text: {text, readingMinutes}
    version    int NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT lesson_position UNIQUE (section_id, position) DEFERRABLE INITIALLY IMMEDIATE
);
CREATE INDEX lesson_course ON lesson (course_id);

-- Every edit of a lesson of a published course: who, when, what it was before and what changed.
CREATE TABLE lesson_version (
    lesson_id  uuid NOT NULL REFERENCES lesson ON DELETE CASCADE,
    version    int NOT NULL,
    title      text NOT NULL,
    content    jsonb NOT NULL,
    changed    text[] NOT NULL,
    changed_by uuid NOT NULL,
    changed_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (lesson_id, version)
);

CREATE TABLE lesson_resource (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lesson_id  uuid NOT NULL REFERENCES lesson ON DELETE CASCADE,
    title      text NOT NULL CHECK (length(title) BETWEEN 1 AND 200),
    url        text NOT NULL CHECK (url ~ '^https://' AND length(url) <= 2000),
    media_type text NOT NULL,
    size_bytes bigint NOT NULL CHECK (size_bytes >= 0),
    downloads  bigint NOT NULL DEFAULT 0
);
CREATE INDEX lesson_resource_lesson ON lesson_resource (lesson_id);

CREATE TABLE enrollment (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id       uuid NOT NULL REFERENCES course,
    organization_id uuid NOT NULL,
    user_id         uuid NOT NULL,
    status          enrollment_status NOT NULL DEFAULT 'active',
    source          text NOT NULL CHECK (source IN ('free', 'staff', 'booking', 'purchase')),
    booking_id      uuid,                     -- classroom: the booking that enrolled
    enrolled_by     uuid NOT NULL,
    enrolled_at     timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz,
    completed_at    timestamptz,
    withdrawn_at    timestamptz,
    UNIQUE (course_id, user_id)
);
CREATE INDEX enrollment_organization ON enrollment (organization_id, enrolled_at DESC, id DESC);
CREATE INDEX enrollment_user ON enrollment (user_id, enrolled_at DESC, id DESC);
CREATE INDEX enrollment_booking ON enrollment (booking_id) WHERE booking_id IS NOT NULL;

CREATE TABLE lesson_progress (
    enrollment_id   uuid NOT NULL REFERENCES enrollment ON DELETE CASCADE,
    lesson_id       uuid NOT NULL REFERENCES lesson ON DELETE CASCADE,
    status          lesson_status NOT NULL DEFAULT 'not_started',
    percent         int NOT NULL DEFAULT 0 CHECK (percent BETWEEN 0 AND 100),
    position_seconds int NOT NULL DEFAULT 0 CHECK (position_seconds >= 0),
    time_spent_seconds bigint NOT NULL DEFAULT 0,
    lesson_version  int NOT NULL DEFAULT 1,
    first_access_at timestamptz NOT NULL DEFAULT now(),
    last_access_at  timestamptz NOT NULL DEFAULT now(),
    completed_at    timestamptz,
    PRIMARY KEY (enrollment_id, lesson_id)
);

-- A progress report is taken once per (enrollment, lesson, client sequence number): a retried report changes nothing.
CREATE TABLE progress_report (
    enrollment_id uuid NOT NULL REFERENCES enrollment ON DELETE CASCADE,
    lesson_id     uuid NOT NULL,
    client_seq    bigint NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (enrollment_id, lesson_id, client_seq)
);

-- Private to their learner.
CREATE TABLE lesson_note (
    id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id    uuid NOT NULL,
    lesson_id  uuid NOT NULL REFERENCES lesson ON DELETE CASCADE,
    body       text NOT NULL CHECK (length(body) BETWEEN 1 AND 10000),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lesson_note_user ON lesson_note (user_id, lesson_id, created_at);
CREATE TABLE lesson_bookmark (
    user_id    uuid NOT NULL,
    lesson_id  uuid NOT NULL REFERENCES lesson ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, lesson_id)
);

CREATE TABLE quiz (
    lesson_id          uuid PRIMARY KEY REFERENCES lesson ON DELETE CASCADE,
    time_limit_seconds int CHECK (time_limit_seconds > 0),
    attempts_allowed   int NOT NULL DEFAULT 1 CHECK (attempts_allowed BETWEEN 1 AND 100),
    passing_percent    int NOT NULL DEFAULT 70 CHECK (passing_percent BETWEEN 0 AND 100),
    randomize          boolean NOT NULL DEFAULT false,
    show_answers       boolean NOT NULL DEFAULT false
);

CREATE TABLE quiz_question (
    id        uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    lesson_id uuid NOT NULL REFERENCES quiz ON DELETE CASCADE,
    kind      question_kind NOT NULL,
    prompt    text NOT NULL CHECK (length(prompt) BETWEEN 1 AND 5000),
    options   jsonb NOT NULL DEFAULT '[]',   -- [{id, text}] for choices
    answer    jsonb NOT NULL DEFAULT '{}',   -- {correct: [option ids]} | {value: bool} | {accepted: [text]}; never sent to learners
    points    int NOT NULL DEFAULT 1 CHECK (points BETWEEN 1 AND 100),
    position  int NOT NULL
);
CREATE INDEX quiz_question_lesson ON quiz_question (lesson_id, position);

CREATE TABLE quiz_attempt (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    enrollment_id uuid NOT NULL REFERENCES enrollment ON DELETE CASCADE,
    lesson_id     uuid NOT NULL REFERENCES quiz ON DELETE CASCADE,
    number        int NOT NULL,
    status        attempt_status NOT NULL DEFAULT 'in_progress',
    question_ids  uuid[] NOT NULL,            -- the order this attempt shows them in
    answers       jsonb NOT NULL DEFAULT '{}',
    started_at    timestamptz NOT NULL DEFAULT now(),
    deadline_at   timestamptz,
    submitted_at  timestamptz,
    score_points  int,
    max_points    int NOT NULL,
    passed        boolean,
    feedback      jsonb,                      -- per question: points given (and a grader's comment for essays)
    UNIQUE (enrollment_id, lesson_id, number)
);

-- Which consumer handled which outbox event: notifications' table becomes the platform's, for every consumer
-- (notifications, learning's classroom enrollments, and the next ones).
ALTER TABLE notification_event RENAME TO consumed_event;
