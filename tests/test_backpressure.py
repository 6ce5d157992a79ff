"""Backpressure: a deep job queue turns new media work away with RATE_LIMITED and retryAfter."""

from __future__ import annotations

import json
from collections.abc import Callable

from resolvers.deps import Deps
from storage import jobs, keys
from tests import media_samples
from tests.client import CREATE_UPLOAD, GraphQLClient, create_post, upload

UPLOAD_POST = "mutation($file: Upload!) { uploadPost(file: $file) { id status } }"


async def _upload_post(gql: GraphQLClient, token: str) -> dict[str, object]:
    operations = {"query": UPLOAD_POST, "variables": {"file": None}}
    response = await gql.http.post(
        "/graphql",
        data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.file"]})},
        files={"0": ("photo.jpg", media_samples.jpeg(64, 48), "image/jpeg")},
        headers={"Authorization": f"Bearer {token}"},
    )
    body: dict[str, object] = response.json()
    return body


def _refusal(errors: object) -> tuple[str, int]:
    assert isinstance(errors, list) and len(errors) == 1, errors
    extensions = errors[0]["extensions"]
    return extensions["code"], extensions["retryAfter"]


async def test_a_queue_deeper_than_the_setting_refuses_uploads_and_posts(
    gql: GraphQLClient, deps: Deps, tune: Callable[..., None]
) -> None:
    token, _ = await gql.register("poster")
    media_id = await upload(gql, token, media_samples.jpeg(64, 48), "image/jpeg")
    tune(max_queue_depth=2)
    for i in range(3):  # jobs nobody runs here: the queue is 3 deep
        await jobs.enqueue(deps.jobs, jobs.REFRESH_EXPLORE, job_id=f"backlog:{i}")
    assert await jobs.queue_depth(deps.jobs) == 3

    ticket = await gql(
        CREATE_UPLOAD, {"input": {"contentType": "image/jpeg", "byteSize": 9}}, token=token
    )
    assert _refusal(ticket.errors) == ("RATE_LIMITED", 30)
    assert _refusal((await create_post(gql, token, [media_id])).errors) == ("RATE_LIMITED", 30)
    assert _refusal((await _upload_post(gql, token)).get("errors")) == ("RATE_LIMITED", 30)
    assert await deps.db.fetchval("SELECT count(*) FROM posts") == 0

    await deps.jobs.delete(keys.JOB_QUEUE)  # the workers caught up
    created = (await create_post(gql, token, [media_id])).ok()["createPost"]
    assert created["status"] == "PROCESSING"
    assert "errors" not in await _upload_post(gql, token)
    assert await deps.db.fetchval("SELECT count(*) FROM posts") == 2
