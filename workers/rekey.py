"""Moves variants processed before media had key secrets (migration 0007) to unguessable keys.

Until moved, such a variant sits at `media/{id}/{size}.webp`, which anyone can find by trying
ids near their own. Each media moves once (copy, repoint the row, delete the old objects);
the job runs at worker start-up and then periodically, and has nothing to do once the
partial index `media_legacy_keys_idx` is empty.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import Any

from resolvers.deps import Deps
from storage import media
from storage.media import MediaRow, VariantRow
from storage.objects.base import IMMUTABLE_CACHE_CONTROL, media_prefix, variant_key

logger = logging.getLogger("snapfeed.workers.rekey")

BATCH = 100


def secret_key_for(row: MediaRow, legacy_key: str) -> str:
    """`media/{id}/{size}.{ext}` -> `media/{id}/{secret}/{size}.{ext}`."""
    size, _, ext = legacy_key.rsplit("/", 1)[-1].partition(".")
    return variant_key(row.id, row.key_secret, size, ext)


async def rekey_legacy_media(ctx: dict[str, Any]) -> int:
    deps: Deps = ctx["deps"]
    moved, after = 0, 0
    # Keyset order: a media that cannot move now (its objects are missing) is passed over.
    while rows := await media.with_legacy_keys(deps.db, after=after, limit=BATCH):
        for row in rows:
            moved += await _rekey(deps, row)
        after = rows[-1].id
    if moved:
        logger.info("moved the variants of %d media to unguessable keys", moved)
    return moved


async def _rekey(deps: Deps, row: MediaRow) -> bool:
    new = [
        VariantRow(v.size, secret_key_for(row, v.key), v.width, v.height, v.content_type)
        for v in row.variants
    ]
    copies = [(v.key, n.key, v.content_type) for v, n in zip(row.variants, new, strict=True)]
    video_key = None
    if row.video_key is not None:
        video_key = secret_key_for(row, row.video_key)
        copies.append((row.video_key, video_key, "video/mp4"))
    with tempfile.TemporaryDirectory(prefix="snapfeed-rekey-") as tmp:
        for old_key, new_key, content_type in copies:
            local = Path(tmp) / "object"
            try:
                await deps.objects.download(old_key, local)
            except FileNotFoundError:
                logger.warning("media %s: %s is missing, not moved", row.id, old_key)
                return False
            await deps.objects.put_file(
                new_key, local, content_type=content_type, cache_control=IMMUTABLE_CACHE_CONTROL
            )
    repointed = await media.move_variants(
        deps.db, row.id, old=row.variants, new=new, video_key=video_key
    )
    if not await media.is_live(deps.db, row.id):
        # Deleted while we copied: the post's clean-up may have run before our copies landed.
        await deps.objects.delete_prefix(media_prefix(row.id))
        return False
    if repointed:
        await deps.objects.delete([old for old, _, _ in copies])
    return repointed
