"""`snapfeed seed`: demo users, follows and photo posts, through a running instance's API."""

from __future__ import annotations

import io
import random
import sys
from dataclasses import dataclass
from typing import Any

import httpx
from PIL import Image, ImageDraw, ImageFilter

from server.seed_activity import activity, taste

REGISTER = """mutation($input: RegisterInput!) { register(input: $input) { token user { id } } }"""
FOLLOW = "mutation($id: ID!) { follow(userId: $id) { status } }"
CREATE_UPLOAD = """mutation($input: CreateUploadInput!) {
  createUpload(input: $input) { media { id } uploadUrl uploadHeaders { name value } } }"""
CREATE_POST = """mutation($input: CreatePostInput!) { createPost(input: $input) { id } }"""
LOGIN = """mutation($u: String!, $p: String!) {
  login(username: $u, password: $p) { token user { id } } }"""

WORDS = ["sunset", "coffee", "mountains", "city", "friends", "beach", "food", "art", "travel"]
DEMO_USERNAME = "demo"
DEMO_PASSWORD = "snapfeed-demo"


@dataclass
class DemoUser:
    username: str
    token: str
    id: str


def demo_photo(rng: random.Random, width: int = 1080, height: int = 1350) -> bytes:
    """A colourful generated picture: gradient sky, sun, hills."""
    top = tuple(rng.randint(40, 255) for _ in range(3))
    bottom = tuple(rng.randint(0, 200) for _ in range(3))
    image = Image.new("RGB", (width, height))
    draw = ImageDraw.Draw(image)
    for y in range(height):
        t = y / height
        draw.line(
            [(0, y), (width, y)],
            fill=tuple(int(a + (b - a) * t) for a, b in zip(top, bottom, strict=True)),
        )
    r = rng.randint(60, 200)
    cx, cy = rng.randint(r, width - r), rng.randint(r, height // 2)
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=(255, rng.randint(180, 240), 80))
    for _ in range(3):
        base = rng.randint(height // 2, height)
        color = tuple(rng.randint(0, 120) for _ in range(3))
        points = [(x, base - rng.randint(0, height // 4)) for x in range(0, width + 200, 200)]
        draw.polygon([(0, height), *points, (width, height)], fill=color)
    out = io.BytesIO()
    image.filter(ImageFilter.SMOOTH).save(out, "JPEG", quality=85)
    return out.getvalue()


class Seeder:
    def __init__(self, client: httpx.Client, url: str) -> None:
        self.client, self.url = client, url

    def call(self, query: str, variables: dict[str, Any], token: str | None = None) -> Any:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        body = self.client.post(
            self.url, json={"query": query, "variables": variables}, headers=headers
        ).json()
        if body.get("errors"):
            raise RuntimeError(body["errors"][0]["message"])
        return body["data"]

    def user(self, username: str) -> DemoUser:
        try:
            data = self.call(
                REGISTER,
                {
                    "input": {
                        "username": username,
                        "password": DEMO_PASSWORD,
                        "displayName": username.replace("_", " ").title(),
                    }
                },
            )["register"]
        except RuntimeError:  # seeded before: sign in instead
            data = self.call(LOGIN, {"u": username, "p": DEMO_PASSWORD})["login"]
        return DemoUser(username, data["token"], data["user"]["id"])

    def post(self, user: DemoUser, photo: bytes, caption: str) -> None:
        ticket = self.call(
            CREATE_UPLOAD,
            {"input": {"contentType": "image/jpeg", "byteSize": len(photo)}},
            user.token,
        )["createUpload"]
        headers = {h["name"]: h["value"] for h in ticket["uploadHeaders"]}
        self.client.put(ticket["uploadUrl"], content=photo, headers=headers).raise_for_status()
        self.call(
            CREATE_POST,
            {"input": {"mediaIds": [ticket["media"]["id"]], "caption": caption}},
            user.token,
        )


def progress(label: str, done: int, total: int) -> None:
    """A bar redrawn in place at a terminal; elsewhere (a log file) one line when done."""
    tty = sys.stderr.isatty()
    if not tty and done != total:
        return
    width = 30
    filled = int(width * done / max(total, 1))
    bar = f"  {label:<8} [{'#' * filled}{'.' * (width - filled)}] {done}/{total}"
    sys.stderr.write(("\r\x1b[2K" if tty else "") + bar + ("\n" if done == total else ""))
    sys.stderr.flush()


def seed(url: str, *, users: int, posts_per_user: int, seed_value: int = 7) -> list[DemoUser]:
    """Demo data; the first user (`demo`, password `snapfeed-demo`) follows everyone but the
    last two, whom demo's first friends follow (suggestions for demo)."""
    rng = random.Random(seed_value)
    names = [DEMO_USERNAME] + [f"{rng.choice(WORDS)}_{i:02d}" for i in range(1, users)]
    with httpx.Client(timeout=60) as client:
        seeder = Seeder(client, url)
        people = []
        for i, name in enumerate(names, 1):
            people.append(seeder.user(name))
            progress("users", i, len(names))
        # Friends of friends for demo's suggestions: followed by demo's first friends only.
        strangers = people[-2:] if len(people) >= 6 else []
        friends = [p for p in people[1:4] if p not in strangers]
        pairs = [
            (a, b)
            for a in people
            for b in people
            if a is not b
            and (
                (a.username == DEMO_USERNAME and b not in strangers)
                or (a in friends and b in strangers)
                or (a.username != DEMO_USERNAME and rng.random() < 0.3)
            )
        ]
        for i, (follower, followee) in enumerate(pairs, 1):
            seeder.call(FOLLOW, {"id": followee.id}, follower.token)
            progress("follows", i, len(pairs))
        total = len(people) * posts_per_user
        done = 0
        for person in people:
            for _ in range(posts_per_user):
                words = rng.sample(WORDS, 2)
                caption = f"A day of {words[0]} #{words[0]} #{words[1]}"
                if person is not people[0] and rng.random() < 0.2:
                    caption += f" with @{DEMO_USERNAME}"  # a mention, told once published
                seeder.post(person, demo_photo(rng), caption)
                done += 1
                progress("posts", done, total)
        # Likes and comments on demo's posts, for demo's notifications; demo's own likes and
        # friends' likes of strangers' posts, for demo's RANKED feed.
        made = activity(seeder, people[0], people[1:], rng)
        made += taste(seeder, people[0], people[1:3], friends, strangers, rng)
        progress("activity", made, made)
    return people
