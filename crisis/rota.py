"""Who is on call at time T: the one definition, shared by the rota page, escalation, handoffs and iCal.

Pure functions only (no database): `crisis.selectors` turns a rota's rows into a `RotaPlan` and
asks this module; the database stores the plan, never its answers.

Vocabulary:
- A *layer* rotates its members in order. Shift k starts at the local wall time
  `start + k * length` in the rota's time zone, so a daily 09:00 handoff stays at 09:00 across
  DST changes (that day's shift is then 23 or 25 real hours long). Hour-based shifts follow the
  wall clock too: a 12-hour 08:00/20:00 rotation keeps its handoffs at 08:00 and 20:00.
- A layer may be *restricted* to weekly windows (weekdays 09:00-18:00, nights 20:00-08:00,
  weekends): outside them it has nobody, and a lower layer answers.
- A higher `level` wins over a lower one.
- A *swap* (asked by one member, accepted by another) hands the asker's on-call time within its
  period to the other member; an *override* puts someone on call for a period whatever the
  layers say. Overrides win over swaps, which apply on top of the layers.
- Wall times skipped by a spring-forward change mean the change itself; wall times repeated by a
  fall-back change mean their first occurrence (the same rules as `inbox.sla`).

All datetimes given must be timezone-aware; results are in UTC.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

# Messages people read (restrictions they typed) are translated; the rest is for developers.
from django.utils.translation import gettext as _

# The one reading of a time-zone name, shared with the inbox's SLA clocks (a pure module as well).
from inbox.sla import zone_for

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
MINUTES_PER_DAY = 24 * 60
_TIME = re.compile(r"^(\d{1,2}):(\d{2})$")

Source = Literal["layer", "swap", "override", "gap"]


# --- time zones -----------------------------------------------------------------------------------


def _aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}")
    return value.astimezone(UTC)


def local_instant(wall: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant when the rota's clock reads the naive wall time `wall` (see module rules)."""
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant  # fold=0: the first occurrence of a repeated wall time
    # In a gap: fold=1 reads the offset after the change (an instant before it), fold=0 the
    # offset before (an instant after it); bisect to the change, which falls on a whole second.
    before = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = int(instant.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


# --- restrictions -----------------------------------------------------------------------------------


def _minutes(text: Any, *, is_end: bool) -> int:
    match = _TIME.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(_('"%(text)s" is not a time: write it as HH:MM (e.g. "09:00")') % {"text": text})
    hours, minutes = int(match[1]), int(match[2])
    if hours == 24 and minutes == 0 and is_end:
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(_('"%(text)s" is not a time of day (00:00 to 23:59, or 24:00 as an end)') % {"text": text})
    return hours * 60 + minutes


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@dataclass(frozen=True)
class Window:
    """A weekly window starting on each of `days` at `start` (minutes after local midnight).

    It ends at `end` the same day, or the next day when `end <= start` (nights: 20:00-08:00).
    """

    days: frozenset[int]
    start: int
    end: int

    def __post_init__(self) -> None:
        if not self.days or not self.days <= set(range(7)):
            raise ValueError(_("A restriction window needs at least one day, Monday to Sunday"))
        if not 0 <= self.start < MINUTES_PER_DAY or not 0 <= self.end <= MINUTES_PER_DAY:
            raise ValueError(_("A restriction window must start and end within the day (00:00 to 24:00)"))
        if self.start == self.end:
            raise ValueError(_("The window %(start)s-%(end)s is empty") % {"start": _hhmm(self.start), "end": _hhmm(self.end)})

    @property
    def crosses_midnight(self) -> bool:
        return self.end < self.start

    def intervals(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime] | None:
        """The window opening on local `day`, as a UTC interval, or None if it does not open that day."""
        if day.weekday() not in self.days:
            return None
        midnight = datetime(day.year, day.month, day.day)
        end_day = midnight + timedelta(days=1) if self.crosses_midnight else midnight
        start = local_instant(midnight + timedelta(minutes=self.start), zone)
        end = local_instant(end_day + timedelta(minutes=self.end), zone)
        return (start, end) if end > start else None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Window:
        if not isinstance(data, Mapping):
            raise ValueError(_('A restriction is written like {"days": ["mon", "fri"], "start": "09:00", "end": "18:00"}'))
        raw_days = data.get("days")
        if not isinstance(raw_days, list | tuple) or not raw_days:
            raise ValueError(_("A restriction needs its days, among %(days)s") % {"days": ", ".join(DAY_KEYS)})
        unknown = [day for day in raw_days if day not in DAY_KEYS]
        if unknown:
            raise ValueError(_('Unknown day "%(day)s": use %(days)s') % {"day": unknown[0], "days": ", ".join(DAY_KEYS)})
        return cls(
            days=frozenset(DAY_KEYS.index(day) for day in raw_days),
            start=_minutes(data.get("start"), is_end=False),
            end=_minutes(data.get("end"), is_end=True),
        )

    def to_json(self) -> dict[str, Any]:
        return {"days": [DAY_KEYS[d] for d in sorted(self.days)], "start": _hhmm(self.start), "end": _hhmm(self.end)}


def windows_from_json(data: Any) -> tuple[Window, ...]:
    if not data:
        return ()
    if not isinstance(data, list | tuple):
        raise ValueError(_("Restrictions must be a list of windows"))
    return tuple(Window.from_json(item) for item in data)


# --- the plan -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Layer:
    """Members rotate in order; shift k starts at wall time `start + k * length` (see module)."""

    id: int
    level: int
    members: tuple[int, ...]
    start: datetime  # naive wall time in the rota's zone: start date and handoff time
    length: timedelta
    windows: tuple[Window, ...] = ()

    def __post_init__(self) -> None:
        if not self.members:
            raise ValueError("A layer needs at least one member: a rota with nobody covers nothing")
        if self.start.tzinfo is not None:
            raise ValueError("A layer starts at a wall time of the rota's time zone (naive datetime)")
        if self.length < timedelta(hours=1) or self.length % timedelta(minutes=1):
            raise ValueError("A shift lasts at least one hour, in whole minutes")


@dataclass(frozen=True)
class Cover:
    """An override (`from_user` None: whoever was on call) or an accepted swap (`from_user` set)."""

    id: int
    user_id: int
    start: datetime
    end: datetime
    from_user: int | None = None

    def __post_init__(self) -> None:
        _aware("start", self.start)
        _aware("end", self.end)
        if self.end <= self.start:
            raise ValueError("A period must end after it starts")


@dataclass(frozen=True)
class RotaPlan:
    time_zone: str
    layers: tuple[Layer, ...] = ()
    overrides: tuple[Cover, ...] = ()
    swaps: tuple[Cover, ...] = ()
    zone: ZoneInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "zone", zone_for(self.time_zone))
        overlapping = find_overlap(self.overrides)
        if overlapping:
            raise ValueError("Overrides of one rota must not overlap")


