"""Every Redis key format and Cassandra table name used by Snapfeed, in one place.

Redis Cluster (SNAPFEED_REDIS_URL=redis+cluster://...) puts each key in a slot hashed from
its `{tag}` (the part between the first braces) or, untagged, from the whole key, and refuses
a command or script whose keys span slots. So:

- Keys that one command, script or ordered pipeline touches together carry the same tag:
  a user's keys `{user_id}` (feed cache, celebrity followees, ranked feed, suggestions),
  explore's `{explore}`, the engagement queue's `{engagements}`.
- A new key that is only ever used on its own needs no tag. A new key used with others gets
  their tag; write it as `{{{name}}}` in a format string (`"feed:{{{user_id}}}"` gives
  `feed:{42}`).
- Batches over many tags (a fan-out over followers' caches, login counters) are split per
  slot with storage/redis.py `by_slot`; never send them as one multi-key command.
- Pub/sub channels are not keys: a cluster broadcasts every PUBLISH to every node.
- arq's queue and the worker registry live on SNAPFEED_QUEUE_REDIS_URL (one node).
"""

from __future__ import annotations

from arq.constants import in_progress_key_prefix, job_key_prefix, result_key_prefix

# Login throttling: failed attempts per username, per client address, and per username from
# one address ('/' never occurs in an address, so the pair key is unambiguous).
LOGIN_FAILURES_BY_USER = "rl:login:user:{username}"
LOGIN_FAILURES_BY_IP = "rl:login:ip:{ip}"
LOGIN_FAILURES_BY_IP_AND_USER = "rl:login:pair:{ip}/{username}"
# Registrations per client address (a fixed one-hour window).
REGISTRATIONS_BY_IP = "rl:register:ip:{ip}"

# Token bucket per user and action (like, comment, follow, post, upload, report).
RATE_BUCKET = "rl:{action}:{user_id}"

# arq's queue name for all Snapfeed jobs.
JOB_QUEUE = "snapfeed:jobs"


def login_failures_by_user(username: str) -> str:
    return LOGIN_FAILURES_BY_USER.format(username=username)


def login_failures_by_ip(ip: str) -> str:
    return LOGIN_FAILURES_BY_IP.format(ip=ip)


def login_failures_by_ip_and_user(ip: str, username: str) -> str:
    return LOGIN_FAILURES_BY_IP_AND_USER.format(ip=ip, username=username)


def registrations_by_ip(ip: str) -> str:
    return REGISTRATIONS_BY_IP.format(ip=ip)


def rate_bucket(action: str, user_id: int) -> str:
    return RATE_BUCKET.format(action=action, user_id=user_id)


# Home-feed cache: a sorted set of the newest post ids of an active user's feed.
FEED_CACHE = "feed:{{{user_id}}}"
# A celebrity's newest posts, merged into followers' feeds at read time.
# (The prefix, then the author's id: the feed-read script builds keys from the ids it reads.)
AUTHOR_TIMELINE_PREFIX = "timeline:"
# The viewer's followees at or above the celebrity threshold (comma-separated ids).
CELEBRITY_FOLLOWEES = "celebs:{{{user_id}}}"
# Last follower id a fan-out of a post has reached, so a retried job resumes there.
FANOUT_PROGRESS = "fanout:{post_id}"


def feed_cache(user_id: int) -> str:
    return FEED_CACHE.format(user_id=user_id)


def author_timeline(author_id: int) -> str:
    return f"{AUTHOR_TIMELINE_PREFIX}{author_id}"


def celebrity_followees(user_id: int) -> str:
    return CELEBRITY_FOLLOWEES.format(user_id=user_id)


def fanout_progress(post_id: int) -> str:
    return FANOUT_PROGRESS.format(post_id=post_id)


# Explore: each ranking is a list snapshot ("post_id:author_id" entries after a header) kept
# under its own version, so a reader pages through the snapshot it started on.
# (The prefix, then the version: scripts build the key from the version they read.)
EXPLORE_SNAPSHOT_PREFIX = "explore:{explore}:snapshot:"
# The version of the newest snapshot, and the counter that numbers them.
EXPLORE_CURRENT = "explore:{explore}:current"
EXPLORE_VERSION_COUNTER = "explore:{explore}:versions"


def explore_snapshot(version: int) -> str:
    return f"{EXPLORE_SNAPSHOT_PREFIX}{version}"


