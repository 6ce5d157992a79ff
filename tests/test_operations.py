"""Production shape: metrics, structured logs, demo seeding, graceful shutdown."""

from __future__ import annotations

import asyncio
import json
import logging
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.types import Message

from resolvers.deps import Deps
from schema.instrumentation import OperationNames
from server.logs import JsonFormatter, configure
from server.seed import DEMO_PASSWORD, seed
from storage.objects.local import LocalObjectStore
from storage.settings import Settings
from tests import media_samples, processes
from tests.client import GraphQLClient, create_post, upload

ClientAt = Callable[[str], GraphQLClient]

RunJobs = Callable[[], Awaitable[int]]


def _sample(text: str, name: str, **labels: str) -> float:
    """The value of one Prometheus sample in an exposition text."""
    wanted = ",".join(f'{k}="{v}"' for k, v in labels.items())
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        if key == name or (wanted and key.startswith(name + "{") and wanted in key):
            return float(value)
    return 0.0


async def test_metrics_cover_requests_errors_jobs_fanout_and_cache(
    gql: GraphQLClient, run_jobs: RunJobs, client_at: ClientAt
) -> None:
    scraper = client_at("127.0.0.1").http  # /metrics answers loopback only by default
    before = (await scraper.get("/metrics")).text
    author, author_id = await gql.register("metric_author")
    reader, _ = await gql.register("metric_reader")
    await gql(
        "mutation($id: ID!) { follow(userId: $id) { status } }", {"id": author_id}, token=reader
    )
    media_id = await upload(gql, author, media_samples.jpeg(320, 240), "image/jpeg")
    (await create_post(gql, author, [media_id])).ok()
    queued = (await scraper.get("/metrics")).text
    assert _sample(queued, "snapfeed_job_queue_depth") == 1
    await run_jobs()
    await gql.http.post(
        "/graphql",
        json={"query": "query HomeFeed { feed { edges { node { id } } } }"},
        headers={"Authorization": f"Bearer {reader}"},
    )
    await gql("{ feed { edges { node { id } } } }")  # UNAUTHENTICATED
    after = (await scraper.get("/metrics")).text
    assert "text/plain" in (await scraper.get("/metrics")).headers["content-type"]

    def grew(name: str, **labels: str) -> float:
        return _sample(after, name, **labels) - _sample(before, name, **labels)

    assert grew("snapfeed_graphql_request_seconds_count", operation="HomeFeed") == 1
    assert grew("snapfeed_graphql_errors_total", code="UNAUTHENTICATED") >= 1
    assert grew("snapfeed_job_seconds_count", job="process_post", outcome="ok") == 1
    assert grew("snapfeed_job_seconds_count", job="fanout_post", outcome="ok") == 1
    assert grew("snapfeed_fanout_batch_size_count") == 1
    assert grew("snapfeed_feed_cache_reads_total", result="miss") >= 1
    assert _sample(after, "snapfeed_job_queue_depth") == 0


@pytest.mark.parametrize(
    ("allow", "address", "status"),
    [
        (("127.0.0.1", "::1"), "10.1.2.3", 404),  # the default: loopback only
        (("127.0.0.1", "::1"), "127.0.0.1", 200),
        (("127.0.0.1", "::1"), "::1", 200),
        (("10.0.0.0/8",), "10.1.2.3", 200),
        (("10.0.0.0/8",), "127.0.0.1", 404),
        ((), "127.0.0.1", 404),
    ],
)
async def test_metrics_only_for_allowed_addresses(
    client_at: ClientAt,
    tune: Callable[..., None],
    allow: tuple[str, ...],
    address: str,
    status: int,
) -> None:
    tune(metrics_allow=allow)
    response = await client_at(address).http.get("/metrics")
    assert response.status_code == status
    assert ("snapfeed_graphql_request_seconds" in response.text) == (status == 200)


def _operation_labels() -> dict[str, float]:
    """Observations per `operation` label value of the request latency histogram."""
    return {
        sample.labels["operation"]: sample.value
        for metric in REGISTRY.collect()
        if metric.name == "snapfeed_graphql_request_seconds"
        for sample in metric.samples
        if sample.name.endswith("_count")
    }


async def test_client_chosen_operation_names_cannot_grow_the_metrics(
    gql: GraphQLClient, settings: Settings
) -> None:
    before = _operation_labels()
    for i in range(300):
        (await gql(f"query Probe{i:03d} {{ __typename }}")).ok()
    after = _operation_labels()
    new_labels = set(after) - set(before)
    # The first names this app saw became labels, up to the cap; the rest count as `other`.
    assert len(new_labels - {"other"}) <= settings.metrics_max_operations
    assert after["other"] - before.get("other", 0) >= 300 - settings.metrics_max_operations
    assert sum(after.values()) - sum(before.values()) == 300


