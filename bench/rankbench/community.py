"""The simulated community: people, follows, posts and who likes what. Pure Python, seeded.

People have interests over topics (hashtags), a taste for photos, videos or carousels, and
post with a quality of their own on a topic or two. Following is power-law (a few accounts
have most followers) and leans towards shared interests; each follow has a closeness (some
friends matter more), a third of them are followed back.

Each day every author posts a Poisson number of posts; every person is shown their
followees' posts of the last two days plus a small explore-like sample of strangers'
posts weighted by quality, and likes each with probability

    base · activity · interest(topic) · quality(author) · taste(kind) · e^(-age_hours / 24)
         · closeness(author) · (1 + 0.4 · followees who liked it so far, at most 4)

and comments on 15 % of what they like. People are visited in a random order each day,
so friends' likes earlier that day count.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS
TOPICS = (
    "sunset",
    "coffee",
    "beach",
    "city",
    "night",
    "hike",
    "food",
    "travel",
    "street",
    "garden",
    "music",
    "art",
    "dogs",
    "cats",
    "football",
    "fashion",
)
PHOTO, VIDEO, CAROUSEL = 0, 1, 2
KIND_SHARES = (0.6, 0.2, 0.2)
EXPOSURE_HOURS = 48
STRANGER_SAMPLE = 15
STRANGER_CLOSENESS = 0.35
COMMENT_SHARE = 0.15
SOCIAL_BOOST, SOCIAL_CAP = 0.4, 4
BASE = 1.2  # calibrates about 10 likes per person and day


@dataclass
class Params:
    users: int = 600
    days: int = 8  # the last is held out
    follows_mean: float = 80.0
    posts_per_day_mean: float = 0.6
    seed: int = 1


@dataclass
class Person:
    interests: list[float]  # per topic, summing to len(TOPICS) (1 on average)
    topics: list[int]  # what they post about
    quality: float
    taste: tuple[float, float, float]  # photo, video, carousel
    activity: float
    post_rate: float  # posts per day


@dataclass
class Post:
    index: int
    author: int
    topic: int
    kind: int
    media: int  # media items: 1, or 2 to 4 for a carousel
    at_ms: int


@dataclass
class Like:
    person: int
    post: int
    at_ms: int
    comment: bool


@dataclass
class Community:
    params: Params
    start_ms: int  # the first day's start; the held-out day starts at start_ms + (days-1)·DAY
    people: list[Person] = field(default_factory=list)
    follows: dict[int, dict[int, float]] = field(default_factory=dict)  # u -> {v: closeness}
    posts: list[Post] = field(default_factory=list)
    likes: list[Like] = field(default_factory=list)  # training days, in time order
    held_out: dict[int, set[int]] = field(default_factory=dict)  # person -> posts liked

    @property
    def eval_ms(self) -> int:
        return self.start_ms + (self.params.days - 1) * DAY_MS


def _people(p: Params, rnd: random.Random) -> list[Person]:
    people = []
    n = len(TOPICS)
    for _ in range(p.users):
        favourites = rnd.sample(range(n), rnd.choice((1, 2, 2, 3)))
        raw = [0.05 + (1.0 if t in favourites else 0.0) for t in range(n)]
        scale = n / sum(raw)
        preferred = rnd.choices((PHOTO, VIDEO, CAROUSEL), weights=KIND_SHARES)[0]
        people.append(
            Person(
                interests=[r * scale for r in raw],
                topics=favourites[: rnd.choice((1, 2))],
                quality=rnd.lognormvariate(0, 0.6),
                taste=tuple(1.0 if k == preferred else 0.35 for k in range(3)),  # type: ignore[arg-type]
                activity=rnd.lognormvariate(0, 0.5),
                post_rate=p.posts_per_day_mean * rnd.paretovariate(2.0) / 2.0,
            )
        )
    return people


def _follows(p: Params, people: list[Person], rnd: random.Random) -> dict[int, dict[int, float]]:
    n = len(people)
    order = list(range(n))
    rnd.shuffle(order)
    popularity = [0.0] * n
    for rank, person in enumerate(order):
        popularity[person] = (rank + 5) ** -1.0
    follows: dict[int, dict[int, float]] = {u: {} for u in range(n)}
    for u in range(n):
        me = people[u]
        weights = [
            0.0
            if v == u
            else popularity[v] * (1 + 3 * sum(me.interests[t] for t in people[v].topics) / 4)
            for v in range(n)
        ]
        cumulative = list(itertools.accumulate(weights))
        wanted = min(n - 1, max(3, round(rnd.lognormvariate(math.log(p.follows_mean) - 0.32, 0.8))))
        while len(follows[u]) < wanted:
            v = bisect.bisect_left(cumulative, rnd.random() * cumulative[-1])
            if v != u and v not in follows[u]:
                follows[u][v] = rnd.lognormvariate(0, 0.8)
    for u in range(n):  # a third of follows are returned, with a closeness of their own
        for v in list(follows[u]):
            if u not in follows[v] and rnd.random() < 1 / 3:
                follows[v][u] = rnd.lognormvariate(0.3, 0.8)
    return follows


def _posts(p: Params, people: list[Person], start_ms: int, rnd: random.Random) -> list[Post]:
    posts: list[Post] = []
    for day in range(p.days - 1):  # nothing is posted on the held-out day before it is judged
        for author, person in enumerate(people):
            for _ in range(_poisson(person.post_rate, rnd)):
                kind = rnd.choices((PHOTO, VIDEO, CAROUSEL), weights=KIND_SHARES)[0]
                at = start_ms + day * DAY_MS + rnd.randrange(DAY_MS)
                media = rnd.randint(2, 4) if kind == CAROUSEL else 1
                posts.append(Post(0, author, rnd.choice(person.topics), kind, media, at))
    posts.sort(key=lambda post: post.at_ms)
    for i, post in enumerate(posts):
        post.index = i
    return posts


def _poisson(mean: float, rnd: random.Random) -> int:
    limit, k, product = math.exp(-mean), 0, rnd.random()
    while product > limit:
        k += 1
        product *= rnd.random()
    return k


def simulate(p: Params, start_ms: int) -> Community:
    rnd = random.Random(p.seed)
    c = Community(p, start_ms)
    c.people = _people(p, rnd)
    c.follows = _follows(p, c.people, rnd)
    c.posts = _posts(p, c.people, start_ms, rnd)
    by_author: dict[int, list[Post]] = defaultdict(list)
    for post in c.posts:
        by_author[post.author].append(post)
    liked_by: dict[int, set[int]] = defaultdict(set)  # post -> people who liked it
    for day in range(p.days):
        held_out = day == p.days - 1
        day_start = start_ms + day * DAY_MS
        recent = [q for q in c.posts if day_start - EXPOSURE_HOURS * HOUR_MS <= q.at_ms]
        strangers_pool = [q for q in recent if q.at_ms < day_start + DAY_MS]
        quality = [c.people[q.author].quality for q in strangers_pool]
        people = list(range(p.users))
        rnd.shuffle(people)
        for u in people:
            at = day_start + rnd.randrange(DAY_MS)
            if held_out:
                at = day_start  # judged at the start of the day: what exists then
            mine = c.follows[u]
            shown: dict[int, Post] = {}
            for v in mine:
                for q in by_author[v]:
                    if at - EXPOSURE_HOURS * HOUR_MS <= q.at_ms < at:
                        shown[q.index] = q
            if strangers_pool:
                for q in rnd.choices(strangers_pool, weights=quality, k=STRANGER_SAMPLE):
                    if q.author != u and q.author not in mine and q.at_ms < at:
                        shown[q.index] = q
            me = c.people[u]
            for q in shown.values():
                if u in liked_by[q.index]:
                    continue
                friends = sum(1 for f in liked_by[q.index] if f in mine)
                chance = (
                    BASE
                    * me.activity
                    * me.interests[q.topic]
                    * c.people[q.author].quality
                    * me.taste[q.kind]
                    * math.exp(-(at - q.at_ms) / DAY_MS)
                    * mine.get(q.author, STRANGER_CLOSENESS)
                    * (1 + SOCIAL_BOOST * min(friends, SOCIAL_CAP))
                    / 12
                )
                if rnd.random() >= min(chance, 0.9):
                    continue
                if held_out:
                    c.held_out.setdefault(u, set()).add(q.index)
                else:
                    liked_by[q.index].add(u)
                    c.likes.append(Like(u, q.index, at, rnd.random() < COMMENT_SHARE))
    c.likes.sort(key=lambda like: like.at_ms)
    return c
