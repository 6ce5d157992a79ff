"""What a batch of notification events changes, decided from what holds now (pure).

Each event names something that changed; `plan` reads the facts (is the like still there,
the comment, the follow; may the mentioned user see the post; is there a block) and returns
the actors to fold in or take out. Likes and comments fold per post while unread, follows
per day; mentions, follow requests and acceptances are one each; nobody is told of their
own doings and nothing passes across a block.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from storage.notification_facts import Event, Facts
from storage.notification_folding import Add, Remove, Repoint, Tell, Untell

# Post states in which each system notification still holds.
_TOLD_WHEN = {
    "post_published": ("published", "flagged"),
    "post_failed": ("failed",),
    "post_removed": ("removed",),
}


@dataclass
class Plan:
    adds: list[Add] = field(default_factory=list)
    removes: list[Remove] = field(default_factory=list)
    repoints: list[Repoint] = field(default_factory=list)
    tells: list[Tell] = field(default_factory=list)
    untells: list[Untell] = field(default_factory=list)


def post_key(post_id: int) -> str:
    return f"post:{post_id}"


def comment_key(comment_id: int) -> str:
    return f"comment:{comment_id}"


def user_key(user_id: int) -> str:
    return f"user:{user_id}"


def day_key(at: datetime) -> str:
    """FOLLOWs fold per UTC day."""
    return f"day:{at.astimezone(UTC).date().isoformat()}"


def plan(events: Iterable[Event], facts: Facts) -> Plan:
    out = Plan()
    for e in events:
        if e.kind in _TOLD_WHEN:
            _tell(out, e, facts)
        elif e.actor_id is not None and e.actor_id != e.recipient_id:
            _EVENTS[e.kind](out, e, e.actor_id, facts)
    out.adds = [
        a for a in out.adds if (a.recipient_id, a.actor_id) not in facts.blocked
    ]  # nothing passes across a block, either way
    return out


def _tell(out: Plan, e: Event, facts: Facts) -> None:
    """The author hears while the post is in a state that holds it (a removed post restored
    takes its POST_REMOVED back); a deleted post's go with it."""
    post = facts.posts.get(e.post_id) if e.post_id is not None else None
    if e.post_id is None or post is None or post.author_id != e.recipient_id:
        return
    key = post_key(e.post_id)
    if post.status in _TOLD_WHEN[e.kind]:
        out.tells.append(Tell(e.recipient_id, e.kind, key, e.post_id, e.created_at))
    else:
        out.untells.append(Untell(e.recipient_id, e.kind, key))


def _like(out: Plan, e: Event, actor: int, facts: Facts) -> None:
    if e.post_id is None:
        return
    key = post_key(e.post_id)
    liked_at = facts.likes.get((e.post_id, actor))
    if liked_at is None:
        out.removes.append(Remove(e.recipient_id, "like", key, actor))
    elif _authored(facts, e.post_id, e.recipient_id):
        out.adds.append(_add(e, "like", key, actor, liked_at, post=e.post_id))


def _comment(out: Plan, e: Event, actor: int, facts: Facts) -> None:
    if e.post_id is None or e.comment_id is None:
        return
    key = post_key(e.post_id)
    comment = facts.comments.get(e.comment_id)
    if comment is not None:
        if _authored(facts, e.post_id, e.recipient_id):
            out.adds.append(
                _add(
                    e,
                    "comment",
                    key,
                    actor,
                    comment.at,
                    post=e.post_id,
                    actor_comment=e.comment_id,
                    once=False,
                )
            )
        return
    remaining = facts.newest_comment.get((e.post_id, actor))
    if remaining is None:
        out.removes.append(Remove(e.recipient_id, "comment", key, actor))
    else:
        out.repoints.append(Repoint(e.recipient_id, "comment", key, actor, e.comment_id, remaining))


def _mention(out: Plan, e: Event, actor: int, facts: Facts) -> None:
    """In a caption (no comment) or a comment; only if the mentioned may see the post."""
    if e.post_id is None or (e.recipient_id, e.post_id) not in facts.may_see:
        return
    if e.comment_id is None:
        post = facts.posts.get(e.post_id)
        if post is None or (e.post_id, e.recipient_id) not in facts.mentioned:
            return
        at, key = post.at, post_key(e.post_id)
    else:
        comment = facts.comments.get(e.comment_id)
        if comment is None:
            return
        at, key = comment.at, comment_key(e.comment_id)
    out.adds.append(_add(e, "mention", key, actor, at, post=e.post_id, comment=e.comment_id))


def _follow(out: Plan, e: Event, actor: int, facts: Facts) -> None:
    """The actor's follow of the recipient changed: a follow, a request, or nothing."""
    follow = facts.follows.get((actor, e.recipient_id))
    request = user_key(actor)
    if follow is None or follow.state != "active":
        out.removes.append(Remove(e.recipient_id, "follow", None, actor))
    if follow is None or follow.state != "pending":
        out.removes.append(Remove(e.recipient_id, "follow_request", request, actor))
    if follow is None:
        return
    if follow.state == "active":
        key = day_key(follow.since)
        out.adds.append(_add(e, "follow", key, actor, follow.since))
    else:
        out.adds.append(_add(e, "follow_request", request, actor, follow.since))


def _accepted(out: Plan, e: Event, actor: int, facts: Facts) -> None:
    """The actor approved the recipient's request."""
    follow = facts.follows.get((e.recipient_id, actor))
    key = user_key(actor)
    if follow is None or follow.state != "active":
        out.removes.append(Remove(e.recipient_id, "follow_accepted", key, actor))
        return
    out.adds.append(_add(e, "follow_accepted", key, actor, follow.since))


def _add(
    e: Event,
    kind: str,
    key: str,
    actor: int,
    at: datetime,
    *,
    post: int | None = None,
    comment: int | None = None,
    actor_comment: int | None = None,
    once: bool = True,
) -> Add:
    return Add(e.recipient_id, kind, key, post, comment, actor, actor_comment, at, once)


def _authored(facts: Facts, post_id: int, recipient_id: int) -> bool:
    post = facts.posts.get(post_id)
    return post is not None and post.author_id == recipient_id


_EVENTS = {
    "like": _like,
    "comment": _comment,
    "mention": _mention,
    "follow": _follow,
    "follow_accepted": _accepted,
}


def dedupe(adds: Sequence[Add], present: set[int]) -> list[Add]:
    """The adds left once those of actors already folded in (`present`, by index) go."""
    return [a for i, a in enumerate(adds) if not (a.once and i in present)]
