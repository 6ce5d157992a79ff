-- Safety: blocks, mutes, moderators, reports, moderation states and their audit trail, and
-- the perceptual hashes of removed images (storage/visibility.py is the policy using them).

-- A block hides each user from the other; one row per direction that was asked for.
CREATE TABLE blocks (
    blocker_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    blocked_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (blocker_id, blocked_id),
    CHECK (blocker_id <> blocked_id)
);
-- "Has anyone blocked me" is asked from the other side.
CREATE INDEX blocks_blocked_idx ON blocks (blocked_id, blocker_id);
-- blockedUsers pages newest first.
CREATE INDEX blocks_page_idx ON blocks (blocker_id, created_at DESC, blocked_id DESC);

-- A mute keeps the muted user's posts and stories out of the muter's feed and reels only.
CREATE TABLE mutes (
    muter_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    muted_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (muter_id, muted_id),
    CHECK (muter_id <> muted_id)
);
-- Fan-out skips the followers who muted the author.
CREATE INDEX mutes_muted_idx ON mutes (muted_id, muter_id);

ALTER TABLE users ADD COLUMN is_moderator boolean NOT NULL DEFAULT false;

-- FLAGGED: reported by enough people (or a re-upload of a removed image); REMOVED: by a
-- moderator, with a note its author sees.
ALTER TABLE posts DROP CONSTRAINT posts_status_check;
ALTER TABLE posts ADD CONSTRAINT posts_status_check
    CHECK (status IN ('processing', 'published', 'failed', 'flagged', 'removed'));
ALTER TABLE posts ADD COLUMN moderation_note text CHECK (char_length(moderation_note) <= 1000);

-- One report per reporter and target; open until a moderator acts on its post.
CREATE TABLE reports (
    id          bigint PRIMARY KEY DEFAULT snowflake_id(),
    reporter_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id     bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    comment_id  bigint REFERENCES comments (id) ON DELETE CASCADE,
    reason      text NOT NULL CHECK (reason IN (
                    'spam', 'nudity', 'violence', 'harassment', 'hate', 'misinformation', 'other')),
    note        text CHECK (char_length(note) <= 500),
    created_at  timestamptz NOT NULL DEFAULT now(),
    resolved_at timestamptz
);
-- A post report has no comment; a comment report names the comment and its post.
CREATE UNIQUE INDEX reports_post_once ON reports (reporter_id, post_id) WHERE comment_id IS NULL;
CREATE UNIQUE INDEX reports_comment_once ON reports (reporter_id, comment_id)
    WHERE comment_id IS NOT NULL;
-- The moderation queue (oldest first) and the flag threshold's count of open reporters.
CREATE INDEX reports_open_idx ON reports (id) WHERE resolved_at IS NULL;
CREATE INDEX reports_open_post_idx ON reports (post_id) WHERE resolved_at IS NULL;

-- Every moderation action, kept: who, what, when, and the note.
CREATE TABLE moderation_actions (
    id           bigint PRIMARY KEY DEFAULT snowflake_id(),
    moderator_id bigint REFERENCES users (id) ON DELETE SET NULL,
    post_id      bigint NOT NULL,  -- no foreign key: the trail outlives the post
    action       text NOT NULL CHECK (action IN ('remove', 'restore', 'dismiss')),
    note         text CHECK (char_length(note) <= 1000),
    status_before text NOT NULL,
    status_after  text NOT NULL,
    reports_closed integer NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX moderation_actions_post_idx ON moderation_actions (post_id, id);

-- Perceptual hashes (64-bit dHash) of the media of REMOVED posts, each split into four 16-bit
-- bands. Two hashes within Hamming distance 3 agree on at least one band (pigeonhole), so a
-- new upload is compared only with the hashes sharing one of its four bands, found by key.
-- No foreign keys: a removed post deleted by its author must still catch re-uploads.
CREATE TABLE removed_image_bands (
    band       smallint NOT NULL CHECK (band BETWEEN 0 AND 3),
    chunk      integer NOT NULL CHECK (chunk BETWEEN 0 AND 65535),
    media_id   bigint NOT NULL,
    post_id    bigint NOT NULL,
    phash      bigint NOT NULL,
    removed_by bigint,
    PRIMARY KEY (band, chunk, media_id)
);
CREATE INDEX removed_image_bands_post_idx ON removed_image_bands (post_id);
