-- Issue 15 review: a quiz's attempts are found by the quiz (staff listings, "was it ever attempted").
CREATE INDEX quiz_attempt_lesson ON quiz_attempt (lesson_id, started_at DESC);
