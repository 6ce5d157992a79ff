-- Operations registered ahead of time (`snapfeed documents add`), by the SHA-256 of their
-- exact text. With SNAPFEED_TRUSTED_DOCUMENTS on, only these run; otherwise they are also
-- served to clients that send just the hash (persisted queries that never expire).
CREATE TABLE trusted_documents (
    sha256 text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    body text NOT NULL,
    operation_names text[] NOT NULL DEFAULT '{}',
    added_at timestamptz NOT NULL DEFAULT now()
);
