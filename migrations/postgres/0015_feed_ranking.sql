-- The ranked home feed's aggregates (storage/feed_signals.py), kept as likes and comments
-- happen so that ranking never scans a viewer's history; and suggestedUsers' fallback.

-- A viewer's likes and comments on an author's posts. Changes are added as +1/-1 in batches
-- by a worker; a count may dip below zero for a moment when an unlike is folded in before
-- its like, so readers clamp at zero instead of a CHECK refusing the batch.
CREATE TABLE feed_affinity (
    viewer_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    author_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    likes     integer NOT NULL DEFAULT 0,
    comments  integer NOT NULL DEFAULT 0,
    PRIMARY KEY (viewer_id, author_id)
);

-- A viewer's likes on each kind of post: a single photo, a single video, a carousel.
CREATE TABLE feed_kind_likes (
    viewer_id bigint PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    photo     integer NOT NULL DEFAULT 0,
    video     integer NOT NULL DEFAULT 0,
    carousel  integer NOT NULL DEFAULT 0
);

-- What happened before this migration counts too.
INSERT INTO feed_affinity (viewer_id, author_id, likes, comments)
SELECT viewer_id, author_id, sum(likes), sum(comments)
FROM (
    SELECT l.user_id AS viewer_id, p.author_id, 1 AS likes, 0 AS comments
    FROM likes l JOIN posts p ON p.id = l.post_id
    UNION ALL
    SELECT c.author_id, p.author_id, 0, 1
    FROM comments c JOIN posts p ON p.id = c.post_id
) e
WHERE viewer_id <> author_id
GROUP BY viewer_id, author_id;

INSERT INTO feed_kind_likes (viewer_id, photo, video, carousel)
SELECT l.user_id,
       count(*) FILTER (WHERE k.kind = 0),
       count(*) FILTER (WHERE k.kind = 1),
       count(*) FILTER (WHERE k.kind = 2)
FROM likes l
JOIN posts p ON p.id = l.post_id AND p.author_id <> l.user_id
CROSS JOIN LATERAL (
    SELECT CASE WHEN count(*) > 1 THEN 2 WHEN bool_or(m.kind = 'video') THEN 1 ELSE 0 END AS kind
    FROM media m WHERE m.post_id = p.id
) k
GROUP BY l.user_id;

-- suggestedUsers for someone who follows nobody yet: the most followed accounts.
CREATE INDEX users_popular_idx ON users (follower_count DESC, id);
