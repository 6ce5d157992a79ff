-- A post card reads its media as one JSON text (storage/post_cards.py). Built on every read,
-- that JSON was about a third of PostgreSQL's CPU for a feed page's statement
-- (json_build_array looks up every argument's output function on every call; measured on
-- bench/read_path.py's data: 1.26 ms a page with it, 0.71 ms with no media at all, 0.93 ms
-- with this column). So each media row carries its part, built when the row is written: the
-- columns of storage/media.FIELDS in that order, created_at as microseconds since the Unix
-- epoch (storage/instants.py), so that no session's TimeZone is written into it. Kept by a
-- trigger, so every way a media row is written keeps it.
ALTER TABLE media ADD COLUMN card_json text;

CREATE FUNCTION media_card_json() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.card_json := json_build_array(
        NEW.id, NEW.owner_id, NEW.kind, NEW.status, NEW.content_type, NEW.byte_size,
        NEW.post_id, NEW.position, NEW.width, NEW.height, NEW.duration_ms, NEW.blurhash,
        NEW.phash, NEW.variants, NEW.video_key, NEW.failure_reason,
        (EXTRACT(EPOCH FROM NEW.created_at) * 1000000)::bigint,
        NEW.key_secret, NEW.filter, NEW.crop
    )::text;
    RETURN NEW;
END
$$;

CREATE TRIGGER media_card_json BEFORE INSERT OR UPDATE ON media
    FOR EACH ROW EXECUTE FUNCTION media_card_json();

UPDATE media SET card_json = NULL;  -- the trigger fills it in
ALTER TABLE media ALTER COLUMN card_json SET NOT NULL;
