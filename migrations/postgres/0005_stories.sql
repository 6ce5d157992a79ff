-- Stories: one photo or video each, shown for 24 hours, and who has seen which.

-- created_at and expires_at come from the application's clock (not now()), so that expiry,
-- which every read enforces against the same clock, can be tested by moving that clock.
CREATE TABLE stories (
    id          bigint PRIMARY KEY DEFAULT snowflake_id(),
    author_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    -- A media is used once: by one post (media.post_id) or by one story (here).
    media_id    bigint NOT NULL UNIQUE REFERENCES media (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    CHECK (expires_at > created_at)
);
-- Reels: the live stories of a set of authors.
CREATE INDEX stories_author_idx ON stories (author_id, expires_at);
-- The clean-up job: stories past their expiry.
CREATE INDEX stories_expires_idx ON stories (expires_at);

CREATE TABLE story_views (
    story_id   bigint NOT NULL REFERENCES stories (id) ON DELETE CASCADE,
    viewer_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    seen_at    timestamptz NOT NULL,
    PRIMARY KEY (story_id, viewer_id)
);
