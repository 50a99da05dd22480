"""The crisis report, as plain data computed from plain inputs (no database, no clock).

`crisis.report_selectors.crisis_report` gathers the rows (timeline events, minute counters, the
inbox's first-response figures) and hands them here. The page, the PDF, the CSV, the JSON and the
drill's last line all read the same `CrisisReport`, so they can never disagree.

Times are seconds from the crisis's `started_at` (the storm's first minute), following the timeline
conventions: detection is the first DETECTED line, the first page the first PAGED, then ACKNOWLEDGED,
DECLARED, and the first statement the first STATEMENT line whose action is "published". A moment that
did not happen is None (shown as "—"), never 0, which would read as "at once".
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import pgettext

# Chart resolution: the smallest bin (in minutes) that keeps a series under MAX_POINTS points, so a
# two-hour storm keeps its minutes and a three-day crisis still draws quickly.
BIN_MINUTES = (1, 5, 15, 30, 60, 180, 360, 720, 1440)
MAX_POINTS = 180
# The chart starts a little before the storm, to show the calm it broke.
LEAD_IN = timedelta(minutes=30)

MILESTONES = ("detected", "paged", "acked", "declared", "first_statement")
_FIRST_OF_KIND = {"detected": "detected", "paged": "paged", "acked": "acknowledged", "declared": "declared"}


@dataclass(frozen=True)
class Event:
    """A timeline line as the report needs it."""

    at: datetime
    kind: str
    actor_id: int | None = None
    text: str = ""
    data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def action(self) -> str:
        return str((self.data or {}).get("action", ""))


@dataclass(frozen=True)
class Point:
    """One bin of the volume chart: mentions arrived in [at, at + bin), negative ones, re-shares."""

    at: datetime
    mentions: int = 0
    negative: int = 0
    reshares: int = 0

    @property
    def negative_pct(self) -> float | None:
        return round(100 * self.negative / self.mentions, 1) if self.mentions else None


@dataclass(frozen=True)
class Milestones:
    detected_s: int | None = None
    paged_s: int | None = None
    acked_s: int | None = None
    declared_s: int | None = None
    first_statement_s: int | None = None

    def items(self) -> list[tuple[str, int | None]]:
        return [(name, getattr(self, f"{name}_s")) for name in MILESTONES]


@dataclass(frozen=True)
class ResponseTimes:
    """The inbox's first-response figures for the crisis's conversations (see inbox.selectors.FirstResponseFigures)."""

    scope: str  # "queue": the crisis queue's conversations; "window": every conversation created during the crisis
    conversations: int = 0
    answered: int = 0
    median_s: int | None = None
    p90_s: int | None = None
    sla_settled: int = 0
    sla_met: int = 0
    sla_met_pct: float | None = None
    answer_due: int = 0
    answered_2h: int = 0
    answered_2h_pct: float | None = None


@dataclass(frozen=True)
class PersonFigures:
    user_id: int
    name: str
    role: str = ""  # the cell role, "" for someone outside the cell (an agent answering the queue)
    replies_sent: int = 0
    statements_drafted: int = 0
    statements_approved: int = 0
    statements_published: int = 0
    cluster_replies: int = 0
    decisions: int = 0
    tasks_done: int = 0
    notes: int = 0

    @property
    def total(self) -> int:
        return (self.replies_sent + self.statements_drafted + self.statements_approved + self.statements_published
                + self.cluster_replies + self.decisions + self.tasks_done + self.notes)


@dataclass(frozen=True)
class TimelineLine:
    at: datetime
    offset_s: int  # from started_at (negative before it)
    kind: str
    action: str
    actor_id: int | None
    actor: str
    text: str


@dataclass(frozen=True)
class Decision:
    at: datetime
    offset_s: int
    actor: str
    text: str


@dataclass(frozen=True)
class Task:
    title: str
    owner: str
    created_at: datetime
    due_at: datetime | None
    done_at: datetime | None

    @property
    def late(self) -> bool:
        return self.due_at is not None and (self.done_at is None or self.done_at > self.due_at)


@dataclass(frozen=True)
class CrisisReport:
    crisis_id: int
    title: str
    severity: int
    status: str
    is_drill: bool
    started_at: datetime
    declared_at: datetime
    closed_at: datetime | None
    closed_by: str
    closing_summary: str
    until: datetime  # the end of the figures: closing time, or now for an active crisis
    times: Milestones
    response: ResponseTimes
    bin_minutes: int
    series: tuple[Point, ...]
    timeline: tuple[TimelineLine, ...]
    people: tuple[PersonFigures, ...]
    decisions: tuple[Decision, ...]
    tasks: tuple[Task, ...]
    total_mentions: int = 0  # counted from the storm's first minute to `until` (the chart starts earlier)

    # The agreed names (the drill prints them).
    @property
    def detected_s(self) -> int | None:
        return self.times.detected_s

    @property
    def paged_s(self) -> int | None:
        return self.times.paged_s

    @property
    def acked_s(self) -> int | None:
        return self.times.acked_s

    @property
    def declared_s(self) -> int | None:
        return self.times.declared_s

    @property
    def first_statement_s(self) -> int | None:
        return self.times.first_statement_s

    @property
    def answered_2h_pct(self) -> float | None:
        """Of the crisis's mentions whose answer was due, the share (%) answered within 2 hours.

        A mention here is a conversation one person started during the crisis (in its queue, or any
        conversation of the period when the queue is empty), counted once whatever its follow-ups.
        It was answered within 2 hours when its first reply was sent at most 2 hours after it
        arrived. It is due once answered or once its 2 hours have passed; one still inside its 2
        hours and unanswered is left out, so an active crisis is not marked down for fresh mentions.
        None when nothing was due. Computed in SQL by inbox.selectors.first_response_figures.
        """
        return self.response.answered_2h_pct

    @property
    def is_final(self) -> bool:
        return self.closed_at is not None

    @property
    def duration_s(self) -> int:
        return seconds_between(self.started_at, self.until)

    @property
    def peak(self) -> Point | None:
        return max(self.series, key=lambda p: p.mentions) if self.series else None

    def drill_line(self, scenario: str) -> str:
        """The drill's last line: `drill=<scenario> detected_s=<n> ...` ("-" for what did not happen)."""
        pct = self.answered_2h_pct
        values = [*(f"{name}_s={'-' if value is None else value}" for name, value in self.times.items()),
                  f"answered_2h_pct={'-' if pct is None else round(pct)}"]
        return " ".join([f"drill={scenario}", *values])


