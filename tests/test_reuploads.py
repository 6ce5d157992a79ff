"""Re-uploads of removed images are flagged at publish, found through the band index."""

from __future__ import annotations

import io
import random
from collections.abc import Awaitable, Callable

import pytest
from PIL import Image, ImageChops, ImageDraw

from resolvers.deps import Deps
from schema import global_id
from storage import moderation
from tests.client import GraphQLClient, create_post, upload
from tests.safety_helpers import Safety
from workers.imaging.hashes import dhash64, hamming

RunJobs = Callable[[], Awaitable[int]]
QUEUE = "{ moderationQueue { edges { node { reporter { username } post { id } note } } } }"


@pytest.fixture
def s(gql: GraphQLClient, deps: Deps, run_jobs: RunJobs) -> Safety:
    return Safety(gql, deps, run_jobs)


def picture(seed: int, *, size: tuple[int, int] = (640, 480), quality: int = 90) -> bytes:
    """Gradients plus random shapes: perceptual hashes of different seeds differ a lot."""
    width, height = size
    rnd = random.Random(seed)
    gx = Image.linear_gradient("L").rotate(90).resize((640, 480))
    gy = Image.linear_gradient("L").resize((640, 480))
    image = Image.merge("RGB", (gx, gy, ImageChops.invert(gy)))
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x, y, r = rnd.randrange(640), rnd.randrange(480), rnd.randrange(128) + 4
        fill = (rnd.randrange(256), rnd.randrange(256), rnd.randrange(256))
        draw.ellipse((x - r, y - r, x + r, y + r), fill=fill)
    out = io.BytesIO()
    image.resize((width, height)).save(out, "JPEG", quality=quality)
    return out.getvalue()


def phash_of(data: bytes) -> int:
    with Image.open(io.BytesIO(data)) as image:
        return dhash64(image)


async def _photo_post(s: Safety, author: str, data: bytes, caption: str) -> int:
    media_id = await upload(s.gql, s.tokens[author], data, "image/jpeg")
    post = (await create_post(s.gql, s.tokens[author], [media_id], caption=caption)).ok()
    await s.run_jobs()
    return global_id.decode_as(post["createPost"]["id"], "Post", field="id")


async def test_a_reupload_of_a_removed_photo_goes_live_flagged(s: Safety) -> None:
    for name in ("mod", "first", "again", "fan", "looker"):
        await s.user(name)
    await s.grant_moderator("mod")
    await s.follow("fan", "again")
    original, copy = picture(7), picture(7, size=(600, 450), quality=60)
    other = picture(8)
    assert hamming(phash_of(original), phash_of(copy)) <= moderation.MAX_DISTANCE
    assert hamming(phash_of(original), phash_of(other)) > 12

    removed = await _photo_post(s, "first", original, "#pics one")
    assert await s.status(removed) == "published"
    (await s.moderate("mod", removed, "REMOVE", "not allowed")).ok()

    reupload = await _photo_post(s, "again", copy, "#pics two")
    unrelated = await _photo_post(s, "again", other, "#pics three")
    assert await s.status(reupload) == "flagged"
    assert await s.status(unrelated) == "published"
    # FLAGGED: its author knows, its followers still see it, discovery does not.
    assert (await s.seen_post("again", reupload) or {})["status"] == "FLAGGED"
    assert await s.captions("fan") == ["#pics three", "#pics two"]
    assert await s.seen_post("looker", reupload) is None
    tag = (await s.call("looker", '{ hashtag(name: "pics") { postCount } }')).ok()
    assert tag["hashtag"] == {"postCount": 1}
    # ...and the moderators find it in their queue, reported in the remover's name.
    queue = (await s.call("mod", QUEUE)).ok()["moderationQueue"]["edges"]
    assert [(e["node"]["reporter"]["username"], e["node"]["post"]["id"]) for e in queue] == [
        ("mod", global_id.encode("Post", reupload))
    ]
    assert queue[0]["node"]["note"] == f"Re-upload of an image removed from post {removed}"

    # Restored, the original is fine again, and so are its copies.
    (await s.moderate("mod", removed, "RESTORE")).ok()
    assert await s.status(await _photo_post(s, "again", copy, "#pics four")) == "published"


async def _removed_post_with_hash(deps: Deps, phash: int, author: int) -> int:
    post_id: int = await deps.db.fetchval(
        "INSERT INTO posts (author_id, status) VALUES ($1, 'removed') RETURNING id", author
    )
    await deps.db.execute(
        "INSERT INTO media (owner_id, kind, status, content_type, byte_size, post_id, position,"
        " phash) VALUES ($1, 'photo', 'ready', 'image/jpeg', 1, $2, 0, $3)",
        author,
        post_id,
        phash,
    )
    async with deps.db.acquire() as conn:
        await moderation.remember_removed_images(conn, post_id, removed_by=author)
    return post_id


def _flip(value: int, bits: list[int]) -> int:
    """`value` (a signed 64-bit hash) with these bit positions flipped, signed again."""
    for bit in bits:
        value ^= 1 << bit
    value &= (1 << 64) - 1
    return value - (1 << 64) if value >= 1 << 63 else value


@pytest.mark.parametrize(
    ("flipped", "found"),
    [
        ([], True),
        ([0], True),
        ([63], True),  # the sign bit
        ([1, 2, 3], True),  # three bits in one band
        ([5, 21, 40], True),  # one bit in each of three bands: the fourth band agrees
        ([5, 21, 40, 60], False),  # one in every band: distance 4
        ([0, 1, 2, 3], False),
    ],
)
async def test_the_band_index_finds_hashes_within_three_bits(
    deps: Deps, flipped: list[int], found: bool
) -> None:
    author = await deps.db.fetchval(
        "INSERT INTO users (username, password_hash) VALUES ('remover', 'x') RETURNING id"
    )
    stored = -0x0123456789ABCDEF  # negative: the sign bit is set
    post_id = await _removed_post_with_hash(deps, stored, author)
    matches = await moderation.removed_lookalikes(deps.db, [_flip(stored, flipped)])
    assert [m.post_id for m in matches] == ([post_id] if found else [])


def test_bands_split_a_hash_into_four_16_bit_chunks() -> None:
    assert moderation.bands(0x1111_2222_3333_4444) == [0x4444, 0x3333, 0x2222, 0x1111]
    assert moderation.bands(-1) == [0xFFFF] * 4


async def test_a_lookup_reads_the_index_not_every_hash(deps: Deps) -> None:
    author = await deps.db.fetchval(
        "INSERT INTO users (username, password_hash) VALUES ('remover', 'x') RETURNING id"
    )
    rnd = random.Random(3)
    await deps.db.execute(
        "INSERT INTO removed_image_bands (band, chunk, media_id, post_id, phash, removed_by)"
        " SELECT g % 4, (g * 7919) % 65536, g, g, g, $1 FROM generate_series(1, 20000) g",
        author,
    )
    await deps.db.execute("ANALYZE removed_image_bands")
    probe = rnd.getrandbits(63)
    async with deps.db.acquire() as conn, conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        plan = "\n".join(
            r[0] for r in await conn.fetch(f"EXPLAIN {moderation.LOOKALIKES}", [probe], 3)
        )
    assert "removed_image_bands_pkey" in plan, plan
