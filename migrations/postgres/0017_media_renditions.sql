-- De-duplication: media whose uploads have the same bytes (and the same edits) share one set
-- of processed objects, a rendition, counted by the media that use it.

CREATE TABLE media_renditions (
    id              bigint PRIMARY KEY DEFAULT snowflake_id(),
    digest          bytea NOT NULL CHECK (octet_length(digest) = 32),  -- SHA-256 of the upload
    edit            text NOT NULL,    -- the filter and crop applied, written canonically
    -- Who may share it: 0 everyone; an owner's id, that owner; minus a media id, nobody else.
    scope           bigint NOT NULL,
    -- The media first processed into it: its objects are `originals/{id}` and `media/{id}/...`,
    -- and they live as long as the rendition, whatever happens to that media.
    source_media_id bigint NOT NULL,
    original_state  text NOT NULL DEFAULT 'kept'
                    CHECK (original_state IN ('kept', 'cold', 'deleted')),
    -- Media rows pointing at it (the trigger below keeps it); at 0 it is dead for good.
    ref_count       integer NOT NULL DEFAULT 0 CHECK (ref_count >= 0),
    state           text NOT NULL DEFAULT 'live' CHECK (state IN ('live', 'dead')),
    dead_since      timestamptz,
    -- What a media using it shows (copied onto the media row).
    width           integer NOT NULL,
    height          integer NOT NULL,
    duration_ms     integer,
    blurhash        text NOT NULL,
    phash           bigint NOT NULL,
    variants        jsonb NOT NULL,
    video_key       text,
    original_bytes  bigint NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);
-- An upload finds a live rendition of the same bytes and edits by this; once dead, the next
-- identical upload makes a new one.
CREATE UNIQUE INDEX media_renditions_live_key ON media_renditions (digest, edit, scope)
    WHERE state = 'live';
CREATE UNIQUE INDEX media_renditions_live_source ON media_renditions (source_media_id)
    WHERE state = 'live';
CREATE INDEX media_renditions_dead_idx ON media_renditions (dead_since) WHERE state = 'dead';

ALTER TABLE media ADD COLUMN rendition_id bigint REFERENCES media_renditions (id);

-- The count follows every way a media row stops (or starts) using a rendition: deleting a
-- post or a story, failing an item, cascades. In the same transaction, so a dedup hit (which
-- locks the live rendition it attaches to) and the last release are always ordered.
CREATE FUNCTION media_rendition_refs() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.rendition_id IS NOT NULL THEN
        UPDATE media_renditions SET ref_count = ref_count - 1,
            state = CASE WHEN ref_count = 1 THEN 'dead' ELSE state END,
            dead_since = CASE WHEN ref_count = 1 THEN coalesce(dead_since, now())
                              ELSE dead_since END
        WHERE id = OLD.rendition_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.rendition_id IS NOT NULL THEN
        UPDATE media_renditions SET ref_count = ref_count + 1 WHERE id = NEW.rendition_id;
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER media_rendition_refs_insert AFTER INSERT ON media
    FOR EACH ROW WHEN (NEW.rendition_id IS NOT NULL) EXECUTE FUNCTION media_rendition_refs();
CREATE TRIGGER media_rendition_refs_update AFTER UPDATE OF rendition_id ON media
    FOR EACH ROW WHEN (OLD.rendition_id IS DISTINCT FROM NEW.rendition_id)
    EXECUTE FUNCTION media_rendition_refs();
CREATE TRIGGER media_rendition_refs_delete AFTER DELETE ON media
    FOR EACH ROW WHEN (OLD.rendition_id IS NOT NULL) EXECUTE FUNCTION media_rendition_refs();
CREATE INDEX media_rendition_idx ON media (rendition_id) WHERE rendition_id IS NOT NULL;

-- A media sharing another's rendition has variant keys without its own secret: it is not
-- one of the pre-secret media the re-key job moves.
DROP INDEX media_legacy_keys_idx;
CREATE INDEX media_legacy_keys_idx ON media (id)
    WHERE status = 'ready' AND strpos(variants -> 0 ->> 'key', key_secret) = 0
      AND rendition_id IS NULL;
