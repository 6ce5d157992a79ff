"""Rate-limit specs: pure parsing of `action=count/seconds` lists."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

ACTIONS = ("like", "comment", "follow", "post", "upload", "report", "save")


@dataclass(frozen=True)
class Rate:
    count: int  # bucket capacity: this many at once...
    seconds: int  # ...refilled evenly over this many seconds

    @property
    def per_second(self) -> float:
        return self.count / self.seconds


@lru_cache(maxsize=8)
def parse_rates(spec: str) -> dict[str, Rate]:
    """`like=120/60,comment=30/60` -> {"like": Rate(120, 60), ...}; ValueError if malformed."""
    rates: dict[str, Rate] = {}
    for part in filter(None, (p.strip() for p in spec.split(","))):
        action, sep, rest = part.partition("=")
        count, slash, seconds = rest.partition("/")
        if not sep or not slash or action.strip() not in ACTIONS:
            raise ValueError(f"bad rate limit {part!r}: expected action=count/seconds")
        rate = Rate(int(count), int(seconds))
        if rate.count <= 0 or rate.seconds <= 0:
            raise ValueError(f"bad rate limit {part!r}: count and seconds must be positive")
        rates[action.strip()] = rate
    return rates
