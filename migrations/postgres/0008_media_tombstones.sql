-- Media deleted while its upload URL may still be valid. An S3 presigned PUT cannot be
-- revoked: once the original is deleted, the URL could create it again, and no media row
-- would lead any clean-up to it. The worker sweeps each media's keys once more after the URL
-- has expired, then forgets it.
CREATE TABLE media_tombstones (
    media_id     bigint PRIMARY KEY,
    sweep_after  timestamptz NOT NULL
);
CREATE INDEX media_tombstones_due_idx ON media_tombstones (sweep_after);
