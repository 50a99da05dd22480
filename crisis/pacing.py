"""How fast a cluster reply may answer people from one brand account, per platform. Pure.

The platforms' documented write limits (per account), and the share of them we allow ourselves
(SHARE: the rest is left to the agents answering by hand from the same account, and to the margin
a platform's own counting may take). A minimum spacing between two posts keeps a cluster reply from
looking like a burst of identical automated replies, which the platforms' anti-spam rules punish
(X's automation rules forbid "bulk" automated replies; personalising each reply and spacing them
is what keeps the account out of those filters).

| platform  | documented limit (per account)                                   | source |
|-----------|------------------------------------------------------------------|--------|
| X         | POST /2/tweets: 200 per 15 min per user; 300 per 3 h (shared with reposts) | docs.x.com/x-api/posts/manage-tweets/migrate/overview |
| Mastodon  | 300 API requests per 5 min per account (default server settings) | docs.joinmastodon.org/api/rate-limits/ |
| Bluesky   | 5,000 points/h and 35,000/day per account, a create costs 3 points (1,666 posts/h, 11,666/day) | docs.bsky.app/docs/advanced-guides/rate-limits |
| Facebook  | Page-level: 4,800 calls per engaged person per 24 h; Graph API app level 200 calls/person/h | developers.facebook.com/docs/graph-api/overview/rate-limiting |
| Instagram | comment writes: 60 per user per hour (Graph API /comments, /replies); private replies 750/h per account | developers.facebook.com/docs/instagram-api (rate limiting); Messenger platform rate limiting |

The inbox's send still handles a 429 (it waits for the platform's reset, never re-posts): the pace
is what keeps a 300-person cluster from hitting it in the first place.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

SHARE = 0.8


@dataclass(frozen=True)
class Pace:
    spacing: timedelta  # at least this long between two posts from one account
    windows: tuple[tuple[timedelta, int], ...]  # (window, documented maximum in it)

    def allowed(self, window: timedelta, maximum: int) -> int:
        return max(1, int(maximum * SHARE))


PACES: dict[str, Pace] = {
    "x": Pace(timedelta(seconds=5), ((timedelta(minutes=15), 200), (timedelta(hours=3), 300))),
    "mastodon": Pace(timedelta(seconds=2), ((timedelta(minutes=5), 300),)),
    "bluesky": Pace(timedelta(seconds=2), ((timedelta(hours=1), 1666), (timedelta(days=1), 11666))),
    "facebook": Pace(timedelta(seconds=3), ((timedelta(hours=1), 200),)),
    "instagram": Pace(timedelta(seconds=10), ((timedelta(hours=1), 60),)),
}
# A platform not listed (a new connector): the strictest of the others' spacing, one per 10 s.
DEFAULT_PACE = Pace(timedelta(seconds=10), ((timedelta(hours=1), 60),))


def pace_for(platform: str) -> Pace:
    return PACES.get(platform, DEFAULT_PACE)


def next_slot(platform: str, recent: Sequence[datetime], now: datetime, *, scale: float = 1.0) -> datetime:
    """When the account may post its next cluster reply, given when it posted the recent ones
    (any order; only those within the longest window matter). `now` or later.

    `scale` shrinks every spacing and window alike (VIGIE_CLUSTER_PACE_SCALE): only for the platform
    sandbox in tests, where no real platform counts; 0 means no pacing at all."""
    if scale <= 0:
        return now
    pace = pace_for(platform)
    times = sorted(recent)
    slot = now
    if times:
        slot = max(slot, times[-1] + pace.spacing * scale)
    for window, maximum in pace.windows:
        allowed = pace.allowed(window, maximum)
        span = window * scale
        inside = [t for t in times if t > now - span]
        if len(inside) >= allowed:
            # The window frees a place when its oldest post that still counts leaves it.
            slot = max(slot, inside[len(inside) - allowed] + span)
    return slot


def longest_window(platform: str, *, scale: float = 1.0) -> timedelta:
    return max(window for window, _ in pace_for(platform).windows) * max(scale, 0)
