"""The hybrid-vs-pull plot (matplotlib, the `bench` extra)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from .selection import STRATEGIES, Point

STYLE = {
    "hybrid": {"color": "tab:blue", "marker": "o", "linestyle": "-"},
    "hybrid, cold": {"color": "tab:blue", "marker": "s", "linestyle": "--"},
    "pull": {"color": "tab:red", "marker": "^", "linestyle": "-"},
}
LABEL = {
    "hybrid": "hybrid (Redis caches warm)",
    "hybrid, cold": "hybrid, Redis emptied before each call",
    "pull": "pull query",
}


def plot(points: Sequence[Point], path: Path, subtitle: str) -> None:
    """Two panels, P50 of one first-page id selection: against the following count at the
    largest post volume, and against the post volume at the largest following count."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullLocator

    most_posts = max(p.posts for p in points)
    most_followees = max(p.followees for p in points)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 5), sharey=True)
    for strategy in STRATEGIES:
        by_followees = sorted(
            (p for p in points if p.strategy == strategy and p.posts == most_posts),
            key=lambda p: p.followees,
        )
        by_posts = sorted(
            (p for p in points if p.strategy == strategy and p.followees == most_followees),
            key=lambda p: p.posts,
        )
        style = STYLE[strategy]
        left.plot(
            [p.followees for p in by_followees],
            [p.p50_ms for p in by_followees],
            label=LABEL[strategy],
            **style,
        )
        right.plot(
            [p.posts for p in by_posts],
            [p.p50_ms for p in by_posts],
            label=LABEL[strategy],
            **style,
        )
    left.set_title(f"following count grows ({most_posts:,} posts)")
    left.set_xlabel("accounts the viewer follows")
    left.set_ylabel("ms per first page of ids (P50)")
    right.set_title(f"post volume grows (viewer follows {most_followees:,})")
    right.set_xlabel("published posts in the database")
    for ax, values in (
        (left, sorted({p.followees for p in points})),
        (right, sorted({p.posts for p in points})),
    ):
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xticks(values, [f"{v:,}" for v in values])
        ax.xaxis.set_minor_locator(NullLocator())
        ax.grid(True, which="both", alpha=0.3)
    handles, labels = left.get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, fontsize=9, frameon=False)
    fig.suptitle(f"Snapfeed feed-id selection, hybrid against pull\n{subtitle}", fontsize=11)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
