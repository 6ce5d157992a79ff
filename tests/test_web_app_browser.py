"""The web app end to end in headless Chromium, with no route to the internet: two people
sign up (one of them on another origin, pointed at the API with `?api=`), one follows the
other, a photo is uploaded and published, its post arrives live in the follower's feed,
is liked and commented on, and its author sees both arrive live; then a story is seen.
A screenshot of each screen is saved under the test's tmp dir (the path is printed)."""

from __future__ import annotations

import asyncio
import random
import shutil
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from resolvers.deps import Deps, open_deps
from server.app import create_app
from server.cli import InProcessServer, _stop_worker
from server.seed import demo_photo
from server.users_cli import set_moderator
from storage.settings import Settings
from tests import processes
from workers.settings import create_worker

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (.ci/run installs them)",
)

WAIT_SECONDS = 60  # an upper bound for a busy 2-core machine, never a performance claim
CAPTION = "Golden hour at the lake #sunset with @bob"
COMMENT = "What a light!"


@dataclass
class Stack:
    base: str  # the API and the app it serves
    other_origin: str  # the same server under another origin (localhost)
    database_url: str


@pytest.fixture
async def stack(settings: Settings, deps: Deps) -> AsyncIterator[Stack]:
    """The app on a real port with its own URLs (uploads, media), and a running worker."""
    port = processes.free_port()
    base = f"http://127.0.0.1:{port}"
    live = settings.replace(public_url=base, allowed_origins=("http://localhost:*",))
    assert live.database_url and live.redis_url
    opened = await open_deps(live, database_url=live.database_url, redis_url=live.redis_url)
    server = InProcessServer(
        uvicorn.Config(
            create_app(live, opened), host="127.0.0.1", port=port, log_config=None, lifespan="off"
        )
    )
    # With its cron jobs, as `snapfeed worker` runs (notifications are folded every second).
    worker = create_worker(live, deps=opened, poll_delay=0.05)
    serving = asyncio.create_task(server.serve())
    working = asyncio.create_task(worker.async_run())
    while not server.started:
        assert not serving.done(), "uvicorn failed to start"
        await asyncio.sleep(0.01)
    try:
        yield Stack(base, f"http://localhost:{port}", live.database_url)
    finally:
        server.should_exit = True
        await _stop_worker(worker, grace_seconds=5)
        working.cancel()
        await asyncio.gather(serving, working, return_exceptions=True)
        await opened.close()


class Browser:
    """One Chromium; each person gets a window of their own (and an origin of their own)."""

    def __init__(self, profile: Path, shots: Path) -> None:
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
            "--window-size=1200,1000",
            f"--user-data-dir={profile}",
            # No internet: any asset from a CDN would fail to load.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1, EXCLUDE localhost",
        ):
            options.add_argument(flag)
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        self.driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
        self.driver.set_page_load_timeout(WAIT_SECONDS)
        self.shots = shots
        self.windows: dict[str, str] = {}
        self.script_errors: list[str] = []

    def window(self, person: str) -> None:
        if person not in self.windows:
            if self.windows:
                self.driver.switch_to.new_window("window")
                self.driver.set_window_size(1200, 1000)
            self.windows[person] = self.driver.current_window_handle
        self.driver.switch_to.window(self.windows[person])

    def wait(self, what: str, check: Callable[[Any], Any], poll: float = 0.2) -> Any:
        from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
        from selenium.webdriver.support.ui import WebDriverWait

        # A live screen re-renders under the check (the unread badge): an element found just
        # before may be gone when read; the next poll finds the new one.
        waiting = WebDriverWait(
            self.driver,
            WAIT_SECONDS,
            poll_frequency=poll,
            ignored_exceptions=(StaleElementReferenceException,),
        )
        try:
            return waiting.until(check)
        except TimeoutException:
            self.shot(f"failed-{what.replace(' ', '-')}")
            pytest.fail(
                f"never happened: {what}\n{self.driver.find_element('tag name', 'main').text}"
            )

    def css(self, selector: str) -> Any:
        return self.driver.find_element("css selector", selector)

    def all(self, selector: str) -> list[Any]:
        found: list[Any] = self.driver.find_elements("css selector", selector)
        return found

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    def go(self, url: str) -> None:
        self.driver.get(url)

    def hash(self, route: str) -> None:
        self.js("location.hash = arguments[0]", route)

    def shot(self, name: str) -> None:
        self.driver.save_screenshot(str(self.shots / f"{name}.png"))

    def collect_errors(self) -> None:
        for entry in self.driver.get_log("browser"):  # type: ignore[no-untyped-call]
            # Failed loads (a persisted query's first 404) are the network's, not the app's.
            if entry["level"] == "SEVERE" and entry.get("source") != "network":
                self.script_errors.append(entry["message"])

    def quit(self) -> None:
        self.driver.quit()


