"""Object storage: one interface, a local-disk and an S3 backend."""
