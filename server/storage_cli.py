"""`snapfeed storage setup`: apply the storage tiers to the configured object store;
`snapfeed storage retier-originals`: apply SNAPFEED_ORIGINALS to originals processed before.

On S3, variants (`media/`, 128 KiB and more) move to Standard-IA after
SNAPFEED_VARIANTS_IA_DAYS and to Glacier Instant Retrieval after
SNAPFEED_VARIANTS_GLACIER_IR_DAYS through bucket lifecycle rules (other rules of the
bucket are kept), and unfinished multipart uploads are aborted after a week. Originals are
tiered by the worker as it processes them (SNAPFEED_ORIGINALS); after changing that policy,
retier-originals moves those processed before (workers/originals.py). Both are safe to run
again.
"""

from __future__ import annotations

from resolvers.deps import open_objects
from storage.objects import lifecycle
from storage.objects.s3 import S3ObjectStore
from storage.postgres import open_pool
from storage.settings import Settings
from workers.originals import retier_originals as retier

LOCAL_NOTE = (
    "local disk has no storage classes: variants stay where they are; with"
    " SNAPFEED_ORIGINALS=cold, processed originals move to {cold} (same keys; mount cheaper"
    " disk there)"
)


async def setup(settings: Settings) -> list[str]:
    """What was done, one line each. ValueError for settings S3 would refuse."""
    rules = lifecycle.variant_rules(settings.variants_ia_days, settings.variants_glacier_ir_days)
    if settings.media_backend != "s3":
        return [LOCAL_NOTE.format(cold=settings.media_root / ".cold")]
    store = await open_objects(settings)
    try:
        assert isinstance(store, S3ObjectStore)
        existing = await store.lifecycle_rules()
        await store.set_lifecycle_rules(lifecycle.merged(existing, rules))
    finally:
        await store.close()
    lines = [f"s3://{settings.s3_bucket}: lifecycle rules applied"]
    for rule in rules:
        steps = ", ".join(
            f"{t['StorageClass']} after {t['Days']} days" for t in rule.get("Transitions", [])
        )
        lines.append(f"  {rule['ID']}: {steps or 'abort unfinished uploads after 7 days'}")
    kept = len([r for r in existing if r.get("ID") not in lifecycle.RULE_IDS])
    if kept:
        lines.append(f"  {kept} other rule(s) of the bucket kept")
    return lines


async def retier_originals(settings: Settings, *, batch: int) -> tuple[list[str], bool]:
    """What was done, one line each, and whether every original could be moved.
    ValueError for a policy that does not exist; RuntimeError for missing settings."""
    if not settings.database_url:
        raise RuntimeError("SNAPFEED_DATABASE_URL must be set")
    pool = await open_pool(settings.database_url, min_size=1, max_size=2)
    try:
        store = await open_objects(settings)
        try:
            report = await retier(pool, store, settings, batch=batch)
        finally:
            await store.close()
    finally:
        await pool.close()
    state = {"keep": "kept (default class)", "cold": f"cold ({settings.cold_storage_class})"}
    lines = [
        f"SNAPFEED_ORIGINALS={report.policy}: {report.changed} processed original(s) now"
        f" {state.get(report.policy, 'deleted')}"
    ]
    if report.missing:
        lines.append(f"  {report.missing} already gone (their media are being deleted)")
    if report.refused:
        lines.append(
            f"  {len(report.refused)} could not be moved (first: {report.refused[0]});"
            " a class that needs a restore first must be restored, then run this again"
        )
    return lines, not report.refused