def _badge(b: Browser) -> int:
    found = b.all("#nav .badge-count")
    return int(found[0].text.rstrip("+")) if found else 0


def _ratio(element: Any) -> float:
    size = element.size
    return float(size["width"]) / float(size["height"])


def _register(username: str, stack: Stack) -> None:
    """Someone who uses another app: signed up through the API only."""
    query = "mutation($i: RegisterInput!) { register(input: $i) { user { id } } }"
    variables = {"i": {"username": username, "password": "correct horse battery"}}
    answer = httpx.post(f"{stack.base}/graphql", json={"query": query, "variables": variables})
    assert answer.json()["data"]["register"]["user"]["id"]


def _sign_up(b: Browser, app_url: str, username: str, *, shot: str | None = None) -> None:
    b.go(f"{app_url}#/signup")
    b.wait("the sign-up form", lambda d: b.all("form.auth-form #username"))
    b.css("#username").send_keys(username)
    b.css("#displayName").send_keys(username.title())
    b.css("#password").send_keys("correct horse battery")
    if shot:
        b.shot(shot)
    b.css("form.auth-form button[type=submit]").click()
    b.wait(f"{username}'s empty home feed", lambda d: "feed is empty" in b.css("main").text)


def _scenario(b: Browser, stack: Stack, photo: Path) -> None:
    # Ada on the API's own origin; Bob's app is on another origin, pointed at the API.
    b.window("ada")
    _sign_up(b, f"{stack.base}/", "ada", shot="01-sign-up")
    _register("cyd", stack)
    b.hash("#/u/cyd")
    b.wait("Cyd's profile", lambda d: b.all(".profile-header .follow-button"))
    b.css(".follow-button").click()
    b.wait("Ada follows Cyd", lambda d: b.css(".follow-button").text == "Following")
    b.window("bob")
    _sign_up(b, f"{stack.other_origin}/?api={stack.base}/graphql", "bob")
    assert b.js("return location.origin") == stack.other_origin
    assert f"API: 127.0.0.1:{stack.base.rsplit(':', 1)[1]}" in b.css("#nav").text

    # Bob finds Ada and follows her.
    b.hash("#/search?q=ad")
    b.wait("Ada in the search results", lambda d: b.all(".search-results a.user-link"))
    b.shot("02-search")
    b.css(".search-results a.user-link").click()
    b.wait("Ada's profile", lambda d: b.all(".profile-header h1") and "ada" in b.css("h1").text)
    b.css(".follow-button").click()
    b.wait("the follow to show", lambda d: b.css(".follow-button").text == "Following")
    b.wait("Ada's follower count", lambda d: "1 follower" in b.css(".counts").text)
    b.shot("03-profile-followed")
    b.hash("#/")
    b.wait("Bob's feed, still empty", lambda d: "feed is empty" in b.css("main").text)

    # Suggestions: Cyd, whom Ada (followed by Bob) follows, is suggested to Bob.
    b.hash("#/search")
    b.wait("the suggestions", lambda d: "cyd" in b.css("main").text and b.all(".suggestions"))
    b.css(".suggestions .follow-button").click()
    b.wait("Bob follows Cyd", lambda d: b.css(".suggestions .follow-button").text == "Following")
    b.hash("#/")
    b.wait("Bob's feed, again", lambda d: "feed is empty" in b.css("main").text)

    # Ada posts a photo and watches it go from PROCESSING to PUBLISHED.
    b.window("ada")
    b.hash("#/new")
    b.wait("the upload form", lambda d: b.all("#upload-files"))
    b.css("#upload-files").send_keys(str(photo))
    b.css("#upload-caption").send_keys(CAPTION)
    b.css("#upload-location").send_keys("Lake Geneva")  # a place, with coordinates
    b.css("#latitude").send_keys("46.45")
    b.css("#longitude").send_keys("6.55")
    # A filter and a square crop, previewed here and applied by the worker.
    b.wait("the photo editor", lambda d: b.all(".photo-editor .edit-frame img"))
    b.driver.find_element(
        "xpath", "//fieldset[legend='Filter']//label[contains(., 'Clarendon')]"
    ).click()
    b.driver.find_element(
        "xpath", "//fieldset[legend='Crop']//label[contains(., 'Square')]"
    ).click()
    b.wait(
        "the square preview", lambda d: _ratio(b.css(".edit-frame")) == pytest.approx(1, abs=0.02)
    )
    b.shot("04-upload-edit")
    b.css("form.upload-form button[type=submit]").click()
    b.wait("the post to be created", lambda d: b.all(".post-status"))
    b.wait("PUBLISHED", lambda d: b.css(".post-status").text == "PUBLISHED")
    b.shot("05-upload-published")
    post_id = b.css(".upload-status a").get_attribute("href").rsplit("/", 1)[1]
    [media] = httpx.post(
        f"{stack.base}/graphql",
        json={
            "query": "query($id: ID!) { post(id: $id) { media { filter width height } } }",
            "variables": {"id": post_id},
        },
        timeout=30,
    ).json()["data"]["post"]["media"]
    assert media == {"filter": "CLARENDON", "width": 1080, "height": 1080}

    # It arrives in Bob's open feed over feedUpdates: a pill, then the post.
    b.window("bob")
    b.wait("the new-posts pill", lambda d: b.css(".new-posts-pill").is_displayed())
    assert b.css(".new-posts-pill").text.endswith("1 new post")
    b.shot("06-feed-new-post-pill")
    b.css(".new-posts-pill").click()
    b.wait("the post in the feed", lambda d: b.all(".feed .post-card .frame.loaded img"))
    frame = b.css(".feed .post-card .frame")
    assert frame.value_of_css_property("background-image").startswith('url("data:image/png')
    image = b.css(".feed .post-card img")
    assert image.get_attribute("alt") == f"Photo by ada: {CAPTION}"
    assert b.css(".feed .post-card .location").text == "Lake Geneva"
    assert len(image.get_attribute("srcset").split(",")) == 4  # 150, 320, 640, 1080 px
    shown = b.js("return arguments[0].currentSrc", image)
    assert "/media/" in shown and b.js("return arguments[0].naturalWidth", image) > 0
    b.shot("07-feed")
    # The ranked feed ("For you") has it too, as a post of someone Bob follows.
    b.driver.find_element("link text", "For you").click()
    b.wait(
        "the ranked feed",
        lambda d: "order=ranked" in b.driver.current_url and b.all(".feed .post-card img"),
    )
    assert "Suggested for you" not in b.css(".feed .post-card").text
    b.shot("07-feed-ranked")
    b.driver.find_element("link text", "Latest").click()
    b.wait(
        "the latest feed",
        lambda d: "order=ranked" not in b.driver.current_url and b.all(".feed .post-card img"),
    )

    # Ada opens her post; Bob likes it in his feed and comments on the post page.
    b.window("ada")
    b.css(".upload-status a").click()
    b.wait("Ada's post page", lambda d: b.all(".screen-post .post-card"))
    b.window("bob")
    b.css(".feed .post-card button.like").click()
    b.wait("the like", lambda d: b.css(".feed .post-card .likes").text == "1 like")
    assert b.css(".feed .post-card button.like").get_attribute("aria-pressed") == "true"
    b.css(".feed .post-card a.comment-count").click()
    b.wait("the post page", lambda d: b.all("#comment-body"))
    b.css("#comment-body").send_keys(COMMENT)
    b.css(".comment-form button[type=submit]").click()
    b.wait("Bob's comment", lambda d: COMMENT in b.css(".comments").text)
    b.shot("08-post-commented")
    b.css(".screen-post button.save").click()  # saved for later, private to Bob
    b.wait(
        "the save",
        lambda d: b.css(".screen-post button.save").get_attribute("aria-pressed") == "true",
    )
    b.hash("#/saved")
    b.wait("the saved post", lambda d: b.all(".screen-saved .grid .grid-item img"))

    # Ada sees both arrive on her open post page (postUpdated), without reloading it.
    b.window("ada")
    b.wait("the like, live", lambda d: b.css(".likes").text == "1 like")
    b.wait("the comment, live", lambda d: COMMENT in b.css(".comments").text)
    assert "1 comment" in b.css(".post-card .comment-count").text
    b.shot("09-post-live-for-author")

    # Her notifications badge counted Bob's follow, like and comment as they happened (this
    # window was not reloaded since she signed up); opening them marks them read.
    b.wait("the unread badge", lambda d: _badge(b) >= 3)
    b.shot("09-notification-badge")
    b.css("#nav a[href='#/notifications']").click()
    b.wait("the notifications", lambda d: "bob liked your post." in b.css(".notifications").text)
    # The comment's, if it was folded after the screen opened, arrives live.
    b.wait("the comment's", lambda d: f"bob commented: {COMMENT}" in b.css(".notifications").text)
    assert "bob started following you." in b.css(".notifications").text
    b.wait("the badge cleared", lambda d: _badge(b) == 0)
    b.shot("09-notifications")

    # A story: Ada shares one; Bob sees an unseen ring, watches it, and it turns seen.
    b.hash("#/new?story=1")
    b.wait("the story form", lambda d: b.all("#upload-files"))
    b.css("#upload-files").send_keys(str(photo))
    b.css("form.upload-form button[type=submit]").click()
    b.wait(
        "the story to be shared", lambda d: "story is processing" in b.css(".upload-status").text
    )
    b.window("bob")

    def unseen_reel(_: Any) -> bool:
        if b.all(".story-tray .reel.unseen"):
            return True
        b.js("dispatchEvent(new HashChangeEvent('hashchange'))")
        return False

    # The tray is read when the feed opens: open it again until the story's media is ready.
    b.hash("#/")
    b.wait("Ada's unseen story in Bob's tray", unseen_reel, poll=2)
    b.shot("10-story-tray")
    b.css(".story-tray .reel.unseen").click()
    b.wait("the story viewer", lambda d: b.all(".story-viewer .frame.loaded img"))
    b.shot("11-story")
    b.css(".story-viewer [aria-label='Close stories']").click()
    b.wait("the ring, seen", lambda d: b.all(".story-tray .reel:not(.unseen):not(.add)"))

    # Hashtag and explore pages.
    b.hash("#/t/sunset")
    b.wait("the hashtag page", lambda d: b.all(".grid .grid-item img"))
    assert "1 post" in b.css(".subtitle").text
    b.shot("12-hashtag")
    b.hash("#/search?q=lake")
    b.wait(
        "the place in the search results",
        lambda d: b.all(".search-results section[aria-label='Places'] a"),
    )
    b.css(".search-results section[aria-label='Places'] a").click()
    b.wait("the place's posts", lambda d: b.all(".screen-place .grid .grid-item img"))
    assert b.css(".screen-place h1").text == "Lake Geneva"
    b.shot("13-place")
    b.hash("#/explore")
    b.wait("the explore page", lambda d: b.all(".screen-explore h1"))
    b.shot("13-explore")

    # Phone width: the navigation becomes a bottom bar.
    b.driver.set_window_size(390, 844)
    b.hash("#/")
    b.wait("the phone layout", lambda d: b.all(".feed .post-card img"))
    nav = b.js("return document.getElementById('nav').getBoundingClientRect().toJSON()")
    assert abs(nav["bottom"] - b.js("return innerHeight")) < 2 and nav["left"] == 0
    b.shot("14-feed-phone")
    b.driver.set_window_size(1200, 1000)

    # Bob reports the post from its menu; Ada, made a moderator, dismisses the report.
    b.hash("#/")
    b.wait("the feed", lambda d: b.all(".feed .post-card .more-menu"))
    b.css(".feed .post-card .more-menu summary").click()
    b.driver.find_element("xpath", "//details[@open]//button[.='Report post']").click()
    b.wait("the report dialog", lambda d: b.all("dialog[open] .report-form"))
    b.driver.find_element("xpath", "//dialog//label[contains(., 'Spam')]").click()
    b.shot("15-report")
    b.css("dialog[open] button[type=submit]").click()
    b.wait("the report to be sent", lambda d: "reported to the moderators" in b.css("#toasts").text)
    b.window("ada")
    asyncio.run(set_moderator(stack.database_url, "grant-moderator", "ada"))
    b.driver.refresh()
    b.wait("the moderation link", lambda d: "Moderation" in b.css("#nav").text)
    b.hash("#/moderation")
    b.wait("Bob's report in the queue", lambda d: b.all(".reports .report"))
    assert "spam reported by bob" in b.css(".reports .report").text
    b.shot("16-moderation")
    b.driver.find_element("xpath", "//article[@class='report']//button[.='Dismiss report']").click()
    b.wait("the report dismissed", lambda d: "Dismiss report: done." in b.css(".reports").text)

    # Bob mutes Ada from her profile, then blocks her: her profile goes bare.
    b.window("bob")
    b.hash("#/u/ada")
    b.wait("Ada's profile menu", lambda d: b.all(".profile-actions .more-menu"))
    b.css(".profile-actions .more-menu summary").click()
    b.driver.find_element("xpath", "//details[@open]//button[.='Mute ada']").click()
    b.wait("the mute", lambda d: "Muted" in b.css(".profile-actions").text)
    b.css(".profile-actions .more-menu summary").click()
    b.driver.find_element("xpath", "//details[@open]//button[.='Block ada']").click()
    b.driver.switch_to.alert.accept()
    b.wait("the block", lambda d: "You blocked ada." in b.css(".profile-actions").text)
    assert "Unblock this account to see its posts." in b.css("main").text
    b.shot("17-profile-blocked")
    b.hash("#/")
    b.wait("Bob's feed without Ada", lambda d: "feed is empty" in b.css("main").text)

    # Accessible: a skip link first, labels on every field, alt text on every picture.
    b.window("ada")
    b.hash("#/")
    b.wait("Ada's feed", lambda d: b.all(".feed .post-card img"))
    assert b.js("return [...document.images].every((i) => i.alt.trim().length > 0)")
    b.hash("#/new")
    b.wait("the upload form", lambda d: b.all("#upload-files"))
    unlabelled = b.js(
        "return [...document.querySelectorAll('input, textarea, select')]"
        ".filter((e) => !e.labels.length && !e.getAttribute('aria-label')).map((e) => e.id)"
    )
    assert unlabelled == []
    b.driver.refresh()
    b.wait("the upload form, reloaded", lambda d: b.all("#upload-files"))
    keys = ActionChains(b.driver)
    keys.send_keys(Keys.TAB).perform()
    assert b.js("return document.activeElement.textContent") == "Skip to content"
    keys.send_keys(Keys.ENTER).perform()
    assert b.js("return document.activeElement.id") == "main"
    assert b.js("return location.hash") == "#/new"  # the skip link is not a route
    keys.send_keys(Keys.TAB).perform()  # the first control of the screen comes next
    assert b.js("return document.activeElement.closest('main') !== null")

    for person in ("ada", "bob"):
        b.window(person)
        b.collect_errors()


@pytest.mark.timeout(300)  # a browser and a worker on a busy 2-core machine
async def test_web_app_end_to_end(stack: Stack, tmp_path: Path) -> None:
    photo = tmp_path / "lake.jpg"
    photo.write_bytes(demo_photo(random.Random(3), 1080, 1350))
    shots = tmp_path / "screens"
    shots.mkdir()
    print(f"\nweb app screenshots: {shots}")
    browser = await asyncio.to_thread(Browser, tmp_path / "profile", shots)
    try:
        await asyncio.to_thread(_scenario, browser, stack, photo)
    finally:
        await asyncio.to_thread(browser.quit)
    assert browser.script_errors == []
    assert len(list(shots.glob("*.png"))) >= 17
