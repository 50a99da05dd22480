"""The sandbox's in-memory world: ids, ordered timelines, failure rules and what clients posted."""

from __future__ import annotations

import bisect
import itertools
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def iso_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class Timeline:
    """Ids kept in increasing order, so `since`/`until` paging stays O(log n) with 10,000s of items."""

    def __init__(self) -> None:
        self.ids: list[int] = []

    def add(self, item_id: int) -> None:
        if not self.ids or item_id > self.ids[-1]:
            self.ids.append(item_id)
        else:
            bisect.insort(self.ids, item_id)

    def newest_first(
        self, *, since: int | None = None, until: int | None = None, limit: int
    ) -> tuple[list[int], bool]:
        """Ids with since < id < until, newest first, and whether older ones remain in the range."""
        low = bisect.bisect_right(self.ids, since) if since is not None else 0
        high = bisect.bisect_left(self.ids, until) if until is not None else len(self.ids)
        start = max(low, high - limit)
        return list(reversed(self.ids[start:high])), start > low

    def oldest_first_after(self, since: int, limit: int) -> list[int]:
        low = bisect.bisect_right(self.ids, since)
        return self.ids[low : low + limit]

    def __len__(self) -> int:
        return len(self.ids)


@dataclass
class FailureRule:
    platform: str
    # slow: wait, then handle. slow_accept: handle (the post is stored), then answer only after the
    # delay, like a platform that takes a post but answers after the client gave up waiting.
    mode: str  # rate_limit | revoked | error | slow | slow_accept
    path: str = ""  # only requests whose path contains this (or matches it, when it starts with "^")
    remaining: int | None = None  # None: until cleared
    seconds: int = 60  # rate_limit: the reset lies this far ahead
    delay_ms: int = 0  # slow, slow_accept


@dataclass
class SandboxState:
    """Everything the platforms hold. One lock: every handler is short, and slow mode sleeps outside it."""

    lock: threading.RLock = field(default_factory=threading.RLock)
    counter: itertools.count = field(default_factory=lambda: itertools.count(1))
    failures: list[FailureRule] = field(default_factory=list)
    posted: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    requests_seen: dict[str, int] = field(default_factory=dict)
    # "GET /2/users/me" -> how many times: lets tests count the calls a poll makes.
    paths_seen: dict[str, int] = field(default_factory=dict)
    platforms: dict[str, Any] = field(default_factory=dict)
    # Per platform, the real platform's less convenient habits a test switches on: {"x": {"omit_users": True}}.
    quirks: dict[str, dict[str, Any]] = field(default_factory=dict)

    def quirk(self, platform: str, name: str, default: Any = None) -> Any:
        return self.quirks.get(platform, {}).get(name, default)

    def next_number(self) -> int:
        return next(self.counter)

    def record_post(self, platform: str, entry: dict[str, Any]) -> None:
        self.posted.setdefault(platform, []).append({"at": iso_now(), **entry})

    def failure_for(self, platform: str, path: str) -> FailureRule | None:
        """The first rule that applies to this request, consuming one of its uses."""
        for rule in self.failures:
            # A path starting with "^" is a regular expression ("^/2/users$": the lookup, not the timelines).
            matches = re.search(rule.path, path) if rule.path.startswith("^") else rule.path in path
            if rule.platform == platform and matches:
                if rule.remaining is not None:
                    rule.remaining -= 1
                    if rule.remaining <= 0:
                        self.failures.remove(rule)
                return rule
        return None

    def clear_failures(self, platform: str | None = None) -> None:
        self.failures = [rule for rule in self.failures if platform and rule.platform != platform]


def epoch_in(seconds: int) -> int:
    return int(time.time()) + seconds
