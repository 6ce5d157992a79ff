-- Discovery: hashtag pages and counts, hashtag search, and the explore ranking's candidates.

-- One row per tag that a published post ever carried (so `hashtag(name)` can tell "never
-- used" from "all its posts were deleted"). post_count counts published, non-deleted posts;
-- it changes in the same statement as the publish or the soft delete (storage/posts.py).
CREATE TABLE hashtags (
    name       text PRIMARY KEY,
    post_count integer NOT NULL DEFAULT 0 CHECK (post_count >= 0)
);
-- Prefix search, `name LIKE 'abc%'`: the primary key's btree follows the database collation,
-- which LIKE cannot use; text_pattern_ops compares bytes and can.
CREATE INDEX hashtags_name_prefix_idx ON hashtags (name text_pattern_ops);

-- Backfill from the posts published so far.
INSERT INTO hashtags (name, post_count)
SELECT tag, count(DISTINCT p.id)
FROM posts p CROSS JOIN LATERAL unnest(p.hashtags) AS tag
WHERE p.status = 'published' AND p.deleted_at IS NULL
GROUP BY tag;

-- The explore job reads the last days' published posts once a minute: a range, not a scan.
CREATE INDEX posts_published_recent_idx ON posts (created_at)
    WHERE status = 'published' AND deleted_at IS NULL;
