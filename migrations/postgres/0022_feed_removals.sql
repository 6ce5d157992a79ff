-- An unfollow's clean-up of the follower's feed runs after its commit. The unfollow writes
-- a row here (and marks the feed stale) in its own transaction; a finished clean-up deletes
-- it, and an unfinished one (Redis or PostgreSQL gone in between) leaves it for the
-- follower's next feed read, which takes that author's posts out before rebuilding.
CREATE TABLE feed_removals (
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, author_id)
);
