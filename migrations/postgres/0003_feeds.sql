-- Home feeds (the PostgreSQL feed store) and what the feed needs to know about readers.

CREATE TABLE feed_items (
    user_id   bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    post_id   bigint NOT NULL,
    author_id bigint NOT NULL,
    PRIMARY KEY (user_id, post_id)
);
-- Deleting a post from every feed, and an unfollow removing an author from one feed.
CREATE INDEX feed_items_post_idx ON feed_items (post_id);
CREATE INDEX feed_items_author_idx ON feed_items (user_id, author_id);

-- Followers inactive for SNAPFEED_ACTIVE_DAYS get no pushes; when they come back their
-- feed is rebuilt on the next read. Set at sign-in, cleared by the rebuild.
ALTER TABLE users ADD COLUMN feed_stale boolean NOT NULL DEFAULT false;
-- Fan-out reads active followers in id order.
CREATE INDEX users_last_active_idx ON users (last_active_at);
-- Fan-out walks a followee's active followers in follower-id order, resumably.
CREATE INDEX follows_fanout_idx ON follows (followee_id, follower_id) WHERE state = 'active';
