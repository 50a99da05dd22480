"""First-response SLA clocks: business hours, working-time arithmetic and the clock state machine.

Pure functions only (no database, no Django models), so the inbox services, the workers that flag
breaches and the reports all share one definition of "how much working time has passed".

Vocabulary:
- *Working time* is the real time (in seconds, not wall-clock hours) spent inside the organization's
  business hours, or all time when it has none (24/7).
- A clock *starts* on the first inbound message of a conversation (or when a closed conversation
  reopens: callers start a fresh clock), *pauses* while the conversation is pending or snoozed,
  *resumes* when it returns to new/open and *stops* at the first reply.
- A clock is *breached* once its elapsed working time exceeds its target. `due_at` is the deadline:
  a reply at or before it meets the target, any instant after it is a breach. When the target runs
  out exactly as business hours close, the deadline is therefore the next opening (no working time
  passes in between), which keeps `clock_state` and the database filter `due_at < now` in agreement.

All datetimes must be timezone-aware; results are returned in UTC.

Storage (see `SlaClock.to_fields`), on the conversation row:
    sla_target_seconds  integer      target working time, after priority and crisis tightening
    sla_started_at      timestamptz  first inbound message (or reopening)
    sla_elapsed_seconds float        working time banked by earlier runs (before the last pause)
    sla_running_since   timestamptz  start of the current run; null while paused
    sla_paused_at       timestamptz  set while pending/snoozed (the "paused" flag)
    sla_stopped_at      timestamptz  first reply; the clock is final once set
    sla_due_at          timestamptz  deadline of a running clock, or when an already-breached
                                     clock ran out; null while paused within target
Overdue queue: `sla_stopped_at IS NULL AND sla_due_at < now()`; paused clocks that were already
breached stay in it on purpose, since pausing a conversation does not undo a missed deadline.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

PRIORITIES = ("urgent", "high", "normal", "low")

# Users expect an answer on Twitter within about two hours, hence "normal" at 2 h.
DEFAULT_TARGETS: Mapping[str, timedelta] = {
    "urgent": timedelta(minutes=30),
    "high": timedelta(hours=1),
    "normal": timedelta(hours=2),
    "low": timedelta(hours=8),
}

DAY_KEYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # index = date.weekday()
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MINUTES_PER_DAY = 24 * 60

ClockState = Literal["running", "due_soon", "breached", "paused", "met", "missed"]

_TIME_PATTERN = re.compile(r"^(\d{1,2}):(\d{2})$")

Period = tuple[int, int]  # opening and closing, in minutes after local midnight (closing may be 1440)


# --- time zones and datetimes -------------------------------------------------------------------


def zone_for(name: str) -> ZoneInfo:
    """The IANA zone called `name`, or a ValueError a person can act on."""
    hint = 'use an IANA name such as "Europe/Paris" or "America/New_York"'
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"Time zone is missing: {hint}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        # ZoneInfo raises ValueError for malformed keys ("../x", absolute paths) as well.
        raise ValueError(f'Unknown time zone "{name}": {hint}') from None


def _require_aware(name: str, value: datetime) -> datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime, got naive {value.isoformat()}")
    return value.astimezone(UTC)


# --- business hours -----------------------------------------------------------------------------


def _format_minutes(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def _parse_time(day_name: str, text: Any, *, is_end: bool) -> int:
    match = _TIME_PATTERN.match(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f'{day_name}: "{text}" is not a time, write it as HH:MM (e.g. "09:00")')
    hours, minutes = int(match[1]), int(match[2])
    if hours == 24 and minutes == 0:
        if not is_end:
            raise ValueError(f'{day_name}: "24:00" can only end a period; start the day at "00:00"')
        return MINUTES_PER_DAY
    if hours > 23 or minutes > 59:
        raise ValueError(f'{day_name}: "{text}" is not a time of day (00:00 to 23:59, or 24:00 as an end)')
    return hours * 60 + minutes


@dataclass(frozen=True)
class BusinessHours:
    """Opening periods per weekday, in the organization's local wall-clock time.

    `week[date.weekday()]` lists that day's periods, sorted and non-overlapping. A week with no
    period at all means "always open" (the clock runs 24/7), which is what `{}` or None parse to.
    """

    week: tuple[tuple[Period, ...], ...] = ((),) * 7
    # Whole local days closed whatever the weekday says (public holidays). Only with business hours:
    # a clock running 24/7 has no holidays.
    holidays: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        if len(self.week) != 7:
            raise ValueError("Business hours need exactly seven days, Monday first")
        for day_name, periods in zip(DAY_NAMES, self.week, strict=True):
            previous: Period | None = None
            for opening, closing in periods:
                span = f"{_format_minutes(opening)}–{_format_minutes(closing)}"
                if not 0 <= opening < MINUTES_PER_DAY or not 0 < closing <= MINUTES_PER_DAY:
                    raise ValueError(f"{day_name}: {span} is outside the day (00:00 to 24:00)")
                if closing < opening:
                    raise ValueError(
                        f"{day_name}: {span} ends before it starts; split a period that runs past "
                        f"midnight into one ending at 24:00 and one starting at 00:00 the next day"
                    )
                if closing == opening:
                    raise ValueError(f"{day_name}: {span} is empty, remove it or give it an end")
                if previous is not None and opening < previous[1]:
                    earlier = f"{_format_minutes(previous[0])}–{_format_minutes(previous[1])}"
                    raise ValueError(f"{day_name}: {earlier} overlaps {span}")
                previous = (opening, closing)

    @property
    def always_open(self) -> bool:
        return not any(self.week)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> BusinessHours:
        """Parse `{"mon": [["09:00", "12:30"], ["13:30", "18:00"]], ..., "holidays": ["2026-12-25"]}`;
        a missing day is closed."""
        if not data:
            return cls()
        if not isinstance(data, Mapping):
            raise ValueError('Business hours must map days to periods, like {"mon": [["09:00", "18:00"]]}')
        data = dict(data)
        holidays = _parse_holidays(data.pop("holidays", None) or [])
        unknown = [key for key in data if key not in DAY_KEYS]
        if unknown:
            raise ValueError(f'Unknown day "{unknown[0]}": use {", ".join(DAY_KEYS)}')
        week: list[tuple[Period, ...]] = []
        for key, day_name in zip(DAY_KEYS, DAY_NAMES, strict=True):
            raw_periods = data.get(key) or []
            if not isinstance(raw_periods, list | tuple):
                raise ValueError(f'{day_name}: expected a list of periods, like [["09:00", "18:00"]]')
            periods: list[Period] = []
            for raw in raw_periods:
                if not isinstance(raw, list | tuple) or len(raw) != 2:
                    raise ValueError(
                        f'{day_name}: each period needs a start and an end, like ["09:00", "18:00"], got {raw!r}'
                    )
                periods.append(
                    (_parse_time(day_name, raw[0], is_end=False), _parse_time(day_name, raw[1], is_end=True))
                )
            week.append(tuple(sorted(periods)))
        if not any(week):
            # Otherwise every deadline would be "never": make the intent explicit instead.
            raise ValueError(
                "Business hours are closed every day: open at least one period, "
                "or leave business hours empty to run the clock 24/7"
            )
        return cls(week=tuple(week), holidays=holidays)

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            key: [[_format_minutes(opening), _format_minutes(closing)] for opening, closing in periods]
            for key, periods in zip(DAY_KEYS, self.week, strict=True)
            if periods
        }
        if self.holidays:
            data["holidays"] = [day.isoformat() for day in sorted(self.holidays)]
        return data


def _parse_holidays(raw: Any) -> frozenset[date]:
    if not isinstance(raw, list | tuple):
        raise ValueError('Holidays must be a list of dates, like ["2026-12-25"]')
    days = set()
    for item in raw:
        try:
            days.add(date.fromisoformat(str(item).strip()))
        except ValueError:
            raise ValueError(f'Holiday "{item}" is not a date: write it as 2026-12-25') from None
    return frozenset(days)


def _local_instant(day: date, minutes: int, zone: ZoneInfo) -> datetime:
    """The UTC instant when the local clock reads `minutes` after midnight of `day` (1440 = next midnight).

    A wall time repeated by a fall-back change means its first occurrence. A wall time skipped by
    a spring-forward change means the change itself: a shop "opening at 02:30" on that night
    opens when the clock jumps from 02:00 to 03:00.
    """
    wall = datetime(day.year, day.month, day.day) + timedelta(minutes=minutes)
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # In a gap, fold=1 reads the wall time with the offset after the change (an instant before
    # it) and fold=0 with the offset before (an instant after it): bisect to the change, which
    # zoneinfo places on a whole second.
    before = int(wall.replace(tzinfo=zone, fold=1).timestamp())
    after = int(instant.timestamp())
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).replace(tzinfo=None) >= wall:
            after = middle
        else:
            before = middle
    return datetime.fromtimestamp(after, UTC)


def _open_periods(
    hours: BusinessHours, zone: ZoneInfo, since: datetime
) -> Iterator[tuple[datetime, datetime]]:
    """Open periods as increasing, non-overlapping UTC intervals, clipped to start at `since`.

    Clipping to the end of the previous period guards against zones whose changes happen at
    midnight, where one day's closing can fall after the next day's opening. Endless: callers
    stop once they have counted enough. Each step is one period, so a long gap
    (a closed weekend, a month-long pause) costs a few iterations per day, not per minute.
    """
    # Start a day early: after DST shifts a period of the previous local day may still be open.
    day = since.astimezone(zone).date() - timedelta(days=1)
    floor = since
    while True:
        if day in hours.holidays:
            day += timedelta(days=1)
            continue
        for opening, closing in hours.week[day.weekday()]:
            start = max(_local_instant(day, opening, zone), floor)
            end = _local_instant(day, closing, zone)
            if end > start:
                yield start, end
                floor = end
        day += timedelta(days=1)


def add_working_time(
    *, start: datetime, duration: timedelta, hours: BusinessHours | None, tz: str
) -> datetime:
    """The deadline once `duration` of working time has elapsed after `start`, in UTC.

    Outside business hours, counting begins at the next opening. If the duration runs out exactly
    at a closing, the result is the next opening: for every instant t,
    `t > result` if and only if `working_time_between(start, t) > duration`.
    """
    start = _require_aware("start", start)
    zone = zone_for(tz)
    if duration < timedelta(0):
        raise ValueError(f"duration must not be negative, got {duration}")
    if hours is None or hours.always_open:
        return start + duration
    left = duration
    for opening, closing in _open_periods(hours, zone, start):
        if left < closing - opening:
            return opening + left
        left -= closing - opening
    raise AssertionError("unreachable: open periods never run out")


def working_time_between(
    *, start: datetime, end: datetime, hours: BusinessHours | None, tz: str
) -> timedelta:
    """Working time from `start` to `end`; zero when `end` is not after `start`."""
    start = _require_aware("start", start)
    end = _require_aware("end", end)
    zone = zone_for(tz)
    if end <= start:
        return timedelta(0)
    if hours is None or hours.always_open:
        return end - start
    total = timedelta(0)
    for opening, closing in _open_periods(hours, zone, start):
        if opening >= end:
            break
        total += min(closing, end) - opening
    return total


# --- policy -------------------------------------------------------------------------------------


MAX_TARGET_MINUTES = 366 * 24 * 60


@dataclass(frozen=True)
class SlaPolicy:
    """An organization's first-response targets, business hours and time zone."""

    targets: Mapping[str, timedelta] = field(default_factory=lambda: dict(DEFAULT_TARGETS))
    hours: BusinessHours | None = None  # None: the clock runs 24/7
    time_zone: str = "UTC"

    def __post_init__(self) -> None:
        zone_for(self.time_zone)
        missing = [priority for priority in PRIORITIES if priority not in self.targets]
        if missing:
            raise ValueError(f'No first-response target for priority "{missing[0]}"')
        unknown = [priority for priority in self.targets if priority not in PRIORITIES]
        if unknown:
            raise ValueError(f'Unknown priority "{unknown[0]}": use {", ".join(PRIORITIES)}')
        for priority, target in self.targets.items():
            # Whole minutes keep targets readable in settings and exact in integer storage.
            if target <= timedelta(0) or target % timedelta(minutes=1):
                raise ValueError(f'First-response target for "{priority}" must be whole minutes above zero')

    def target_for(self, priority: str) -> timedelta:
        try:
            return self.targets[priority]
        except KeyError:
            raise ValueError(f'Unknown priority "{priority}": use {", ".join(PRIORITIES)}') from None

    def tightened(self, factor: float, *, round_the_clock: bool = False) -> SlaPolicy:
        """The crisis-mode policy: every target times `factor` (e.g. 0.25), optionally 24/7.

        Targets are rounded down to whole minutes, never below one minute, so a crisis policy is
        never looser than the factor asked for.
        """
        if not 0 < factor <= 1:
            raise ValueError(f"Crisis factor must be above 0 and at most 1 (e.g. 0.25), got {factor}")
        targets = {
            priority: timedelta(minutes=max(1, math.floor(target / timedelta(minutes=1) * factor)))
            for priority, target in self.targets.items()
        }
        return replace(self, targets=targets, hours=None if round_the_clock else self.hours)

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> SlaPolicy:
        """Parse `{"time_zone": ..., "targets_minutes": {...}, "business_hours": {...}}`.

        Missing keys fall back to the defaults (UTC, default targets, 24/7).
        """
        data = data or {}
        known = ("time_zone", "targets_minutes", "business_hours")
        unknown = [key for key in data if key not in known]
        if unknown:
            raise ValueError(f'Unknown SLA setting "{unknown[0]}": use {", ".join(known)}')
        raw_targets = data.get("targets_minutes")
        raw_targets = {} if raw_targets is None else raw_targets
        if not isinstance(raw_targets, Mapping):
            raise ValueError('targets_minutes must map priorities to minutes, like {"urgent": 30}')
        targets = dict(DEFAULT_TARGETS)
        for priority, minutes in raw_targets.items():
            if priority not in PRIORITIES:
                raise ValueError(f'Unknown priority "{priority}": use {", ".join(PRIORITIES)}')
            if isinstance(minutes, bool) or not isinstance(minutes, int) or not 0 < minutes <= MAX_TARGET_MINUTES:
                raise ValueError(
                    f'First-response target for "{priority}" must be a whole number of minutes above zero and '
                    f"at most {MAX_TARGET_MINUTES} (a year), got {minutes!r}"
                )
            targets[priority] = timedelta(minutes=minutes)
        hours = BusinessHours.from_json(data.get("business_hours"))
        return cls(
            targets=targets,
            hours=None if hours.always_open else hours,
            time_zone=data.get("time_zone", "UTC"),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "time_zone": self.time_zone,
            "targets_minutes": {
                priority: self.targets[priority] // timedelta(minutes=1) for priority in PRIORITIES
            },
            "business_hours": self.hours.to_json() if self.hours is not None else {},
        }


