"""The arq job queue, as the API sees it: enqueue by name, nothing else."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from arq import create_pool
from arq.connections import ArqRedis, RedisSettings
from arq.jobs import serialize_job
from arq.utils import timestamp_ms

from storage import keys
from storage.redis import is_cluster_url

# Job function names (the worker registers functions under these names).
PROCESS_POST = "process_post"
DELETE_POST_MEDIA = "delete_post_media"
FANOUT_POST = "fanout_post"
REMOVE_POST_FROM_FEEDS = "remove_post_from_feeds"
REFRESH_EXPLORE = "refresh_explore"
PROCESS_STORY = "process_story"
# Also the job id: one drain queued at a time (resolvers/feed/signals.py).
DRAIN_ENGAGEMENTS = "drain_engagements"


def redis_settings(redis_url: str) -> RedisSettings:
    if is_cluster_url(redis_url):
        # arq's transactions span keys of many slots: the queue needs one node.
        raise ValueError("arq's queue needs one Redis node: set SNAPFEED_QUEUE_REDIS_URL")
    return RedisSettings.from_dsn(redis_url)


async def open_queue(redis_url: str) -> ArqRedis:
    return await create_pool(redis_settings(redis_url), default_queue_name=keys.JOB_QUEUE)


# arq's `enqueue_job` as one script. arq checks and queues in a transaction under WATCH, and
# redis-py turns a connection lost while watching into a WatchError, which `enqueue_job`
# takes for "queued meanwhile" and answers None: at a Valkey restart a job was lost without
# an error (a post stayed PROCESSING until the reconciler came by). Here a lost connection
# raises redis-py's ConnectionError, whether or not the job got queued, and enqueueing
# again is safe: the job is then queued, or found queued.
_ENQUEUE = """
if redis.call('EXISTS', KEYS[1], KEYS[2]) > 0 then return 0 end
redis.call('PSETEX', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
return 1
"""


async def enqueue(queue: ArqRedis, function: str, *args: Any, job_id: str | None = None) -> bool:
    """Queue a job (what arq's `enqueue_job` stores); False when a job with the same id is
    already queued or running."""
    job_id = job_id or uuid4().hex
    now = timestamp_ms()
    job = serialize_job(function, args, {}, None, now, serializer=queue.job_serializer)
    queued = await queue.register_script(_ENQUEUE)(
        keys=[keys.arq_job(job_id), keys.arq_result(job_id), keys.JOB_QUEUE],
        args=[queue.expires_extra_ms, job, now, job_id],
    )
    return bool(queued)


def post_job_id(post_id: int) -> str:
    return f"post:{post_id}"


def fanout_job_id(post_id: int) -> str:
    return f"fanout:{post_id}"


def story_job_id(story_id: int) -> str:
    return f"story:{story_id}"


async def queue_depth(queue: ArqRedis) -> int:
    """Jobs waiting (queued or deferred) in Snapfeed's queue."""
    return int(await queue.zcard(keys.JOB_QUEUE))
