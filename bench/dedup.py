"""Bytes stored for an upload mix with exact duplicates, with and without de-duplication, and
what the storage tiers make of them at S3 prices.

    python bench/dedup.py [--uploads 200] [--duplicates 0.15] [--json out.json]

An embedded stack (PostgreSQL, Valkey, media on local disk) runs the real pipeline in this
process: createUpload, the PUT, createPost and the arq worker, for 20 users posting
generated 3 MP photo-like JPEGs, a share of them (15 % by default) exact copies of an earlier
upload, by another user. It runs once per policy (SNAPFEED_MEDIA_DEDUP off / global,
SNAPFEED_ORIGINALS keep / cold / delete) and counts the bytes under the media folder.
The cost table applies S3 list prices to the measured bytes per upload (see PRICES).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
for path in (str(HERE), str(HERE.parent)):
    if path not in sys.path:
        sys.path.append(path)

import httpx  # noqa: E402
from media import photo_like  # noqa: E402  (bench/media.py)

from resolvers.deps import open_deps  # noqa: E402
from server.app import create_app  # noqa: E402
from server.embedded import EmbeddedStack  # noqa: E402
from storage import migrations  # noqa: E402
from storage.settings import Settings  # noqa: E402
from workers.settings import create_worker  # noqa: E402

USERS = 20
WIDTH, HEIGHT = 2016, 1512
# S3 us-east-1 list prices, USD (2025): storage per GB-month, transitions per 1 000 objects.
PRICES = {"STANDARD": 0.023, "STANDARD_IA": 0.0125, "GLACIER_IR": 0.004}
TRANSITION_PER_1000 = {"STANDARD_IA": 0.01, "GLACIER_IR": 0.02}
MIN_TRANSITION_BYTES = 128 * 1024
GB = 1e9
LIMITED = ("post", "upload")  # no limit on these in the run (an action left out has none)
POLICIES = [("off", "keep"), ("global", "keep"), ("global", "cold"), ("global", "delete")]

REGISTER = """mutation($u: String!) { register(input: {username: $u, password: "bench-password"})
  { token } }"""
UPLOAD = """mutation($n: Int!) { createUpload(input: {contentType: "image/jpeg", byteSize: $n}) {
  media { id } uploadUrl uploadHeaders { name value } } }"""
POST = "mutation($m: ID!) { createPost(input: {mediaIds: [$m]}) { id } }"


@dataclass(frozen=True)
class Upload:
    user: int
    photo: int  # index into the unique photos
    duplicate: bool


def plan(uploads: int, share: float, seed: int = 5) -> list[Upload]:
    """Who uploads which photo: exactly round(uploads * share) copies of earlier uploads."""
    rnd = random.Random(seed)
    copies = set(rnd.sample(range(1, uploads), round(uploads * share)))
    out: list[Upload] = []
    unique = 0
    for i in range(uploads):
        user = rnd.randrange(USERS)
        if i in copies:
            original = rnd.choice([u for u in out if not u.duplicate])
            others = [x for x in range(USERS) if x != original.user]
            out.append(Upload(rnd.choice(others), original.photo, True))
        else:
            out.append(Upload(user, unique, False))
            unique += 1
    return out


def photos(count: int) -> list[bytes]:
    out = []
    for i in range(count):
        buffer = BytesIO()
        photo_like(WIDTH, HEIGHT, seed=1000 + i).save(buffer, "JPEG", quality=88)
        out.append(buffer.getvalue())
    return out


def bytes_under(root: Path) -> dict[str, int]:
    """Bytes of objects by kind (metadata files aside)."""
    found = {"originals_bytes": 0, "variants_bytes": 0, "cold_bytes": 0, "objects": 0}
    for path in root.rglob("*"):
        if not path.is_file() or ".meta" in path.parts:
            continue
        relative = path.relative_to(root).parts
        kinds = {"originals": "originals_bytes", "media": "variants_bytes", ".cold": "cold_bytes"}
        kind = kinds.get(relative[0])
        if kind is None:
            continue
        found[kind] += path.stat().st_size
        found["objects"] += 1
    return found


@contextmanager
def stack(tmp: Path) -> Iterator[EmbeddedStack]:
    with EmbeddedStack(tmp / "stack", persist=False) as running:
        yield running


async def run_policy(
    running: EmbeddedStack,
    media_dir: Path,
    policy: tuple[str, str],
    mix: list[Upload],
    images: list[bytes],
) -> dict[str, Any]:
    dedup, originals = policy
    settings = Settings(
        database_url=running.database_url,
        redis_url=running.redis_url,
        public_url="http://bench.local",
        secret_key="bench-signing-key",
        media_dir=media_dir,
        argon2_time_cost=1,
        argon2_memory_kib=1024,
        argon2_parallelism=1,
        token_cache_seconds=0,
        register_rate=0,
        rate_limits=",".join(
            part for part in Settings().rate_limits.split(",") if part.split("=")[0] not in LIMITED
        ),
        media_dedup=dedup,
        originals=originals,
    )
    assert settings.database_url and settings.redis_url
    await migrations.apply(settings.database_url)
    deps = await open_deps(
        settings, database_url=settings.database_url, redis_url=settings.redis_url
    )
    try:
        tables = await deps.db.fetch(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            " AND tablename <> 'schema_migrations'"
        )
        await deps.db.execute(
            f"TRUNCATE {', '.join(r['tablename'] for r in tables)} RESTART IDENTITY CASCADE"
        )
        await deps.redis.flushdb()
        transport = httpx.ASGITransport(app=create_app(settings, deps))
        async with httpx.AsyncClient(transport=transport, base_url="http://bench.local") as http:
            tokens = [
                (
                    await http.post(
                        "/graphql", json={"query": REGISTER, "variables": {"u": f"user{i}"}}
                    )
                ).json()["data"]["register"]["token"]
                for i in range(USERS)
            ]
            for upload in mix:
                data = images[upload.photo]
                auth = {"Authorization": f"Bearer {tokens[upload.user]}"}
                ticket = (
                    await http.post(
                        "/graphql",
                        json={"query": UPLOAD, "variables": {"n": len(data)}},
                        headers=auth,
                    )
                ).json()["data"]["createUpload"]
                headers = {h["name"]: h["value"] for h in ticket["uploadHeaders"]}
                put = await http.put(ticket["uploadUrl"], content=data, headers=headers)
                assert put.status_code == 200, put.text
                posted = await http.post(
                    "/graphql",
                    json={"query": POST, "variables": {"m": ticket["media"]["id"]}},
                    headers=auth,
                )
                assert "errors" not in posted.json(), posted.json()
        worker = create_worker(settings, deps=deps, burst=True, poll_delay=0.01, cron_jobs=[])
        try:
            await worker.async_run()
        finally:
            await worker.close()
        ready = await deps.db.fetchval("SELECT count(*) FROM media WHERE status = 'ready'")
        renditions = await deps.db.fetchval("SELECT count(*) FROM media_renditions")
    finally:
        await deps.close()
    assert ready == len(mix), f"{ready} of {len(mix)} media ready"
    stored = bytes_under(media_dir)
    variant_sizes = sorted(
        p.stat().st_size for p in (media_dir / "media").rglob("*.webp") if p.is_file()
    )
    return {
        "dedup": dedup,
        "originals": originals,
        "uploads": len(mix),
        "renditions": renditions,
        **stored,
        "total": stored["originals_bytes"] + stored["variants_bytes"] + stored["cold_bytes"],
        "variant_bytes_transitioned": sum(s for s in variant_sizes if s >= MIN_TRANSITION_BYTES),
        "variant_objects_transitioned": sum(1 for s in variant_sizes if s >= MIN_TRANSITION_BYTES),
    }


def monthly_cost_per_million(row: dict[str, Any], *, after_90_days: bool) -> float:
    """USD per month for the objects of a million uploads like these: in the first month
    (everything Standard, cold originals in Glacier IR), or once the variant lifecycle rules
    have moved variants of 128 KiB or more to Glacier IR."""
    scale = 1e6 / row["uploads"]
    moved = row["variant_bytes_transitioned"] if after_90_days else 0
    cost = (row["originals_bytes"] + row["variants_bytes"] - moved) * PRICES["STANDARD"]
    cost += row["cold_bytes"] * PRICES["GLACIER_IR"]
    if after_90_days:
        cost += row["variant_bytes_transitioned"] * PRICES["GLACIER_IR"]
    return cost * scale / GB


def transition_cost_per_million(row: dict[str, Any]) -> float:
    """One-off USD for the lifecycle transitions (IA, then Glacier IR) and cold copies."""
    scale = 1e6 / row["uploads"]
    moved = row["variant_objects_transitioned"] * sum(TRANSITION_PER_1000.values()) / 1000
    # A cold original is a COPY request into Glacier IR (priced as a PUT to that class).
    cold = (
        row["renditions"] * TRANSITION_PER_1000["GLACIER_IR"] / 1000 if row["cold_bytes"] else 0.0
    )
    return (moved + cold) * scale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--uploads", type=int, default=200)
    parser.add_argument("--duplicates", type=float, default=0.15)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    mix = plan(args.uploads, args.duplicates)
    unique = sum(1 for u in mix if not u.duplicate)
    print(f"# {len(mix)} uploads by {USERS} users, {len(mix) - unique} exact duplicates;"
          f" {WIDTH}x{HEIGHT} JPEG q88")  # fmt: skip
    images = photos(unique)
    rows = []
    with tempfile.TemporaryDirectory() as tmp, stack(Path(tmp)) as running:
        for dedup, originals in POLICIES:
            media_dir = Path(tmp) / f"media-{dedup}-{originals}"
            rows.append(
                asyncio.run(run_policy(running, media_dir, (dedup, originals), mix, images))
            )
    base = rows[0]["total"]
    header = (
        f"{'dedup':<7} {'originals':<9} {'renditions':>10} {'originals MB':>13}"
        f" {'cold MB':>8} {'variants MB':>12} {'total MB':>9} {'saved':>7}"
        f" {'$/month/1M month 1':>19} {'after 90 days':>14}"
    )
    print(header)
    transitions = [round(transition_cost_per_million(row), 2) for row in rows]
    print("-" * len(header))
    for row in rows:
        print(
            f"{row['dedup']:<7} {row['originals']:<9} {row['renditions']:>10}"
            f" {row['originals_bytes'] / 1e6:>13.1f} {row['cold_bytes'] / 1e6:>8.1f}"
            f" {row['variants_bytes'] / 1e6:>12.1f} {row['total'] / 1e6:>9.1f}"
            f" {1 - row['total'] / base:>6.1%}"
            f" {monthly_cost_per_million(row, after_90_days=False):>19.2f}"
            f" {monthly_cost_per_million(row, after_90_days=True):>14.2f}"
        )
    last = rows[1]
    share = last["variant_bytes_transitioned"] / last["variants_bytes"]
    print(
        f"# per stored photo: original {last['originals_bytes'] / last['renditions'] / 1e6:.2f} MB,"
        f" variants {last['variants_bytes'] / last['renditions'] / 1e3:.0f} kB;"
        f" {share:.0%} of variant bytes are in objects of 128 KiB or more (the lifecycle moves"
        " only those)"
    )
    print(f"# one-off transition and cold-copy requests per 1M uploads: {transitions} USD")
    if args.json:
        args.json.write_text(json.dumps({"prices": PRICES, "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