@pytest.mark.parametrize(
    ("known", "capacity", "names", "labels"),
    [
        ((), 2, ["A", "B", "C", "A", None, ""], ["A", "B", "other", "A", "anonymous", "anonymous"]),
        (("Feed",), 0, ["Feed", "X"], ["Feed", "other"]),
        (("Feed",), 1, ["X", "Y", "Feed"], ["X", "other", "Feed"]),
        ((), 5, ["not a name", "x" * 65], ["other", "other"]),
    ],
)
def test_operation_name_labels(
    known: tuple[str, ...], capacity: int, names: list[str | None], labels: list[str]
) -> None:
    registry = OperationNames(known, capacity)
    assert [registry.label(n) for n in names] == labels


async def test_logs_are_json_with_the_request_id(
    gql: GraphQLClient, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from storage import users

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(users, "by_usernames", broken)
    with caplog.at_level(logging.ERROR, logger="snapfeed.errors"):
        response = await gql.http.post("/graphql", json={"query": '{ user(username: "x") { id } }'})
    request_id = response.headers["x-request-id"]
    [record] = [r for r in caplog.records if r.name == "snapfeed.errors"]
    record.request_id = request_id  # what the handler's filter adds
    entry = json.loads(JsonFormatter().format(record))
    assert entry["level"] == "ERROR" and entry["request_id"] == request_id
    assert "RuntimeError: boom" in entry["exception"]
    assert request_id in response.json()["errors"][0]["message"]


def test_configure_installs_one_json_handler() -> None:
    root = logging.getLogger()
    saved = root.handlers[:], root.level
    try:
        configure("WARNING", "json")
        assert len(root.handlers) == 1 and isinstance(root.handlers[0].formatter, JsonFormatter)
        assert root.level == logging.WARNING
    finally:
        root.handlers[:], level = saved
        root.setLevel(level)


async def test_seed_fills_a_running_instance(
    gql: GraphQLClient, live_url: str, run_jobs: RunJobs, deps: Deps, settings: Settings
) -> None:
    # Upload URLs must name the live server the seeder talks to.
    original = deps.objects
    assert settings.secret_key
    deps.objects = LocalObjectStore(
        settings.media_root,
        public_base_url=f"http://{live_url}",
        secret=settings.secret_key.encode(),
    )
    try:
        await _seed_and_check(gql, live_url, run_jobs)
    finally:
        deps.objects = original


async def _seed_and_check(gql: GraphQLClient, live_url: str, run_jobs: RunJobs) -> None:
    people = await asyncio.to_thread(seed, f"http://{live_url}/graphql", users=3, posts_per_user=1)
    assert people[0].username == "demo"
    await run_jobs()
    login = await gql(
        'mutation($p: String!) { login(username: "demo", password: $p) { token } }',
        {"p": DEMO_PASSWORD},
    )
    token = login.ok()["login"]["token"]
    feed = (await gql("{ feed { edges { node { status media { url } } } } }", token=token)).ok()
    # The demo account follows everyone: their three photo posts are in its feed, processed.
    assert len(feed["feed"]["edges"]) == 3
    assert all(e["node"]["media"][0]["url"] for e in feed["feed"]["edges"])
    # Seeding again reuses the accounts instead of failing.
    again = await asyncio.to_thread(seed, f"http://{live_url}/graphql", users=3, posts_per_user=0)
    assert [p.id for p in again] == [p.id for p in people]


async def test_serve_shuts_down_gracefully(
    settings: Settings, gql: GraphQLClient, tmp_path: Path
) -> None:
    token, _ = await gql.register("last_socket")
    port = processes.free_port()
    log = tmp_path / "serve.log"
    proc = processes.start(["serve"], processes.cli_env(settings, SNAPFEED_PORT=str(port)), log)
    try:
        await asyncio.to_thread(processes.wait_ready, port, proc, log)
        ws = await processes.acknowledged_socket(port, token)
        proc.send_signal(signal.SIGTERM)
        await processes.assert_closed_for_restart(ws)
        assert proc.wait(timeout=30) == 0, log.read_text()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_a_client_gone_while_its_request_is_read_is_no_error(
    app: Starlette, caplog: pytest.LogCaptureFixture
) -> None:
    """As uvicorn tells the app when the connection closes halfway through the body."""
    body = b'{"query": "{ __typename }"}'
    messages: list[Message] = [
        {"type": "http.request", "body": body[:10], "more_body": True},
        {"type": "http.disconnect"},
    ]
    sent: list[Message] = []

    async def receive() -> Message:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: Message) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/graphql",
        "raw_path": b"/graphql",
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"host", b"snapfeed.test"),
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode()),
        ],
        "client": ("127.0.0.1", 50000),
        "server": ("127.0.0.1", 80),
    }
    with caplog.at_level(logging.DEBUG, logger="snapfeed"):
        await app(scope, receive, send)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.name for r in caplog.records if "disconnected" in r.getMessage()] == [
        "snapfeed.requests"
    ]
    assert not [m for m in sent if m["type"] == "http.response.start" and m["status"] >= 500]
