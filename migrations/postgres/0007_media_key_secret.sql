-- Unguessable media URLs. Media ids are time-ordered snowflakes, so `media/{id}/...` could be
-- found by bracketing an id between two of one's own uploads. Variants now live under
-- `media/{id}/{key_secret}/...`: 128 random bits per media, drawn once at insert (and here for
-- existing rows) and never changed, so a media's URLs stay immutable and CDN-cacheable for its
-- whole life, whatever happens to its post's visibility. A per-row random value rather than
-- an HMAC of the id under a server key: rotating that key would change every URL (breaking
-- caches and links) or leave old URLs guessable by whoever learnt the old key.
-- gen_random_uuid() draws from PostgreSQL's strong random source (122 random bits each);
-- two of them hashed give 128 bits that carry no version or variant markers.
ALTER TABLE media ADD COLUMN key_secret text NOT NULL DEFAULT left(
    encode(sha256(convert_to(gen_random_uuid()::text || gen_random_uuid()::text, 'UTF8')), 'hex'),
    32
) CHECK (key_secret ~ '^[0-9a-f]{32}$');

-- READY media whose variants still sit at keys without their secret (processed before this
-- migration): the worker's re-key job moves them. The index stays empty once it is done.
CREATE INDEX media_legacy_keys_idx ON media (id)
    WHERE status = 'ready' AND strpos(variants -> 0 ->> 'key', key_secret) = 0;