# --- clocks -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SlaClock:
    """One conversation's first-response clock. Phases:

    - running: `running_since` set, `paused_at` and `stopped_at` null, `due_at` set;
    - paused: `running_since` null, `paused_at` set, the working time so far banked in
      `elapsed_before_pause`;
    - stopped: `stopped_at` set; the other fields are left as they were so the last run can
      still be measured (stopping needs no policy).
    """

    target: timedelta
    started_at: datetime
    elapsed_before_pause: timedelta = timedelta(0)
    running_since: datetime | None = None
    paused_at: datetime | None = None
    stopped_at: datetime | None = None
    due_at: datetime | None = None

    @property
    def is_stopped(self) -> bool:
        return self.stopped_at is not None

    @property
    def is_paused(self) -> bool:
        return self.stopped_at is None and self.paused_at is not None

    @property
    def is_running(self) -> bool:
        return self.stopped_at is None and self.running_since is not None

    def to_fields(self) -> dict[str, Any]:
        """Column values for the conversation row (names documented at the top of this module)."""
        return {
            "sla_target_seconds": self.target // timedelta(seconds=1),
            "sla_started_at": self.started_at,
            "sla_elapsed_seconds": self.elapsed_before_pause.total_seconds(),
            "sla_running_since": self.running_since,
            "sla_paused_at": self.paused_at,
            "sla_stopped_at": self.stopped_at,
            "sla_due_at": self.due_at,
        }

    @classmethod
    def from_fields(cls, fields: Mapping[str, Any]) -> SlaClock:
        return cls(
            target=timedelta(seconds=fields["sla_target_seconds"]),
            started_at=fields["sla_started_at"],
            elapsed_before_pause=timedelta(seconds=fields["sla_elapsed_seconds"]),
            running_since=fields["sla_running_since"],
            paused_at=fields["sla_paused_at"],
            stopped_at=fields["sla_stopped_at"],
            due_at=fields["sla_due_at"],
        )


