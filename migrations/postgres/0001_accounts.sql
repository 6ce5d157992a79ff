-- Accounts, bearer tokens and the follow graph.
-- Core PostgreSQL only: the embedded server ships no contrib extensions.

CREATE TABLE users (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    username        text NOT NULL CHECK (username ~ '^[a-z0-9._]{3,30}$'),
    display_name    text CHECK (char_length(display_name) <= 64),
    bio             text CHECK (char_length(bio) <= 500),
    is_private      boolean NOT NULL DEFAULT false,
    password_hash   text NOT NULL,
    follower_count  integer NOT NULL DEFAULT 0 CHECK (follower_count >= 0),
    following_count integer NOT NULL DEFAULT 0 CHECK (following_count >= 0),
    post_count      integer NOT NULL DEFAULT 0 CHECK (post_count >= 0),
    last_active_at  timestamptz NOT NULL DEFAULT now(),
    created_at      timestamptz NOT NULL DEFAULT now()
);

-- Unique case-insensitively; text_pattern_ops also serves `lower(username) LIKE 'abc%'`.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username) text_pattern_ops);

-- Only a SHA-256 of each bearer token is stored.
CREATE TABLE auth_tokens (
    token_hash  bytea PRIMARY KEY,
    user_id     bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at  timestamptz NOT NULL DEFAULT now(),
    expires_at  timestamptz NOT NULL,
    revoked_at  timestamptz
);
CREATE INDEX auth_tokens_user_idx ON auth_tokens (user_id);
CREATE INDEX auth_tokens_expires_idx ON auth_tokens (expires_at);

-- 'pending' is a request to follow a private account; counters count 'active' rows only.
CREATE TABLE follows (
    follower_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    followee_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    state       text NOT NULL CHECK (state IN ('active', 'pending')),
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (follower_id, followee_id),
    CHECK (follower_id <> followee_id)
);
CREATE INDEX follows_followers_idx ON follows (followee_id, state, created_at DESC, follower_id DESC);
CREATE INDEX follows_following_idx ON follows (follower_id, state, created_at DESC, followee_id DESC);
