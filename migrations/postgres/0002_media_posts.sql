-- Posts and their media.

-- Time-sortable 64-bit ids: milliseconds since 2025-01-01 in the high bits, a sequence in the
-- low 22. Ordering by id is ordering by creation time, so cursors need no extra column.
CREATE SEQUENCE snowflake_seq;
CREATE FUNCTION snowflake_id() RETURNS bigint LANGUAGE sql VOLATILE AS $$
    SELECT ((floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint - 1735689600000) << 22)
         | (nextval('snowflake_seq') % 4194304)
$$;

CREATE TABLE posts (
    id              bigint PRIMARY KEY DEFAULT snowflake_id(),
    author_id       bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    caption         text CHECK (char_length(caption) <= 2200),
    location        text CHECK (char_length(location) <= 200),
    hashtags        text[] NOT NULL DEFAULT '{}',
    status          text NOT NULL DEFAULT 'processing'
                    CHECK (status IN ('processing', 'published', 'failed')),
    failure_reason  text,
    idempotency_key text CHECK (char_length(idempotency_key) <= 128),
    like_count      integer NOT NULL DEFAULT 0 CHECK (like_count >= 0),
    comment_count   integer NOT NULL DEFAULT 0 CHECK (comment_count >= 0),
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    deleted_at      timestamptz,
    UNIQUE (author_id, idempotency_key)
);
CREATE INDEX posts_author_idx ON posts (author_id, id DESC) WHERE deleted_at IS NULL;
CREATE INDEX posts_processing_idx ON posts (created_at) WHERE status = 'processing' AND deleted_at IS NULL;
CREATE INDEX posts_hashtags_idx ON posts USING gin (hashtags) WHERE deleted_at IS NULL;

CREATE TABLE media (
    id              bigint PRIMARY KEY DEFAULT snowflake_id(),
    owner_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind            text NOT NULL CHECK (kind IN ('photo', 'video')),
    status          text NOT NULL DEFAULT 'pending'
                    CHECK (status IN ('pending', 'processing', 'ready', 'failed')),
    content_type    text NOT NULL,
    byte_size       bigint NOT NULL CHECK (byte_size > 0),
    post_id         bigint REFERENCES posts (id) ON DELETE CASCADE,
    position        smallint CHECK (position BETWEEN 0 AND 9),
    width           integer,
    height          integer,
    duration_ms     integer,
    blurhash        text,
    phash           bigint,
    -- [{"size": "FEED", "key": "media/1/feed.webp", "width": 640, "height": 480,
    --   "content_type": "image/webp"}, ...]; one row per media, so re-running a job rewrites it
    variants        jsonb NOT NULL DEFAULT '[]',
    video_key       text,
    failure_reason  text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (post_id, position)
);
CREATE INDEX media_owner_idx ON media (owner_id, id DESC);
CREATE INDEX media_post_idx ON media (post_id, position) WHERE post_id IS NOT NULL;
