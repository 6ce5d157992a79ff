-- Likes, comments, and the sharded counters behind likeCount and commentCount.

CREATE TABLE likes (
    post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX likes_user_idx ON likes (user_id, post_id);

CREATE TABLE comments (
    id         bigint PRIMARY KEY DEFAULT snowflake_id(),
    post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    author_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    body       text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 2200),
    created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX comments_post_idx ON comments (post_id, id);

-- A viral post's likes must not all queue on one row lock: each change lands on one of
-- 16 shards picked at random, in the same transaction as the like or comment itself, and
-- a read sums the shards. Exact, and concurrent writers rarely touch the same row.
CREATE TABLE post_counter_shards (
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    counter text NOT NULL CHECK (counter IN ('likes', 'comments')),
    shard   smallint NOT NULL CHECK (shard BETWEEN 0 AND 15),
    value   integer NOT NULL,
    PRIMARY KEY (post_id, counter, shard)
);
