-- likeCount and commentCount are sums of post_counter_shards (0004); these two columns
-- were never written.
ALTER TABLE posts DROP COLUMN like_count, DROP COLUMN comment_count;