def clock_start(*, policy: SlaPolicy, priority: str, at: datetime) -> SlaClock:
    """A running clock for a conversation whose first inbound message (or reopening) is at `at`."""
    at = _require_aware("at", at)
    target = policy.target_for(priority)
    return SlaClock(
        target=target,
        started_at=at,
        running_since=at,
        due_at=add_working_time(start=at, duration=target, hours=policy.hours, tz=policy.time_zone),
    )


def elapsed(*, clock: SlaClock, now: datetime, policy: SlaPolicy) -> timedelta:
    """Working time the clock has counted by `now` (frozen at the first reply once stopped)."""
    now = _require_aware("now", now)
    total = clock.elapsed_before_pause
    if clock.running_since is not None:
        until = now if clock.stopped_at is None else min(now, clock.stopped_at)
        total += working_time_between(
            start=clock.running_since, end=until, hours=policy.hours, tz=policy.time_zone
        )
    return total


def remaining(*, clock: SlaClock, now: datetime, policy: SlaPolicy) -> timedelta:
    """Working time left before the target; negative once breached (or missed, when stopped)."""
    return clock.target - elapsed(clock=clock, now=now, policy=policy)


def clock_pause(*, clock: SlaClock, at: datetime, policy: SlaPolicy) -> SlaClock:
    """Pause a running clock (conversation set pending or snoozed); other clocks are unchanged."""
    if not clock.is_running:
        return clock  # pending -> snoozed, or a late event after the reply: nothing to pause
    at = _require_aware("at", at)
    banked = elapsed(clock=clock, now=at, policy=policy)
    return replace(
        clock,
        elapsed_before_pause=banked,
        running_since=None,
        paused_at=at,
        # A deadline that already passed stays visible in the overdue queue while paused.
        due_at=clock.due_at if banked > clock.target else None,
    )