# Ranked home feed (resolvers/feed/ranked.py). Per-viewer keys share the hash tag {viewer_id},
# so a script or pipeline over one viewer's keys stays on one Redis Cluster slot.
# A ranked session: a string snapshot (a header, then fixed-width "F"/"S" + post id entries).
RANKED_SESSION = "rank:{{{user_id}}}:session:{session}"
# The viewer's live sessions, newest first (older ones beyond a few are deleted).
RANKED_SESSIONS = "rank:{{{user_id}}}:sessions"
# Posts shown in the viewer's ranked sessions: post id (20 digits) -> when, in Unix ms.
RANKED_SEEN = "rank:{{{user_id}}}:seen"
# Likes and comments by people the viewer follows, one sorted set per day of engagement
# (post id, 20 digits -> count); a day's set expires once outside the ranking window.
FOLLOWEE_ENGAGEMENT = "rank:{{{user_id}}}:liked:{day}"
# Likes and comments waiting for the worker to fold them into the aggregates
# ("user_id:post_id:likes:comments"), and a marker set while a drain job is queued.
ENGAGEMENT_EVENTS = "rank:{engagements}"
ENGAGEMENT_DRAIN_QUEUED = "rank:{engagements}:queued"
# suggestedUsers: the viewer's ranked candidates (comma-separated ids), cached a while.
SUGGESTED_USERS = "suggest:{{{user_id}}}"


def ranked_session(user_id: int, session: int) -> str:
    return RANKED_SESSION.format(user_id=user_id, session=session)


def ranked_sessions(user_id: int) -> str:
    return RANKED_SESSIONS.format(user_id=user_id)


def ranked_seen(user_id: int) -> str:
    return RANKED_SEEN.format(user_id=user_id)


def followee_engagement(user_id: int, day: int) -> str:
    return FOLLOWEE_ENGAGEMENT.format(user_id=user_id, day=day)


def suggested_users(user_id: int) -> str:
    return SUGGESTED_USERS.format(user_id=user_id)


# Cassandra tables (in the keyspace from SNAPFEED_CASSANDRA_KEYSPACE).
CASSANDRA_FEED_ITEMS = "feed_items"
CASSANDRA_SCHEMA_VERSIONS = "schema_migrations"


# Live updates (Redis pub/sub channels).
LIVE_FEED = "live:feed:{user_id}"  # a post entered this user's home feed
LIVE_AUTHOR = "live:author:{author_id}"  # a celebrity published (their followers listen)
LIVE_POST = "live:post:{post_id}"  # status or counts of a post changed
LIVE_TOKEN = "live:token:{token_hash}"  # this bearer token was revoked
# Notifications of this user were folded (new or anew): comma-separated notification ids.
LIVE_NOTIFICATIONS = "live:notifications:{user_id}"
# Every revocation, as the token hash in hex: each API process forgets its cached owner.
LIVE_REVOCATIONS = "live:revocations"


def live_feed(user_id: int) -> str:
    return LIVE_FEED.format(user_id=user_id)


def live_author(author_id: int) -> str:
    return LIVE_AUTHOR.format(author_id=author_id)


def live_post(post_id: int) -> str:
    return LIVE_POST.format(post_id=post_id)


def live_token(token_hash: bytes) -> str:
    return LIVE_TOKEN.format(token_hash=token_hash.hex())


def live_notifications(user_id: int) -> str:
    return LIVE_NOTIFICATIONS.format(user_id=user_id)


# Worker liveness (storage/worker_registry.py): the ids of workers that have announced
# themselves; per worker a heartbeat that expires when it stops beating, and the ids of the
# jobs it is running, so the jobs of a dead worker can be released for another to run.
WORKERS = "snapfeed:workers"
WORKER_HEARTBEAT = "snapfeed:worker:{worker_id}:alive"
WORKER_JOBS = "snapfeed:worker:{worker_id}:jobs"


def worker_heartbeat(worker_id: str) -> str:
    return WORKER_HEARTBEAT.format(worker_id=worker_id)


def worker_jobs(worker_id: str) -> str:
    return WORKER_JOBS.format(worker_id=worker_id)


def arq_in_progress(job_id: str) -> str:
    """arq's own marker of a running job (kept until the job's timeout if its worker dies)."""
    return in_progress_key_prefix + job_id


def arq_job(job_id: str) -> str:
    """arq's queued job: its function and arguments (the queue holds only its id)."""
    return job_key_prefix + job_id


def arq_result(job_id: str) -> str:
    """arq's result of a finished job (none here: Snapfeed's jobs keep no result)."""
    return result_key_prefix + job_id


# Automatic persisted queries: a GraphQL document's text by the SHA-256 (hex) of that text,
# shared by every API process and expiring when unused (storage/documents.py).
PERSISTED_QUERY = "apq:{sha256}"


def persisted_query(sha256: str) -> str:
    return PERSISTED_QUERY.format(sha256=sha256)
