"""A web app on another origin, in a real headless Chromium: from an allowed origin a POST
mutation, a GET query and a live subscription work; from any other the browser blocks all
three (the mutation never runs: its preflight is refused)."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from schema import global_id
from tests.social import Social

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)

WAIT = 60  # seconds: a liveness bound for a browser on a busy machine, not a latency check

# Runs in the page: a mutation by POST and a query by GET, as a web app's fetch would.
HTTP_CALLS = """
const [api, token, done] = arguments;
const mutation = 'mutation { updateProfile(input: {bio: "from a page"}) { bio } }';
const out = {};
(async () => {
  try {
    const r = await fetch(api, {
      method: "POST",
      headers: {"content-type": "application/json", authorization: "Bearer " + token},
      body: JSON.stringify({query: mutation}),
    });
    out.post = {status: r.status, body: await r.json(), requestId: r.headers.get("x-request-id")};
  } catch (e) { out.post = {error: String(e)}; }
  try {
    const q = encodeURIComponent('{ user(username: "page_user") { username } }');
    const r = await fetch(api + "?query=" + q);
    out.get = {status: r.status, body: await r.json()};
  } catch (e) { out.get = {error: String(e)}; }
  done(out);
})();
"""

# Opens a graphql-transport-ws socket and subscribes; window.live tells what happened.
SUBSCRIBE = """
const [url, token, postId] = arguments;
window.live = {state: "connecting", messages: []};
const ws = new WebSocket(url, "graphql-transport-ws");
ws.onopen = () => ws.send(JSON.stringify(
  {type: "connection_init", payload: {authorization: "Bearer " + token}}));
ws.onmessage = (event) => {
  const message = JSON.parse(event.data);  // a text frame, as graphql-ws clients expect
  window.live.messages.push(message);
  if (message.type === "connection_ack") {
    ws.send(JSON.stringify({id: "1", type: "subscribe", payload: {
      query: "subscription($id: ID!) { postUpdated(id: $id) { likeCount } }",
      variables: {id: postId}}}));
    window.live.state = "subscribed";
  }
};
ws.onclose = (event) => { window.live.state = "closed"; window.live.code = event.code; };
"""


class _Page(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"<!doctype html><title>a web app</title><p>a web app"
        self.send_response(200)
        self.send_header("content-type", "text/html")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: Any) -> None:
        pass


@contextlib.contextmanager
def _page_server() -> Iterator[str]:
    """A web app's own server: another origin than the API's."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def _chromium(profile: Path) -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    assert CHROMIUM is not None and CHROMEDRIVER is not None
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(WAIT)
    driver.set_script_timeout(WAIT)
    return driver


async def _live_state(driver: Any, until: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    for _ in range(WAIT * 10):
        state: dict[str, Any] = await asyncio.to_thread(driver.execute_script, "return window.live")
        if until(state):
            return state
        await asyncio.sleep(0.1)
    pytest.fail(f"the page's socket never got there: {state}")


async def _bio(social: Social) -> str | None:
    bio: str | None = await social.deps.db.fetchval(
        "SELECT bio FROM users WHERE username = 'page_user'"
    )
    return bio


@pytest.mark.timeout(240)  # a browser start on a busy 2-core machine
async def test_a_web_app_on_another_origin(
    social: Social, live_url: str, tmp_path: Path, tune: Callable[..., None]
) -> None:
    await social.user("author")
    post_id = global_id.encode("Post", await social.post("author", "seen from a page"))
    token = await social.user("page_user")
    api = f"http://{live_url}/graphql"
    driver = await asyncio.to_thread(_chromium, tmp_path / "profile")
    try:
        with _page_server() as allowed, _page_server() as other:
            tune(allowed_origins=(allowed,))

            # Allowed: all three work.
            await asyncio.to_thread(driver.get, allowed + "/")
            calls = await asyncio.to_thread(driver.execute_async_script, HTTP_CALLS, api, token)
            assert calls["post"]["body"]["data"] == {"updateProfile": {"bio": "from a page"}}
            assert calls["post"]["requestId"]  # exposed to the page
            assert calls["get"]["body"]["data"] == {"user": {"username": "page_user"}}
            await asyncio.to_thread(
                driver.execute_script, SUBSCRIBE, f"ws://{live_url}/graphql", token, post_id
            )
            await _live_state(driver, lambda s: s["state"] in ("subscribed", "closed"))
            for _ in range(WAIT * 10):  # the subscription reached Redis: no update is lost
                if await social.deps.redis.pubsub_channels("live:post:*"):
                    break
                await asyncio.sleep(0.1)
            liked = await social.gql(
                "mutation($p: ID!) { likePost(postId: $p) { likeCount } }",
                {"p": post_id},
                token=social.tokens["author"],
            )
            assert liked.ok()["likePost"]["likeCount"] == 1
            live = await _live_state(
                driver, lambda s: any(m["type"] == "next" for m in s["messages"])
            )
            [update] = [m for m in live["messages"] if m["type"] == "next"]
            assert update["payload"]["data"] == {"postUpdated": {"likeCount": 1}}

            # Any other origin: the browser blocks all three, and the mutation never ran.
            await social.deps.db.execute("UPDATE users SET bio = NULL WHERE username = 'page_user'")
            await asyncio.to_thread(driver.get, other + "/")
            calls = await asyncio.to_thread(driver.execute_async_script, HTTP_CALLS, api, token)
            assert "Failed to fetch" in calls["post"]["error"]
            assert "Failed to fetch" in calls["get"]["error"]
            assert await _bio(social) is None
            await asyncio.to_thread(
                driver.execute_script, SUBSCRIBE, f"ws://{live_url}/graphql", token, post_id
            )
            refused = await _live_state(driver, lambda s: s["state"] == "closed")
            assert refused["messages"] == []  # not even connection_ack
    finally:
        await asyncio.to_thread(driver.quit)
