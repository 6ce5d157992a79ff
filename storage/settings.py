"""The one settings object: `SNAPFEED_*` environment variables with embedded defaults.

It lives at the bottom layer so that every layer can read it; only the CLI and
the test fixtures build it (from the environment or explicitly).
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

PREFIX = "SNAPFEED_"


class SettingsError(ValueError):
    """An environment variable could not be parsed."""


@dataclass(frozen=True)
class Settings:
    # Where things run. No URL means: start the embedded server under data_dir.
    database_url: str | None = None
    redis_url: str | None = None
    # arq's job queue (and the worker registry) when it must not live on redis_url: a
    # Redis Cluster cannot hold arq's queue, so a cluster needs one plain node here.
    queue_redis_url: str | None = None
    data_dir: Path = Path(".snapfeed")
    host: str = "127.0.0.1"
    port: int = 8000
    # Other web origins allowed to call the API (CORS) and open WebSockets: origins,
    # `scheme://host:*` for any port, or `*`. `snapfeed dev` adds localhost and 127.0.0.1.
    allowed_origins: tuple[str, ...] = ()
    public_url: str | None = None  # how clients reach this server; default http://host:port
    secret_key: str | None = None  # signs upload URLs; `snapfeed dev` makes one in data_dir
    web_app: bool = True  # serve the reference web app at `/` (server/webapp/)

    # Media
    media_backend: str = "local"  # "local" (disk under media_dir) or "s3"
    media_dir: Path | None = None  # default: data_dir/media
    media_base_url: str | None = None  # CDN in front of the bucket, for public variant URLs
    s3_bucket: str = "snapfeed-media"
    s3_region: str = "us-east-1"
    s3_endpoint_url: str | None = None
    s3_public_endpoint_url: str | None = None  # for presigned uploads; default s3_endpoint_url
    s3_access_key_id: str | None = None
    s3_secret_access_key: str | None = None
    upload_url_ttl_seconds: int = 900
    max_upload_bytes: int = 30 * 2**20  # photos
    max_video_bytes: int = 200 * 2**20
    max_video_seconds: int = 90
    max_image_pixels: int = 50_000_000
    stuck_processing_seconds: int = 180  # the reconciler re-queues posts older than this
    # Backpressure: past this many waiting jobs, createUpload, createPost and uploadPost
    # answer RATE_LIMITED (0: never).
    max_queue_depth: int = 10_000
    # Uploads with the same bytes (and edits) share processed objects: "global" across
    # accounts, "owner" within one account, "off".
    media_dedup: str = "global"
    # Originals once processed: "keep", "cold" (moved to cold_storage_class), or "delete".
    originals: str = "keep"
    cold_storage_class: str = "GLACIER_IR"  # S3 class for cold originals
    # `snapfeed storage setup`: S3 lifecycle of variants (0 leaves a transition out).
    variants_ia_days: int = 30  # to STANDARD_IA
    variants_glacier_ir_days: int = 90  # to GLACIER_IR

    # Feed
    celebrity_followers: int = 10_000
    active_days: int = 30
    # The ranked feed's weights, `name=value,...` over the defaults of resolvers/feed/rank.py
    # (half_life_hours, affinity, mutual, engagement, social, kind, seen, suggested_floor).
    feed_rank_weights: str = ""

    # Accounts
    token_ttl_days: int = 30
    token_cache_seconds: int = 10  # how long an API process remembers a token's owner; 0: never
    argon2_time_cost: int = 3
    argon2_memory_kib: int = 65_536
    argon2_parallelism: int = 2
    login_max_failures_per_user: int = 5  # per username from one client address
    login_max_failures_per_ip: int = 50  # per client address, whatever the usernames
    # Per username from all addresses: past it only addresses that have not failed against
    # that username may still try (a correct password from elsewhere always gets in).
    login_max_failures_per_account: int = 20
    login_window_seconds: int = 900
    register_rate: int = 10  # registrations per client address per hour; 0: no limit

    # Per-user token buckets: action=count/seconds (burst of `count`, refilled over `seconds`)
    rate_limits: str = (
        "like=300/60,comment=60/60,follow=200/3600,post=100/3600,upload=300/3600,report=20/3600,"
        "save=120/60"
    )

    # Notifications: each user keeps their newest `notification_keep`, none older than
    # `notification_days` (a job prunes the rest hourly)
    notification_keep: int = 500
    notification_days: int = 90

    # Moderation: distinct reporters that turn a PUBLISHED post FLAGGED
    flag_threshold: int = 3

    # GraphQL limits
    max_page_size: int = 50
    max_query_depth: int = 12
    max_aliases: int = 30
    max_tokens: int = 5_000
    # Fields, spreads and inline fragments per document once fragments are expanded.
    max_selections: int = 2_000
    # Static cost per operation (schema/limits/cost.py explains the count and the default).
    max_query_cost: int = 10_000
    # Request bodies (JSON); a multipart upload may carry one video (max_video_bytes) on
    # top of this.
    max_request_bytes: int = 2**20
    # Production switch: only documents registered with `snapfeed documents add` run.
    trusted_documents: bool = False
    # Anonymous GET queries answered without errors may be kept this long by a CDN.
    public_cache_seconds: int = 30

    # Pools and logging
    db_pool_min: int = 1
    db_pool_max: int = 10
    log_level: str = "INFO"
    # "json" (one object per line) or "text"; unset: text for `snapfeed dev` at a terminal,
    # JSON everywhere else.
    log_format: str | None = None
    worker_metrics_port: int | None = None  # `snapfeed worker` serves /metrics here when set
    # Workers beat this often; one silent for 3 beats is dead and its jobs run elsewhere.
    worker_heartbeat_seconds: int = 10
    # How often reconcilers run (stuck posts and stories, dead workers): a divisor of 60, or
    # a whole number of minutes dividing 60.
    reconcile_seconds: int = 60
    # Client addresses or networks allowed to read the API's /metrics (others get 404).
    metrics_allow: tuple[str, ...] = ("127.0.0.1", "::1")
    # Operation names that are metric labels; past these, the first N others, then "other".
    metrics_operations: tuple[str, ...] = ()
    metrics_max_operations: int = 100

    # "hybrid" (fan-out + merge at read) or "pull" (the naive query; a benchmark baseline)
    feed_strategy: str = "hybrid"

    # Feed store backends (used by the feed; Cassandra only when hosts are set)
    feed_store: str = "postgres"
    cassandra_hosts: tuple[str, ...] = ()
    cassandra_keyspace: str = "snapfeed"

    @classmethod
    def from_env(cls, environ: Mapping[str, str], **overrides: Any) -> Settings:
        """Build settings from `SNAPFEED_*` variables; an unknown one is an error (a typo)."""
        values: dict[str, Any] = {}
        known = {f.name for f in fields(cls)}
        hints = typing.get_type_hints(cls)
        for key, raw in environ.items():
            if not key.startswith(PREFIX):
                continue
            name = key[len(PREFIX) :].lower()
            if name not in known:
                raise SettingsError(f"unknown setting {key}")
            try:
                values[name] = _parse(hints[name], raw)
            except ValueError as exc:
                raise SettingsError(f"{key}={raw!r}: {exc}") from exc
        values.update(overrides)
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **changes)

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def queue_url(self) -> str | None:
        return self.queue_redis_url or self.redis_url

    @property
    def media_root(self) -> Path:
        return self.media_dir or self.data_dir / "media"


def _parse(hint: Any, raw: str) -> Any:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if raw == "":
            return None
        return _parse(args[0], raw)
    if origin is tuple:
        return tuple(part.strip() for part in raw.split(",") if part.strip())
    if hint is bool:
        lowered = raw.strip().lower()
        if lowered in {"1", "true", "yes", "on"}:
            return True
        if lowered in {"0", "false", "no", "off"}:
            return False
        raise ValueError("expected a boolean")
    if hint is int:
        return int(raw)
    if hint is float:
        return float(raw)
    if hint is Path:
        return Path(raw)
    return raw
