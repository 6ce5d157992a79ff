-- Places: a name with optional coordinates, tagged on posts; radius queries by geohash cells.

CREATE TABLE places (
    id         bigint PRIMARY KEY DEFAULT snowflake_id(),
    name       text NOT NULL CHECK (char_length(name) BETWEEN 1 AND 200),
    name_key   text NOT NULL,  -- the name lower-cased with single spaces: search matches on it
    latitude   double precision CHECK (latitude BETWEEN -90 AND 90),
    longitude  double precision CHECK (longitude BETWEEN -180 AND 180),
    -- Published posts of public accounts tagged with it (kept by the triggers below).
    post_count integer NOT NULL DEFAULT 0 CHECK (post_count >= 0),
    CHECK ((latitude IS NULL) = (longitude IS NULL)),
    CONSTRAINT places_key UNIQUE NULLS NOT DISTINCT (name_key, latitude, longitude)
);
-- Prefix search (`name_key LIKE 'abc%'`), as hashtags_name_prefix_idx.
CREATE INDEX places_name_prefix_idx ON places (name_key text_pattern_ops);

-- A tagged post carries its place's coordinates and their precision-6 geohash: a radius query
-- reads, for each geohash cell covering the circle, that cell's published posts newest first
-- through one of these indexes (the cell size picked to suit the radius), never every post.
ALTER TABLE posts
    ADD COLUMN place_id  bigint REFERENCES places (id),
    ADD COLUMN latitude  double precision,
    ADD COLUMN longitude double precision,
    ADD COLUMN geohash   text CHECK (geohash ~ '^[0-9b-hjkmnp-z]{6}$');
CREATE INDEX posts_geocell3_idx ON posts (left(geohash, 3), id DESC)
    WHERE status = 'published' AND deleted_at IS NULL AND geohash IS NOT NULL;
CREATE INDEX posts_geocell4_idx ON posts (left(geohash, 4), id DESC)
    WHERE status = 'published' AND deleted_at IS NULL AND geohash IS NOT NULL;
CREATE INDEX posts_geocell5_idx ON posts (left(geohash, 5), id DESC)
    WHERE status = 'published' AND deleted_at IS NULL AND geohash IS NOT NULL;
CREATE INDEX posts_geocell6_idx ON posts (left(geohash, 6), id DESC)
    WHERE status = 'published' AND deleted_at IS NULL AND geohash IS NOT NULL;
-- A place's published posts, for search (does the viewer see one?).
CREATE INDEX posts_place_idx ON posts (place_id, id DESC)
    WHERE place_id IS NOT NULL AND status = 'published' AND deleted_at IS NULL;
-- An author's tagged posts, for the privacy recount below.
CREATE INDEX posts_author_place_idx ON posts (author_id, place_id)
    WHERE place_id IS NOT NULL AND deleted_at IS NULL;

-- place.post_count follows every way a post becomes (or stops being) a published post of a
-- public account: publish, delete, moderation, and privacy changes. Triggers rather than a
-- line in each of those statements: they run in the same transaction, after the statement
-- has locked the post and its author, then lock only the place, so they add no lock order.
-- (Posts are deleted for good only once soft-deleted, when they count no more.)
CREATE FUNCTION places_count_post() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    was boolean := TG_OP = 'UPDATE' AND OLD.place_id IS NOT NULL
        AND OLD.status = 'published' AND OLD.deleted_at IS NULL;
    counts boolean := NEW.place_id IS NOT NULL
        AND NEW.status = 'published' AND NEW.deleted_at IS NULL;
BEGIN
    IF was = counts AND (NOT counts OR OLD.place_id = NEW.place_id) THEN
        RETURN NULL;
    END IF;
    IF (SELECT is_private FROM users WHERE id = NEW.author_id) THEN
        RETURN NULL;
    END IF;
    IF was THEN
        UPDATE places SET post_count = greatest(post_count - 1, 0) WHERE id = OLD.place_id;
    END IF;
    IF counts THEN
        UPDATE places SET post_count = post_count + 1 WHERE id = NEW.place_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER posts_place_count_insert AFTER INSERT ON posts
    FOR EACH ROW WHEN (NEW.place_id IS NOT NULL) EXECUTE FUNCTION places_count_post();
CREATE TRIGGER posts_place_count_update AFTER UPDATE OF status, deleted_at, place_id ON posts
    FOR EACH ROW WHEN (OLD.place_id IS NOT NULL OR NEW.place_id IS NOT NULL)
    EXECUTE FUNCTION places_count_post();

CREATE FUNCTION places_recount_author() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Places locked in id order, so two authors changing privacy cannot deadlock on them.
    PERFORM 1 FROM places WHERE id IN (
        SELECT place_id FROM posts WHERE author_id = NEW.id AND place_id IS NOT NULL
          AND deleted_at IS NULL AND status = 'published'
    ) ORDER BY id FOR UPDATE;
    UPDATE places pl SET post_count = greatest(
        pl.post_count + CASE WHEN NEW.is_private THEN -c.n ELSE c.n END, 0
    )
    FROM (
        SELECT place_id, count(*)::int AS n FROM posts
        WHERE author_id = NEW.id AND place_id IS NOT NULL AND deleted_at IS NULL
          AND status = 'published'
        GROUP BY place_id
    ) c
    WHERE pl.id = c.place_id;
    RETURN NULL;
END $$;
CREATE TRIGGER users_place_recount AFTER UPDATE OF is_private ON users
    FOR EACH ROW WHEN (OLD.is_private IS DISTINCT FROM NEW.is_private)
    EXECUTE FUNCTION places_recount_author();