def clock_resume(*, clock: SlaClock, at: datetime, policy: SlaPolicy) -> SlaClock:
    """Resume a paused clock (conversation back to new/open); the deadline moves by the pause."""
    if not clock.is_paused:
        return clock
    at = _require_aware("at", at)
    left = clock.target - clock.elapsed_before_pause
    due_at = (
        add_working_time(start=at, duration=left, hours=policy.hours, tz=policy.time_zone)
        if left >= timedelta(0)
        else clock.due_at  # breached before the pause: keep when it ran out
    )
    return replace(clock, running_since=at, paused_at=None, due_at=due_at)


def clock_stop(*, clock: SlaClock, at: datetime) -> SlaClock:
    """Stop the clock at the first reply; later calls keep the first reply's instant."""
    if clock.is_stopped:
        return clock
    return replace(clock, stopped_at=_require_aware("at", at))


def clock_retarget(
    *,
    clock: SlaClock,
    policy: SlaPolicy,
    priority: str,
    at: datetime,
    previous_policy: SlaPolicy | None = None,
) -> SlaClock:
    """Apply a new target from `at` on: a priority change, or crisis mode tightening targets.

    Working time up to `at` is measured with `previous_policy` (default: `policy`) and kept, and
    counting continues under `policy` from `at`: switching to 24/7 hours in a crisis must not
    turn last night's closed hours into working time. If the new target is already exceeded, the
    clock is breached as of `at` (or as of its earlier deadline if it was already breached).
    A stopped clock is final and returned unchanged.
    """
    if clock.is_stopped:
        return clock
    at = _require_aware("at", at)
    banked = elapsed(clock=clock, now=at, policy=previous_policy or policy)
    target = policy.target_for(priority)
    left = target - banked
    if left < timedelta(0):
        already_due = clock.due_at is not None and clock.due_at <= at
        due_at: datetime | None = clock.due_at if already_due else at
    elif clock.is_paused:
        due_at = None
    else:
        due_at = add_working_time(start=at, duration=left, hours=policy.hours, tz=policy.time_zone)
    return replace(
        clock,
        target=target,
        elapsed_before_pause=banked,
        running_since=at if clock.is_running else None,
        due_at=due_at,
    )


def clock_state(
    *, clock: SlaClock, now: datetime, policy: SlaPolicy, due_soon: timedelta = timedelta(minutes=15)
) -> ClockState:
    """Where the clock stands at `now`; `due_soon` is a window of remaining working time."""
    left = remaining(clock=clock, now=now, policy=policy)
    if clock.is_stopped:
        return "met" if left >= timedelta(0) else "missed"
    if left < timedelta(0):
        return "breached"  # even while paused: pending does not undo a missed deadline
    if clock.is_paused:
        return "paused"
    if left <= due_soon:
        return "due_soon"
    return "running"
