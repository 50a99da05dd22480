"""Reads of the crisis room: the curves, the posts that matter, the queue, who is on call and who is here.

The curves come from the detector's minute counters (`MentionBucket`, overall: topic 0), never from
the mentions themselves: a room open through a storm of a million mentions reads a few thousand
small rows. Everything about conversations goes through `inbox.selectors`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from accounts.models import Organization, User

from . import selectors
from .mode import queue_tag
from .models import Crisis, CrisisMember, MentionBucket

MINUTE = timedelta(minutes=1)
OVERALL = 0
# The curves begin a little before the storm's start, so that the rise itself shows.
PRELUDE = timedelta(minutes=10)
# A room open for days shows its last three days minute by minute (4,320 points at most).
LONGEST = timedelta(days=3)
# Someone is "in the room" while their page has said so within this (the page says it every 20 s).
PRESENT_FOR = timedelta(minutes=1)
# The live push carries this many last minutes: late mentions still land in a minute just past.
LIVE_MINUTES = 5


def floor_minute(at: datetime) -> datetime:
    return at.replace(second=0, microsecond=0)


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def series_window(*, crisis: Crisis, now: datetime | None = None) -> tuple[datetime, datetime]:
    """First and last minute the room's curves show (an ended crisis stops at its closing)."""
    end = floor_minute(crisis.closed_at or now or timezone.now())
    start = floor_minute(crisis.started_at - PRELUDE)
    return max(start, end - LONGEST), end


def minute_points(*, crisis: Crisis, start: datetime, end: datetime) -> list[list[int]]:
    """[epoch seconds, mentions, negative] for every minute in [start, end], zeros included."""
    rows = dict((minute, (mentions, negative)) for minute, mentions, negative in
                MentionBucket.objects.for_organization(crisis.organization_id)
                .filter(topic_id=OVERALL, minute__gte=start, minute__lte=end)
                .values_list("minute", "mentions", "negative"))
    points, at = [], start
    while at <= end:
        mentions, negative = rows.get(at, (0, 0))
        points.append([_epoch(at), mentions, negative])
        at += MINUTE
    return points


def room_series(*, crisis: Crisis, now: datetime | None = None) -> dict:
    """The room's curves since the start: what the chart draws, and what the API answers."""
    start, end = series_window(crisis=crisis, now=now)
    points = minute_points(crisis=crisis, start=start, end=end)
    return {"crisis_id": crisis.pk, "started_at": _epoch(crisis.started_at), "closed": not crisis.is_active,
            "points": points, "total": sum(p[1] for p in points),
            "last_minute": points[-1][1] if points else 0}


def live_points(*, crisis: Crisis, now: datetime | None = None) -> list[list[int]]:
    """The last few minutes, which the live push carries (the page merges them by minute)."""
    end = floor_minute(now or timezone.now())
    return minute_points(crisis=crisis, start=end - (LIVE_MINUTES - 1) * MINUTE, end=end)


# --- the posts that matter and the queue, through the inbox ------------------------------------------


def top_posts(*, crisis: Crisis, by: str, limit: int = 5) -> list:
    from inbox import selectors as inbox_selectors

    return inbox_selectors.top_tagged_conversations(organization=crisis.organization_id, tag=queue_tag(crisis),
                                                    since=crisis.started_at - PRELUDE, by=by, limit=limit)


# --- people ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnCall:
    rota_name: str
    user: User | None


def on_call_now(*, organization: Organization, now: datetime | None = None) -> list[OnCall]:
    now = now or timezone.now()
    rotas = list(selectors.rota_list(organization=organization))
    shifts = [(rota, selectors.on_call_at(rota=rota, at=now)) for rota in rotas]
    people = selectors.users_by_id(organization=organization, user_ids={shift.user_id for _rota, shift in shifts})
    return [OnCall(rota_name=rota.name, user=people.get(shift.user_id)) for rota, shift in shifts]


def present_members(*, crisis: Crisis, now: datetime | None = None) -> list[CrisisMember]:
    """The cell's members whose room page said it was open within the last minute."""
    now = now or timezone.now()
    return list(selectors.crisis_members(crisis=crisis).filter(last_seen_at__gte=now - PRESENT_FOR)
                .order_by("role", "user__full_name", "pk"))


def membership_of(*, crisis: Crisis, user: User) -> CrisisMember | None:
    return selectors.crisis_members(crisis=crisis).filter(user=user).first()


def source_snippets(*, organization) -> list[tuple[str, str]]:
    """The active crisis's information sources, for the reply composer (registered in apps.ready)."""
    crisis = selectors.active_crisis(organization=organization)
    if crisis is None:
        return []
    return [(source.label, source.url) for source in selectors.crisis_sources(crisis=crisis)]
