"""Relay clients: npm relay-compiler compiles a small app's operations (@connection paging,
@refetchable fragments on Node types) against the exported schema.graphql, and the operations
it generates run against Snapfeed, as trusted documents by their hash."""

from __future__ import annotations

import asyncio
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from resolvers.documents import sha256_hex
from schema import global_id
from schema.schema import build_schema
from server import documents_cli
from storage import documents
from tests import js_tools
from tests.social import Social
from tests.test_page_info import tag_posts

ROOT = Path(__file__).resolve().parent.parent
CONFIG = {
    "src": "./src",
    "schema": "./schema.graphql",
    "language": "javascript",
    "artifactDirectory": "./src/__generated__",
    # The operations' texts by SHA-256: what `snapfeed documents add` registers.
    "persistConfig": {"file": "./persisted.json", "algorithm": "SHA256"},
}
OPERATIONS = {
    "FeedQuery",
    "FeedPaginationQuery",
    "PostCardRefetchQuery",
    "ProfileQuery",
    "ProfilePostsPaginationQuery",
    "FollowersPaginationQuery",
    "CommentsPaginationQuery",
    "CommentsAddMutation",
    "HashtagPostsPaginationQuery",
    "ExplorePaginationQuery",
}


async def _compile(work: Path) -> dict[str, str]:
    """relay-compiler over tests/js/relay; the persisted operations, by name."""
    modules = js_tools.node_packages()
    shutil.copytree(js_tools.JS_DIR / "relay", work / "src")
    (work / "src" / "__generated__").mkdir()
    shutil.copy(ROOT / "schema.graphql", work / "schema.graphql")
    (work / "relay.config.json").write_text(json.dumps(CONFIG))
    (work / "persisted.json").write_text("{}")
    compiler = await asyncio.create_subprocess_exec(
        str(modules / ".bin" / "relay-compiler"),
        cwd=work,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    out, _ = await asyncio.wait_for(compiler.communicate(), 50)
    assert compiler.returncode == 0, out.decode()
    persisted: dict[str, str] = json.loads((work / "persisted.json").read_text())
    by_name = {text.split("(")[0].split("{")[0].split()[1]: text for text in persisted.values()}
    return by_name


async def test_relay_compiles_and_its_operations_run(
    social: Social, tmp_path: Path, tune: Callable[..., None]
) -> None:
    operations = await _compile(tmp_path)
    assert set(operations) == OPERATIONS
    generated = {p.name for p in (tmp_path / "src" / "__generated__").iterdir()}
    assert {f"{name}.graphql.js" for name in OPERATIONS} <= generated

    # relay-compiler's persisted map is a trusted documents file as it is.
    schema = build_schema(social.deps.settings)._schema
    docs = documents_cli.load([tmp_path / "persisted.json"], schema)
    assert await documents.add_trusted(social.deps.db, docs) == len(OPERATIONS)

    for i in range(3):
        await social.user(f"relay{i}")
    for i in (1, 2):
        await social.follow(f"relay{i}", "relay0")
    posts = [await social.post("relay0", f"#relay post {n}") for n in range(3)]
    await tag_posts(social.deps, "relay", posts)
    token = social.tokens["relay0"]
    tune(trusted_documents=True)  # from here on, only what relay-compiler generated runs

    async def run(name: str, variables: dict[str, Any]) -> Any:
        digest = sha256_hex(operations[name])
        body = {
            "variables": variables,
            "extensions": {"persistedQuery": {"version": 1, "sha256Hash": digest}},
        }
        headers = {"authorization": f"Bearer {token}"}
        response = await social.gql.http.post("/graphql", json=body, headers=headers)
        assert response.status_code == 200, response.text
        assert "errors" not in response.json(), response.json()
        return response.json()["data"]

    # Paging a user's posts through `node`, as Relay's pagination container does.
    user_id = social.ids["relay0"]
    first = await run("ProfilePostsPaginationQuery", {"id": user_id, "count": 2})
    connection = first["node"]["posts"]
    assert len(connection["edges"]) == 2
    assert connection["pageInfo"]["hasNextPage"] is True
    after = connection["pageInfo"]["endCursor"]
    rest = await run("ProfilePostsPaginationQuery", {"id": user_id, "count": 2, "cursor": after})
    seen = connection["edges"] + rest["node"]["posts"]["edges"]
    assert [e["node"]["id"] for e in seen] == [global_id.encode("Post", p) for p in reversed(posts)]
    assert rest["node"]["posts"]["pageInfo"]["hasNextPage"] is False

    followers = await run("FollowersPaginationQuery", {"id": user_id, "count": 10})
    assert len(followers["node"]["followers"]["edges"]) == 2
    feed = await run("FeedQuery", {})
    assert feed["viewer"]["username"] == "relay0"
    assert len(feed["feed"]["edges"]) == 3
    post_id = global_id.encode("Post", posts[0])
    refetched = await run("PostCardRefetchQuery", {"id": post_id})
    assert refetched["node"]["caption"] == "#relay post 0"
    added = await run("CommentsAddMutation", {"postId": post_id, "body": "hi", "connections": []})
    assert added["addComment"]["body"] == "hi"
    comments = await run("CommentsPaginationQuery", {"id": post_id, "count": 5})
    assert [e["node"]["body"] for e in comments["node"]["comments"]["edges"]] == ["hi"]
    tagged = await run("HashtagPostsPaginationQuery", {"name": "relay", "count": 5})
    assert len(tagged["hashtag"]["posts"]["edges"]) == 3
