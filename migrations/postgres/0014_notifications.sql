-- Notifications, mentions and saved posts.

-- The outbox: every like, comment, follow, mention and publish writes one row here in the
-- same statement (or transaction) as the change itself, and nothing else. Appending never
-- waits on another writer, so a post liked by thousands at once has no row lock to queue on.
-- The fold job (workers/notifications.py) drains it in one transaction per batch: a worker
-- that dies mid-batch rolls the batch back and the next run folds it. No foreign keys: the
-- fold checks what still holds (the like, the comment, the follow) when it folds.
CREATE TABLE notification_events (
    id           bigserial PRIMARY KEY,
    recipient_id bigint NOT NULL,
    kind         text NOT NULL,
    actor_id     bigint,
    post_id      bigint,
    comment_id   bigint,
    created_at   timestamptz NOT NULL DEFAULT now()
);

-- One row per notification. Events of one recipient, kind and fold key fold into the unread
-- notification of that key (a post's likes, a post's comments, a day's follows); the other
-- kinds have a key of their own. Only the fold job writes actor_count and updated_at.
CREATE TABLE notifications (
    id           bigint PRIMARY KEY DEFAULT snowflake_id(),
    recipient_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN (
                     'like', 'comment', 'mention', 'follow', 'follow_request',
                     'follow_accepted', 'post_published', 'post_failed', 'post_removed')),
    fold_key     text NOT NULL,
    post_id      bigint REFERENCES posts (id) ON DELETE CASCADE,
    comment_id   bigint REFERENCES comments (id) ON DELETE CASCADE,
    actor_count  integer NOT NULL DEFAULT 0 CHECK (actor_count >= 0),
    updated_at   timestamptz NOT NULL,  -- the newest event folded in
    read_at      timestamptz
);
CREATE UNIQUE INDEX notifications_unread_key ON notifications (recipient_id, kind, fold_key)
    WHERE read_at IS NULL;
CREATE INDEX notifications_key_idx ON notifications (recipient_id, kind, fold_key);
-- The activity tab (newest first) and retention.
CREATE INDEX notifications_page_idx ON notifications (recipient_id, updated_at DESC, id DESC);
CREATE INDEX notifications_post_idx ON notifications (post_id) WHERE post_id IS NOT NULL;
CREATE INDEX notifications_comment_idx ON notifications (comment_id) WHERE comment_id IS NOT NULL;

-- Who a folded notification names, newest first. comment_id: the actor's newest comment
-- folded in (COMMENT), repointed or dropped by the fold when that comment is deleted.
CREATE TABLE notification_actors (
    notification_id bigint NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
    actor_id        bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    comment_id      bigint,
    at              timestamptz NOT NULL,
    PRIMARY KEY (notification_id, actor_id)
);
CREATE INDEX notification_actors_newest ON notification_actors (notification_id, at DESC, actor_id DESC);
CREATE INDEX notification_actors_actor_idx ON notification_actors (actor_id);

-- @usernames of a caption, resolved when the post is created (the caption keeps its text).
CREATE TABLE post_mentions (
    post_id  bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    user_id  bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    position smallint NOT NULL,
    PRIMARY KEY (post_id, user_id)
);
CREATE INDEX post_mentions_user_idx ON post_mentions (user_id);

-- Saved posts, newest saved first, visible to the saver only.
CREATE TABLE saves (
    user_id    bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id    bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, post_id)
);
CREATE INDEX saves_page_idx ON saves (user_id, created_at DESC, post_id DESC);
CREATE INDEX saves_post_idx ON saves (post_id);
