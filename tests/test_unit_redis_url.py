"""Which Redis a URL names: one node, or a cluster's nodes (storage/redis.py)."""

from __future__ import annotations

import pytest

from storage.jobs import redis_settings
from storage.redis import cluster_nodes, is_cluster_url


@pytest.mark.parametrize(
    ("url", "cluster"),
    [
        ("redis://cache:6379/0", False),
        ("rediss://cache:6380", False),
        ("unix:///tmp/valkey.sock", False),
        ("redis+cluster://a:7000,b:7001", True),
        ("rediss+cluster://user:pw@a:7000", True),
    ],
)
def test_cluster_urls_are_told_apart(url: str, cluster: bool) -> None:
    assert is_cluster_url(url) is cluster


@pytest.mark.parametrize(
    ("url", "nodes"),
    [
        ("redis+cluster://a:7000", [("a", 7000)]),
        ("redis+cluster://a:7000,b:7001, c:7002", [("a", 7000), ("b", 7001), ("c", 7002)]),
        (
            "redis+cluster://user:p%40ss@10.0.0.1:6379,10.0.0.2:6379",
            [("10.0.0.1", 6379), ("10.0.0.2", 6379)],
        ),
        ("redis+cluster://[::1]:7000", [("::1", 7000)]),
    ],
)
def test_cluster_nodes(url: str, nodes: list[tuple[str, int]]) -> None:
    assert cluster_nodes(url) == nodes


@pytest.mark.parametrize(
    "url", ["redis+cluster://a", "redis+cluster://a:7000,b", "redis+cluster://:7000"]
)
def test_a_node_without_host_and_port_is_refused(url: str) -> None:
    with pytest.raises(ValueError):
        cluster_nodes(url)


def test_the_job_queue_refuses_a_cluster() -> None:
    with pytest.raises(ValueError, match="SNAPFEED_QUEUE_REDIS_URL"):
        redis_settings("redis+cluster://a:7000")
    assert redis_settings("redis://q:6379/2").host == "q"