@dataclass(frozen=True)
class Shift:
    """Someone (or nobody: a gap) on call from `start` to `end`, and why."""

    start: datetime
    end: datetime
    user_id: int | None
    source: Source
    layer_id: int | None = None
    source_id: int | None = None  # the override or swap
    index: int | None = None  # the layer's shift number

    @property
    def key(self) -> tuple:
        return (self.user_id, self.source, self.layer_id, self.source_id, self.index)


def find_overlap(periods: Iterable[Cover]) -> tuple[Cover, Cover] | None:
    ordered = sorted(periods, key=lambda c: c.start)
    for first, second in zip(ordered, ordered[1:], strict=False):
        if second.start < first.end:
            return first, second
    return None


# --- layers -----------------------------------------------------------------------------------


def _boundary(layer: Layer, index: int, zone: ZoneInfo) -> datetime:
    return local_instant(layer.start + index * layer.length, zone)


def _shift_index(layer: Layer, at: datetime, zone: ZoneInfo) -> int | None:
    """The layer's shift number containing `at`, or None before the layer starts."""
    if at < _boundary(layer, 0, zone):
        return None
    wall = at.astimezone(zone).replace(tzinfo=None)
    index = max(0, (wall - layer.start) // layer.length)
    # The wall-clock estimate is off by at most one around a DST change: settle it on instants.
    while _boundary(layer, index + 1, zone) <= at:
        index += 1
    while index > 0 and _boundary(layer, index, zone) > at:
        index -= 1
    return index


def _in_windows(layer: Layer, at: datetime, zone: ZoneInfo) -> bool:
    if not layer.windows:
        return True
    day = at.astimezone(zone).date()
    for window in layer.windows:
        for candidate in (day - timedelta(days=1), day):
            span = window.intervals(candidate, zone)
            if span is not None and span[0] <= at < span[1]:
                return True
    return False


def _layer_at(layer: Layer, at: datetime, zone: ZoneInfo) -> tuple[int, int] | None:
    """(member, shift index) of the layer at `at`, or None when it has nobody then."""
    index = _shift_index(layer, at, zone)
    if index is None or not _in_windows(layer, at, zone):
        return None
    return layer.members[index % len(layer.members)], index


def _resolve(plan: RotaPlan, at: datetime) -> tuple[int | None, Source, int | None, int | None, int | None]:
    """(user, source, layer, override or swap, shift index) at one instant."""
    for cover in plan.overrides:
        if cover.start <= at < cover.end:
            return cover.user_id, "override", None, cover.id, None
    for layer in sorted(plan.layers, key=lambda layer: -layer.level):
        found = _layer_at(layer, at, plan.zone)
        if found is None:
            continue
        user_id, index = found
        for swap in plan.swaps:
            if swap.start <= at < swap.end and swap.from_user == user_id:
                return swap.user_id, "swap", layer.id, swap.id, index
        return user_id, "layer", layer.id, None, index
    return None, "gap", None, None, None


def _boundaries(plan: RotaPlan, start: datetime, end: datetime) -> list[datetime]:
    """Every instant in (start, end) where the answer may change."""
    zone = plan.zone
    points: set[datetime] = set()
    for layer in plan.layers:
        first = _shift_index(layer, start, zone)
        index = 0 if first is None else first + 1
        while True:
            point = _boundary(layer, index, zone)
            if point >= end:
                break
            points.add(point)
            index += 1
        if layer.windows:
            day = start.astimezone(zone).date() - timedelta(days=1)
            last = end.astimezone(zone).date() + timedelta(days=1)
            while day <= last:
                for window in layer.windows:
                    span = window.intervals(day, zone)
                    if span is not None:
                        points.update(span)
                day += timedelta(days=1)
    for cover in (*plan.overrides, *plan.swaps):
        points.update((cover.start, cover.end))
    return sorted(point for point in points if start < point < end)


def timeline(plan: RotaPlan, start: datetime, end: datetime) -> list[Shift]:
    """Consecutive shifts covering exactly [start, end); gaps are shifts with nobody."""
    start, end = _aware("start", start), _aware("end", end)
    if end <= start:
        return []
    shifts: list[Shift] = []
    edges = [start, *_boundaries(plan, start, end), end]
    for left, right in zip(edges, edges[1:], strict=False):
        user_id, source, layer_id, source_id, index = _resolve(plan, left)
        shift = Shift(left, right, user_id, source, layer_id, source_id, index)
        if shifts and shifts[-1].key == shift.key and shifts[-1].end == left:
            shifts[-1] = replace(shifts[-1], end=right)
        else:
            shifts.append(shift)
    return shifts


def _reach(plan: RotaPlan) -> timedelta:
    """How far from an instant its shift can extend (the longest shift, plus a DST hour)."""
    longest = max((layer.length for layer in plan.layers), default=timedelta(days=1))
    return longest + timedelta(days=1)


def on_call_at(plan: RotaPlan, at: datetime) -> Shift:
    """The shift containing `at`: who is on call (or nobody), since when and until when."""
    at = _aware("at", at)
    reach = _reach(plan)
    start, end = at - reach, at + reach
    for cover in (*plan.overrides, *plan.swaps):
        if cover.start <= at < cover.end:
            start, end = min(start, cover.start), max(end, cover.end)
    for shift in timeline(plan, start, end):
        if shift.start <= at < shift.end:
            return shift
    raise AssertionError("unreachable: the timeline covers its whole range")


def coverage_gaps(plan: RotaPlan, start: datetime, end: datetime) -> list[Shift]:
    """Periods within [start, end) when nobody is on call."""
    return [shift for shift in timeline(plan, start, end) if shift.user_id is None]


def handoffs(plan: RotaPlan, start: datetime, end: datetime) -> list[tuple[Shift | None, Shift]]:
    """Each change of on-call person in (start, end]: (outgoing shift, incoming shift).

    Changes between two shifts of the same person are not handoffs.
    """
    shifts = timeline(plan, _aware("start", start) - timedelta(seconds=1), _aware("end", end) + timedelta(seconds=1))
    changes = []
    for previous, current in zip(shifts, shifts[1:], strict=False):
        if previous.user_id != current.user_id and start < current.start <= end:
            changes.append((previous, current))
    return changes


def shifts_of(plan: RotaPlan, user_id: int, start: datetime, end: datetime) -> list[Shift]:
    return [shift for shift in timeline(plan, start, end) if shift.user_id == user_id]

