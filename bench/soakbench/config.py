"""Sizes, the soak's settings, the fault schedule and the GraphQL documents."""

from __future__ import annotations

from dataclasses import dataclass

CLIENTS = 16
SUBSCRIBERS = 4  # of the users, this many hold a feedUpdates socket all along
USERS_AT_START = 24  # registered before the clock starts; clients register more meanwhile
MAX_USERS = 300
FEED_AUDIT_DEPTH = 300  # ids of each feed compared with the pull query (pages of 50)
FEED_PAGE = 50

# Goals of issue 16.
RECOVERY_GOAL_S = 10.0
# Server errors (INTERNAL, HTTP 5xx, refused connections) are allowed while a dependency is
# down and for this long after it is back (the recovery the goal allows), nowhere else.
ERROR_GRACE_S = RECOVERY_GOAL_S

# The soak's settings (SNAPFEED_*), on top of the stack's addresses. The reconciler and the
# dead-worker check run every 5 s, so a post lost with a job is re-queued within seconds.
RECONCILE_SECONDS = 5
STUCK_PROCESSING_SECONDS = 15
HEARTBEAT_SECONDS = 2
SOAK_SETTINGS = {
    "SNAPFEED_RECONCILE_SECONDS": str(RECONCILE_SECONDS),
    "SNAPFEED_STUCK_PROCESSING_SECONDS": str(STUCK_PROCESSING_SECONDS),
    "SNAPFEED_WORKER_HEARTBEAT_SECONDS": str(HEARTBEAT_SECONDS),
    # The soak is about faults, not limits: no user hits a bucket, registrations are cheap.
    "SNAPFEED_RATE_LIMITS": (
        "like=100000/60,comment=100000/60,follow=100000/60,post=100000/60,"
        "upload=100000/60,report=100000/60,save=100000/60"
    ),
    "SNAPFEED_REGISTER_RATE": "0",
    "SNAPFEED_ARGON2_TIME_COST": "1",
    "SNAPFEED_ARGON2_MEMORY_KIB": "1024",
    "SNAPFEED_ARGON2_PARALLELISM": "1",
    "SNAPFEED_WEB_APP": "false",
    "SNAPFEED_LOG_LEVEL": "WARNING",
}
# Once traffic stops: how long posts may take to settle (the reconciler re-queues a post
# STUCK_PROCESSING_SECONDS old at its next run; then it is worked).
SETTLE_S = STUCK_PROCESSING_SECONDS + 4 * RECONCILE_SECONDS + 30

# What a client does next, by weight.
ACTIONS = {
    "feed": 30,
    "feed.ranked": 12,
    "like": 18,
    "comment": 10,
    "post": 14,
    "follow": 10,
    "register": 3,
    "unlike": 3,
}

WORKER_KILL = "worker SIGKILL"
VALKEY_RESTART = "Valkey restart"
POSTGRES_RESTART = "PostgreSQL restart"


@dataclass(frozen=True)
class PlannedFault:
    kind: str
    at: float  # seconds from the start of traffic
    down_s: float  # how long the dependency stays down (a killed worker: 0)


def schedule(duration: float) -> list[PlannedFault]:
    """The three faults, spread so that each has a quiet stretch before the next: at 20 %,
    45 % and 70 % of the run; dependencies stay down 2 s in a short run, 5 s in a long one."""
    down = 2.0 if duration < 300 else 5.0
    return [
        PlannedFault(WORKER_KILL, round(duration * 0.20, 1), 0.0),
        PlannedFault(VALKEY_RESTART, round(duration * 0.45, 1), down),
        PlannedFault(POSTGRES_RESTART, round(duration * 0.70, 1), down),
    ]


REGISTER = """mutation($u: String!) {
  register(input: {username: $u, password: "correct horse"}) { token user { id } }
}"""
FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status } }"
CREATE_UPLOAD = """mutation($input: CreateUploadInput!) {
  createUpload(input: $input) { media { id } uploadUrl uploadHeaders { name value } }
}"""
CREATE_POST = """mutation($input: CreatePostInput!) { createPost(input: $input) { id status } }"""
LIKE = "mutation($id: ID!) { likePost(postId: $id) { id likeCount } }"
UNLIKE = "mutation($id: ID!) { unlikePost(postId: $id) { id likeCount } }"
COMMENT = "mutation($id: ID!, $body: String!) { addComment(postId: $id, body: $body) { id } }"
FEED = """query($first: Int, $after: String, $order: FeedOrder) {
  feed(first: $first, after: $after, order: $order) {
    edges { node { id likeCount commentCount author { username } } }
    pageInfo { hasNextPage endCursor }
  }
}"""
FEED_UPDATES = "subscription { feedUpdates { id caption } }"
