from __future__ import annotations

from collections.abc import Callable

import pytest

from resolvers.rates import Rate, parse_rates
from tests import media_samples
from tests.client import GraphQLClient, upload

FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status } }"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("", {}),
        ("like=10/60", {"like": Rate(10, 60)}),
        (" like=10/60 , follow=3/3600 ", {"like": Rate(10, 60), "follow": Rate(3, 3600)}),
        ("post=1/1,", {"post": Rate(1, 1)}),
    ],
)
def test_parse_rates(spec: str, expected: dict[str, Rate]) -> None:
    assert parse_rates(spec) == expected


@pytest.mark.parametrize(
    "spec", ["like", "like=10", "like=10/", "like=x/60", "dance=1/1", "like=0/60", "like=5/0"]
)
def test_parse_rates_rejects(spec: str) -> None:
    with pytest.raises(ValueError):
        parse_rates(spec)


def test_rate_per_second() -> None:
    assert Rate(120, 60).per_second == 2.0


async def test_follows_beyond_the_bucket_are_rate_limited(
    gql: GraphQLClient, tune: Callable[..., None]
) -> None:
    tune(rate_limits="follow=3/3600")
    token, _ = await gql.register("eager")
    targets = [(await gql.register(f"target{i}"))[1] for i in range(4)]
    for target in targets[:3]:
        (await gql(FOLLOW, {"id": target}, token=token)).ok()
    limited = await gql(FOLLOW, {"id": targets[3]}, token=token)
    assert limited.codes == ["RATE_LIMITED"]
    # One token comes back every 1 200 s.
    assert 1000 <= limited.errors[0]["extensions"]["retryAfter"] <= 1200
    # Buckets are per user.
    other, _ = await gql.register("patient")
    (await gql(FOLLOW, {"id": targets[3]}, token=other)).ok()


async def test_uploads_and_posts_are_rate_limited(
    gql: GraphQLClient, tune: Callable[..., None]
) -> None:
    tune(rate_limits="upload=2/3600,post=1/3600")
    token, _ = await gql.register("spammer")
    first = await upload(gql, token, media_samples.jpeg(100, 100), "image/jpeg")
    second = await upload(gql, token, media_samples.jpeg(100, 100), "image/jpeg")
    third = await gql(
        'mutation { createUpload(input: {contentType: "image/jpeg", byteSize: 10}) { uploadUrl } }',
        token=token,
    )
    assert third.codes == ["RATE_LIMITED"]
    create = "mutation($ids: [ID!]!) { createPost(input: {mediaIds: $ids}) { id } }"
    (await gql(create, {"ids": [first]}, token=token)).ok()
    assert (await gql(create, {"ids": [second]}, token=token)).codes == ["RATE_LIMITED"]


async def _upload_post(gql: GraphQLClient, token: str) -> list[str]:
    import json

    operations = {
        "query": "mutation($file: Upload!) { uploadPost(file: $file) { id } }",
        "variables": {"file": None},
    }
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("photo.jpg", media_samples.jpeg(100, 100), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
    )
    return [e["extensions"]["code"] for e in response.json().get("errors") or []]


async def test_upload_post_spends_the_upload_bucket(
    gql: GraphQLClient, tune: Callable[..., None]
) -> None:
    tune(rate_limits="upload=2/3600,post=100/3600")
    token, _ = await gql.register("oneshot")
    await upload(gql, token, media_samples.jpeg(100, 100), "image/jpeg")
    assert await _upload_post(gql, token) == []
    # Both paths drew from the one bucket: neither may upload now.
    assert await _upload_post(gql, token) == ["RATE_LIMITED"]
    create = (
        'mutation { createUpload(input: {contentType: "image/jpeg", byteSize: 10}) { uploadUrl } }'
    )
    assert (await gql(create, token=token)).codes == ["RATE_LIMITED"]


async def test_upload_post_spends_the_post_bucket(
    gql: GraphQLClient, tune: Callable[..., None]
) -> None:
    tune(rate_limits="upload=100/3600,post=1/3600")
    token, _ = await gql.register("prolific")
    assert await _upload_post(gql, token) == []
    assert await _upload_post(gql, token) == ["RATE_LIMITED"]
