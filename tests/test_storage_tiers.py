"""Storage tiers: originals kept, moved to a cold class or deleted once processed, and the S3
lifecycle rules of `snapfeed storage setup` (against moto's S3 server)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import boto3  # type: ignore[import-untyped]
import httpx
import pytest

from resolvers.deps import Deps
from schema import global_id
from server import cli
from storage.objects import lifecycle
from storage.objects.base import ObjectInfo, original_key
from storage.objects.local import LocalObjectStore
from storage.objects.s3 import S3ObjectStore
from tests import media_samples
from tests.client import GraphQLClient, create_post, upload
from tests.test_posts_s3 import S3Stack, s3  # noqa: F401 -- the S3 pipeline fixture
from workers.media import delete_post_media
from workers.settings import create_worker

RunJobs = Callable[[], Awaitable[int]]


@pytest.mark.parametrize(
    ("ia", "glacier", "transitions"),
    [
        (30, 90, [(30, "STANDARD_IA"), (90, "GLACIER_IR")]),
        (45, 0, [(45, "STANDARD_IA")]),
        (0, 60, [(60, "GLACIER_IR")]),
        (0, 0, None),
    ],
)
def test_variant_rules(ia: int, glacier: int, transitions: list[tuple[int, str]] | None) -> None:
    rules = {r["ID"]: r for r in lifecycle.variant_rules(ia, glacier)}
    uploads = rules.pop(lifecycle.UPLOADS_RULE_ID)
    assert uploads["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    if transitions is None:
        assert rules == {}
        return
    variants = rules[lifecycle.VARIANTS_RULE_ID]
    assert variants["Filter"] == {"And": {"Prefix": "media/", "ObjectSizeGreaterThan": 131071}}
    assert [(t["Days"], t["StorageClass"]) for t in variants["Transitions"]] == transitions


@pytest.mark.parametrize(("ia", "glacier"), [(10, 90), (-1, 90), (60, 60), (90, 30)])
def test_variant_rules_s3_would_refuse(ia: int, glacier: int) -> None:
    with pytest.raises(ValueError):
        lifecycle.variant_rules(ia, glacier)


def test_merged_keeps_other_rules_and_replaces_ours() -> None:
    theirs = {"ID": "logs-expiry", "Status": "Enabled", "Filter": {"Prefix": "logs/"}}
    old_ours = {"ID": lifecycle.VARIANTS_RULE_ID, "Status": "Disabled", "Filter": {"Prefix": ""}}
    ours = lifecycle.variant_rules(30, 90)
    assert lifecycle.merged([theirs, old_ours], ours) == [theirs, *ours]


def _bucket(endpoint: str) -> tuple[Any, str]:
    client = boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    name = f"tiers-{uuid.uuid4().hex[:10]}"
    client.create_bucket(Bucket=name)
    return client, name


def _env(monkeypatch: pytest.MonkeyPatch, endpoint: str, bucket: str) -> None:
    for name, value in {
        "MEDIA_BACKEND": "s3",
        "S3_ENDPOINT_URL": endpoint,
        "S3_BUCKET": bucket,
        "S3_ACCESS_KEY_ID": "testing",
        "S3_SECRET_ACCESS_KEY": "testing",
        "LOG_FORMAT": "text",
    }.items():
        monkeypatch.setenv(f"SNAPFEED_{name}", value)


def test_storage_setup_applies_the_lifecycle_rules(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    client, bucket = _bucket(s3_endpoint)
    theirs = {"ID": "logs-expiry", "Status": "Enabled", "Filter": {"Prefix": "logs/"},
              "Expiration": {"Days": 14}}  # fmt: skip
    client.put_bucket_lifecycle_configuration(
        Bucket=bucket, LifecycleConfiguration={"Rules": [theirs]}
    )
    _env(monkeypatch, s3_endpoint, bucket)

    assert cli.main(["storage", "setup"]) == 0
    assert cli.main(["storage", "setup"]) == 0  # again: the same rules, not twice

    rules = {r["ID"]: r for r in client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]}
    assert set(rules) == {"logs-expiry", lifecycle.VARIANTS_RULE_ID, lifecycle.UPLOADS_RULE_ID}
    variants = rules[lifecycle.VARIANTS_RULE_ID]
    assert variants["Status"] == "Enabled"
    assert variants["Filter"]["And"]["Prefix"] == "media/"
    assert [(t["Days"], t["StorageClass"]) for t in variants["Transitions"]] == [
        (30, "STANDARD_IA"),
        (90, "GLACIER_IR"),
    ]
    assert rules["logs-expiry"]["Expiration"] == {"Days": 14}
    out = capsys.readouterr().out
    assert "STANDARD_IA after 30 days, GLACIER_IR after 90 days" in out
    assert "1 other rule(s) of the bucket kept" in out


def test_storage_setup_takes_the_days_from_settings(
    s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    client, bucket = _bucket(s3_endpoint)
    _env(monkeypatch, s3_endpoint, bucket)
    monkeypatch.setenv("SNAPFEED_VARIANTS_IA_DAYS", "60")
    monkeypatch.setenv("SNAPFEED_VARIANTS_GLACIER_IR_DAYS", "180")
    assert cli.main(["storage", "setup"]) == 0
    [variants] = [
        r
        for r in client.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
        if r["ID"] == lifecycle.VARIANTS_RULE_ID
    ]
    assert [t["Days"] for t in variants["Transitions"]] == [60, 180]

    monkeypatch.setenv("SNAPFEED_VARIANTS_IA_DAYS", "7")  # S3 would refuse it
    assert cli.main(["storage", "setup"]) == 2


def test_storage_setup_on_local_disk_explains_itself(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    monkeypatch.setenv("SNAPFEED_MEDIA_DIR", str(tmp_path))
    monkeypatch.setenv("SNAPFEED_LOG_FORMAT", "text")
    assert cli.main(["storage", "setup"]) == 0
    assert f"{tmp_path}/.cold" in capsys.readouterr().out


async def _processed(gql: GraphQLClient, run_jobs: RunJobs, name: str) -> int:
    token, _ = await gql.register(name)
    media_id = await upload(gql, token, media_samples.jpeg(640, 480), "image/jpeg")
    (await create_post(gql, token, [media_id])).ok()
    await run_jobs()
    return global_id.decode_as(media_id, "Media", field="id")


async def test_originals_are_kept_by_default(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps
) -> None:
    media_id = await _processed(gql, run_jobs, "keeper")
    info = await deps.objects.head(original_key(media_id))
    assert info is not None and info.storage_class is None
    assert await deps.db.fetchval("SELECT original_state FROM media_renditions") == "kept"


async def test_cold_originals_move_to_the_cold_folder(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, tune: Callable[..., None]
) -> None:
    tune(originals="cold")
    media_id = await _processed(gql, run_jobs, "archivist")
    root = deps.settings.media_root
    assert not (root / original_key(media_id)).exists()
    assert (root / ".cold" / original_key(media_id)).read_bytes()[:2] == b"\xff\xd8"
    info = await deps.objects.head(original_key(media_id))
    assert info == ObjectInfo(
        size=(root / ".cold" / original_key(media_id)).stat().st_size,
        content_type="image/jpeg",
        storage_class="COLD",
    )
    assert await deps.db.fetchval("SELECT original_state FROM media_renditions") == "cold"
    # Deleting the post removes the cold copy too.
    post_id = await deps.db.fetchval("UPDATE posts SET deleted_at = now() RETURNING id")
    await delete_post_media({"deps": deps}, post_id)
    assert [k async for k in deps.objects.iter_keys("")] == []
    assert not (root / ".cold" / original_key(media_id)).exists()


async def test_deleted_originals_are_gone_once_processed(
    gql: GraphQLClient, run_jobs: RunJobs, deps: Deps, tune: Callable[..., None]
) -> None:
    tune(originals="delete")
    media_id = await _processed(gql, run_jobs, "minimalist")
    assert await deps.objects.head(original_key(media_id)) is None
    assert await deps.db.fetchval("SELECT original_state FROM media_renditions") == "deleted"
    # The upload URL may still be valid: its key is swept again once it has expired.
    assert await deps.db.fetchval("SELECT media_id FROM media_tombstones") == media_id
    keys = [k async for k in deps.objects.iter_keys("")]
    assert len(keys) == 4 and all(k.startswith(f"media/{media_id}/") for k in keys)


async def test_cold_originals_on_s3_change_storage_class(
    s3: S3Stack,  # noqa: F811
) -> None:
    s3.deps.settings = s3.deps.settings.replace(originals="cold")
    settings = s3.settings.replace(originals="cold")
    gql = s3.gql
    token, _ = await gql.register("glacial")
    async with httpx.AsyncClient() as internet:
        media_id = await upload(
            gql, token, media_samples.jpeg(640, 480), "image/jpeg", http=internet
        )
    (await create_post(gql, token, [media_id])).ok()
    worker = create_worker(settings, deps=s3.deps, burst=True, poll_delay=0.01, cron_jobs=[])
    try:
        await worker.async_run()
    finally:
        await worker.close()
    raw = global_id.decode_as(media_id, "Media", field="id")
    info = await s3.deps.objects.head(original_key(raw))
    assert info is not None
    assert (info.storage_class, info.content_type) == ("GLACIER_IR", "image/jpeg")
    # The variants stay in the standard class (the lifecycle rules move them later).
    keys = [k async for k in s3.deps.objects.iter_keys(f"media/{raw}/")]
    assert len(keys) == 4
    for key in keys:
        head = await s3.deps.objects.head(key)
        assert head is not None and head.storage_class is None
    # The bucket is shared with the other tests using this fixture.
    await s3.deps.objects.delete([original_key(raw), *keys])


async def test_local_archive_keeps_the_key_and_its_reads(tmp_path: Any) -> None:
    store = LocalObjectStore(tmp_path, public_base_url="http://x", secret=b"k")
    await store.put("originals/7", b"0123456789", content_type="image/jpeg")
    await store.archive("originals/7", "ANY")
    await store.archive("originals/7", "ANY")  # again: nothing changes
    assert not (tmp_path / "originals" / "7").exists()
    assert await store.head("originals/7") == ObjectInfo(10, "image/jpeg", "COLD")
    assert await store.read_head("originals/7", 4) == b"0123"
    await store.download("originals/7", tmp_path / "copy")
    assert (tmp_path / "copy").read_bytes() == b"0123456789"
    assert [k async for k in store.iter_keys("originals/")] == ["originals/7"]
    with pytest.raises(FileNotFoundError):
        await store.archive("originals/8", "ANY")
    await store.delete_prefix("originals/")
    assert await store.head("originals/7") is None
    assert not (tmp_path / ".cold").exists()


async def test_s3_read_head_and_archive(s3_endpoint: str) -> None:
    client, bucket = _bucket(s3_endpoint)
    store = await S3ObjectStore(
        bucket=bucket,
        region="us-east-1",
        endpoint_url=s3_endpoint,
        access_key_id="testing",
        secret_access_key="testing",
    ).open()
    try:
        await store.put("originals/1", b"0123456789", content_type="image/png")
        assert await store.read_head("originals/1", 4) == b"0123"
        assert await store.read_head("originals/1", 100) == b"0123456789"
        assert await store.read_head("originals/2", 4) is None
        await store.archive("originals/1", "GLACIER_IR")
        assert await store.head("originals/1") == ObjectInfo(10, "image/png", "GLACIER_IR")
        with pytest.raises(FileNotFoundError):
            await store.archive("originals/2", "GLACIER_IR")
    finally:
        await store.close()
    assert client.head_object(Bucket=bucket, Key="originals/1")["StorageClass"] == "GLACIER_IR"