def seconds_between(start: datetime, end: datetime) -> int:
    return round((end - start).total_seconds())


def milestones(events: Iterable[Event], started_at: datetime) -> Milestones:
    """The first moment of each milestone, in seconds from `started_at` (None when it did not happen)."""
    first: dict[str, datetime] = {}
    for event in sorted(events, key=lambda e: e.at):
        for name, kind in _FIRST_OF_KIND.items():
            if event.kind == kind and name not in first:
                first[name] = event.at
        if event.kind == "statement" and event.action == "published" and "first_statement" not in first:
            first["first_statement"] = event.at
    return Milestones(**{f"{name}_s": seconds_between(started_at, first[name]) if name in first else None
                         for name in MILESTONES})


def bin_minutes_for(start: datetime, end: datetime) -> int:
    minutes = max((end - start).total_seconds() / 60, 1)
    for size in BIN_MINUTES:
        if minutes / size <= MAX_POINTS:
            return size
    return BIN_MINUTES[-1]


def floor_to_bin(at: datetime, size: int) -> datetime:
    """`at` floored to its bin; bins are aligned on the hour (or the day for bins of a day) so that
    5-minute bins read 10:05, 10:10."""
    at = at.replace(second=0, microsecond=0)
    if size >= 1440:
        return at.replace(hour=0, minute=0)
    if size >= 60:
        return at.replace(minute=0) - timedelta(hours=at.hour % (size // 60))
    return at - timedelta(minutes=at.minute % size)


def series(minutes: Mapping[datetime, tuple[int, int, int]], start: datetime, end: datetime) -> tuple[int, list[Point]]:
    """Minute counters (mentions, negative, re-shares by minute) summed into bins from `start` to
    `end`, empty bins included (a gap in the curve would hide a quiet spell). Returns (bin minutes, points)."""
    size = bin_minutes_for(start, end)
    step = timedelta(minutes=size)
    sums: dict[datetime, list[int]] = defaultdict(lambda: [0, 0, 0])
    first = floor_to_bin(start, size)
    for minute, counts in minutes.items():
        if first <= minute <= end:
            row = sums[floor_to_bin(minute, size)]
            for i in range(3):
                row[i] += counts[i]
    points, at = [], first
    while at <= end:
        mentions, negative, reshares = sums.get(at, (0, 0, 0))
        points.append(Point(at=at, mentions=mentions, negative=negative, reshares=reshares))
        at += step
    return size, points


def timeline(events: Iterable[Event], started_at: datetime, names: Mapping[int, str]) -> list[TimelineLine]:
    return [TimelineLine(at=e.at, offset_s=seconds_between(started_at, e.at), kind=e.kind, action=e.action,
                         actor_id=e.actor_id, actor=names.get(e.actor_id, "") if e.actor_id else "", text=e.text)
            for e in sorted(events, key=lambda e: e.at)]


# What each timeline line counts for its actor.
_PERSON_COUNTS = {
    ("statement", "drafted"): "statements_drafted",
    ("statement", "approved"): "statements_approved",
    ("statement", "published"): "statements_published",
    ("cluster_reply", "started"): "cluster_replies",
    ("task", "done"): "tasks_done",
    ("decision", ""): "decisions",
    ("note", ""): "notes",
}


def people(events: Iterable[Event], replies_sent: Mapping[int, int], names: Mapping[int, str],
           roles: Mapping[int, str]) -> list[PersonFigures]:
    """Who did what: per person, what the timeline says they did and the replies they sent.
    Cell members come first (even when they did nothing: an absence is worth seeing), busiest first."""
    counts: dict[int, Counter] = defaultdict(Counter)
    for event in events:
        if event.actor_id is None:
            continue
        action = "" if event.kind in ("decision", "note") else event.action
        if name := _PERSON_COUNTS.get((event.kind, action)):
            counts[event.actor_id][name] += 1
    for user_id, sent in replies_sent.items():
        counts[user_id]["replies_sent"] += sent
    rows = [PersonFigures(user_id=user_id, name=names.get(user_id, ""), role=roles.get(user_id, ""),
                          **counts.get(user_id, {}))
            for user_id in set(counts) | set(roles)]
    return sorted(rows, key=lambda p: (not p.role, -p.total, p.name, p.user_id))


def decisions(events: Sequence[Event], started_at: datetime, names: Mapping[int, str]) -> list[Decision]:
    return [Decision(at=e.at, offset_s=seconds_between(started_at, e.at), text=e.text,
                     actor=names.get(e.actor_id, "") if e.actor_id else "")
            for e in sorted(events, key=lambda e: e.at) if e.kind == "decision"]


def duration_text(seconds: int | float | None) -> str:
    """A duration as people read it in a report: 45 s, 12 min 5 s, 3 h 20 min, 2 d 4 h; "—" when none."""
    if seconds is None:
        return "—"
    seconds = round(seconds)
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    units = [(days, pgettext("duration unit", "d")), (hours, pgettext("duration unit", "h")),
             (minutes, pgettext("duration unit", "min")), (secs, pgettext("duration unit", "s"))]
    # The two largest units from the first that is not zero: "3 h 20 min", not "3 h 20 min 12 s".
    start = next((i for i, (value, _unit) in enumerate(units) if value), len(units) - 1)
    first, *following = units[start:start + 2]
    shown = [first] + [pair for pair in following if pair[0]]
    shown = [f"{value}\u00a0{unit}" for value, unit in shown]
    return sign + " ".join(shown)
