"""Held-out likes against each order's top 20: hits@20 and NDCG@20 per viewer."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field

from feedbench.console import Progress

from resolvers.deps import Deps
from resolvers.feed.ranked import new_session
from resolvers.feed.read import feed_ids

from .community import Community
from .load import Loaded

K = 20


def hits(top: Sequence[int], relevant: set[int]) -> int:
    return sum(1 for p in top[:K] if p in relevant)


def ndcg(top: Sequence[int], relevant: set[int]) -> float:
    """Binary relevance: DCG of the list over the DCG of the best possible list."""
    dcg = sum(1 / math.log2(i + 2) for i, p in enumerate(top[:K]) if p in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(K, len(relevant))))
    return dcg / ideal if ideal else 0.0


@dataclass
class Quality:
    viewers: int = 0
    held_out_likes: int = 0
    hits: dict[str, float] = field(default_factory=dict)  # order -> mean hits@20
    ndcg: dict[str, float] = field(default_factory=dict)
    suggested_shown: float = 0.0  # SUGGESTED posts in a ranked top 20, on average
    suggested_hits: float = 0.0  # of the ranked hits, from SUGGESTED posts


async def judge(deps: Deps, c: Community, loaded: Loaded) -> Quality:
    """Every viewer with held-out likes: their chronological and ranked top 20 at the start
    of the held-out day, against what they liked that day."""
    index = {post_id: i for i, post_id in enumerate(loaded.post_ids)}
    per: dict[str, list[tuple[int, float]]] = {"CHRONOLOGICAL": [], "RANKED": []}
    shown: list[int] = []
    suggested_hits: list[int] = []
    bar = Progress("judging viewers", len(c.held_out))
    for person, liked in sorted(c.held_out.items()):
        user = loaded.user_ids[person]
        chrono = [index[p] for p in await feed_ids(deps, user, stale=False, before=None, limit=K)]
        _, entries, _ = await new_session(
            deps, user, stale=False, now_ms=c.eval_ms, shown=0, page=K
        )
        ranked = [index[p] for p, _ in entries[:K]]
        for order, top in (("CHRONOLOGICAL", chrono), ("RANKED", ranked)):
            per[order].append((hits(top, liked), ndcg(top, liked)))
        shown.append(sum(1 for _, suggested in entries[:K] if suggested))
        suggested_hits.append(sum(1 for p, s in entries[:K] if s and index[p] in liked))
        bar.advance()
    bar.close()
    q = Quality(viewers=len(c.held_out), held_out_likes=sum(map(len, c.held_out.values())))
    for order, values in per.items():
        q.hits[order] = statistics.fmean(h for h, _ in values)
        q.ndcg[order] = statistics.fmean(n for _, n in values)
    q.suggested_shown = statistics.fmean(shown)
    q.suggested_hits = statistics.fmean(suggested_hits)
    return q
