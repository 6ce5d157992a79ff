-- Hashtag counts no longer include private accounts' posts: `hashtags.post_count` counts the
-- published, non-deleted posts of public accounts, and what a viewer is shown adds the private
-- posts they may see (storage/hashtags.py). Recount every tag from that rule.
UPDATE hashtags SET post_count = 0;

INSERT INTO hashtags (name, post_count)
SELECT tag, count(DISTINCT p.id)
FROM posts p
JOIN users u ON u.id = p.author_id AND NOT u.is_private
CROSS JOIN LATERAL unnest(p.hashtags) AS tag
WHERE p.status = 'published' AND p.deleted_at IS NULL
GROUP BY tag
ON CONFLICT (name) DO UPDATE SET post_count = excluded.post_count;
