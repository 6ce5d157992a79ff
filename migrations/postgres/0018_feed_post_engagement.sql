-- The ranked feed reads each candidate's engagement (likes + 2 comments) and kind (photo,
-- video, carousel) for hundreds of posts per session: one row each instead of summing up to
-- 32 counter shards, and an index-only look at the post's media.

-- Kept by the ranking drain job (storage/feed_signals.py) in batches: never a row lock on a
-- like's path, so a hot post's likes do not queue on it. Lags its likes by a drain.
CREATE TABLE feed_post_engagement (
    post_id    bigint PRIMARY KEY REFERENCES posts (id) ON DELETE CASCADE,
    engagement integer NOT NULL DEFAULT 0
);

INSERT INTO feed_post_engagement (post_id, engagement)
SELECT post_id, sum(CASE WHEN counter = 'comments' THEN 2 * value ELSE value END)
FROM post_counter_shards
GROUP BY post_id;

CREATE INDEX media_post_kind_idx ON media (post_id, position) INCLUDE (kind)
    WHERE post_id IS NOT NULL;
