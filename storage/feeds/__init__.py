"""Home-feed stores: one interface, a PostgreSQL and a Cassandra backend."""
