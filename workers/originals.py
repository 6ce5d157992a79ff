"""Re-tiering the originals processed before SNAPFEED_ORIGINALS changed
(`snapfeed storage retier-originals`).

The worker tiers an original once, as it processes it. This applies the current policy to
the originals of live renditions already processed: `cold` archives kept ones, `delete`
removes kept and cold ones, `keep` brings cold ones back to the default class (a deleted
original cannot come back). Batches by rendition id; the object changes first and the row
after, so a crash between the two is repaired by running it again; running it twice changes
nothing the second time.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from storage import media, renditions
from storage.objects.base import ObjectStore, original_key
from storage.renditions import TieredOriginal
from storage.settings import Settings
from storage.types import Executor
from workers.renditions import ORIGINALS, UPLOAD_URL_SLACK_SECONDS

logger = logging.getLogger("snapfeed.workers.originals")

STATES = {"keep": "kept", "cold": "cold", "delete": "deleted"}
BATCH = 500
_CONCURRENCY = 16  # object copies at once (S3 copies one request each)


@dataclass
class Retiered:
    policy: str
    changed: int = 0  # originals moved to the policy's state
    missing: int = 0  # rows whose object was gone (their rendition is being released)
    refused: list[str] = field(default_factory=list)  # keys the store would not move


async def retier_originals(
    db: Executor, objects: ObjectStore, settings: Settings, *, batch: int = BATCH
) -> Retiered:
    policy = settings.originals
    if policy not in ORIGINALS:
        raise ValueError(f"SNAPFEED_ORIGINALS must be one of {', '.join(ORIGINALS)}")
    target = STATES[policy]
    report = Retiered(policy)
    after = 0
    while found := await renditions.originals_not_in(db, target, after_id=after, limit=batch):
        after = found[-1].rendition_id
        if target == "deleted":
            done = await _delete(db, objects, settings, found)
        else:
            done = await _move(objects, settings, found, target, report)
        await renditions.set_original_states(db, [o.rendition_id for o in done], target)
        report.changed += len(done)
        if len(found) < batch:
            break
    logger.info(
        "originals re-tiered to %s: %d changed, %d missing, %d refused",
        target,
        report.changed,
        report.missing,
        len(report.refused),
    )
    return report


async def _delete(
    db: Executor, objects: ObjectStore, settings: Settings, found: list[TieredOriginal]
) -> list[TieredOriginal]:
    ids = [o.media_id for o in found]
    # As the worker does: the key is swept again should an upload URL still be valid.
    ttl = settings.upload_url_ttl_seconds + UPLOAD_URL_SLACK_SECONDS
    await media.remember_deleted(db, ids, upload_ttl_seconds=ttl)
    await objects.delete([original_key(i) for i in ids])
    return found


async def _move(
    objects: ObjectStore,
    settings: Settings,
    found: list[TieredOriginal],
    target: str,
    report: Retiered,
) -> list[TieredOriginal]:
    gate = asyncio.Semaphore(_CONCURRENCY)

    def change(key: str) -> Callable[[], Awaitable[None]]:
        if target == "cold":
            return lambda: objects.archive(key, settings.cold_storage_class)
        return lambda: objects.unarchive(key)

    async def one(original: TieredOriginal) -> bool:
        key = original_key(original.media_id)
        async with gate:
            try:
                await change(key)()
            except FileNotFoundError:
                report.missing += 1
                return False
            except Exception as exc:  # e.g. S3 will not copy GLACIER objects before a restore
                logger.warning("could not move %s to %s: %s", key, target, exc)
                report.refused.append(key)
                return False
        return True

    moved = await asyncio.gather(*(one(o) for o in found))
    return [o for o, ok in zip(found, moved, strict=True) if ok]
