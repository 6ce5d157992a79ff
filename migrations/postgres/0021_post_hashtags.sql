-- A tag's posts in id order: a hashtag page reads the newest visible ones and stops, where
-- the GIN index on posts.hashtags found every post with a popular tag before the newest
-- could be picked (about 20 ms of PostgreSQL per page of #sunset in bench/read_path.py).
-- Kept by a trigger, so every way a post row is written keeps it.
CREATE TABLE post_hashtags (
    tag text NOT NULL,
    post_id bigint NOT NULL REFERENCES posts (id) ON DELETE CASCADE,
    PRIMARY KEY (tag, post_id)
);

INSERT INTO post_hashtags (tag, post_id)
SELECT DISTINCT t.tag, p.id FROM posts p CROSS JOIN LATERAL unnest(p.hashtags) AS t (tag);

CREATE INDEX post_hashtags_post_idx ON post_hashtags (post_id);

CREATE FUNCTION post_hashtags_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        DELETE FROM post_hashtags WHERE post_id = NEW.id AND NOT (tag = ANY (NEW.hashtags));
    END IF;
    INSERT INTO post_hashtags (tag, post_id)
    SELECT DISTINCT t.tag, NEW.id FROM unnest(NEW.hashtags) AS t (tag)
    ON CONFLICT DO NOTHING;
    RETURN NULL;
END
$$;

CREATE TRIGGER posts_hashtags_insert AFTER INSERT ON posts
    FOR EACH ROW WHEN (cardinality(NEW.hashtags) > 0) EXECUTE FUNCTION post_hashtags_sync();
CREATE TRIGGER posts_hashtags_update AFTER UPDATE OF hashtags ON posts
    FOR EACH ROW WHEN (OLD.hashtags IS DISTINCT FROM NEW.hashtags)
    EXECUTE FUNCTION post_hashtags_sync();
