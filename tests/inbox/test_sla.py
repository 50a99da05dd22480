"""SLA clocks: business-hours arithmetic, DST, the clock state machine, validation and storage.

Pure functions, so no database. Week of reference: Monday 2026-01-05 in Europe/Paris (winter,
UTC+1). DST changes used: Paris 2026-03-29 (02:00 -> 03:00) and 2025-10-26 (03:00 -> 02:00),
New York 2026-03-08 (02:00 -> 03:00) and 2026-11-01 (02:00 -> 01:00).
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from inbox.sla import (
    DEFAULT_TARGETS,
    BusinessHours,
    SlaClock,
    SlaPolicy,
    add_working_time,
    clock_pause,
    clock_resume,
    clock_retarget,
    clock_start,
    clock_state,
    clock_stop,
    elapsed,
    remaining,
    working_time_between,
)

PARIS = "Europe/Paris"
NEW_YORK = "America/New_York"

WEEKDAYS_WITH_LUNCH = {
    day: [["09:00", "12:30"], ["13:30", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")
}
OFFICE = BusinessHours.from_json(WEEKDAYS_WITH_LUNCH)
OFFICE_POLICY = SlaPolicy(hours=OFFICE, time_zone=PARIS)
ROUND_THE_CLOCK_POLICY = SlaPolicy(time_zone=PARIS)


def paris(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(PARIS), fold=fold)


def new_york(*args: int, fold: int = 0) -> datetime:
    return datetime(*args, tzinfo=ZoneInfo(NEW_YORK), fold=fold)


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# --- business-hours arithmetic ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        pytest.param(
            paris(2026, 1, 5, 10, 0), timedelta(hours=1), paris(2026, 1, 5, 11, 0), id="inside-a-period"
        ),
        pytest.param(
            paris(2026, 1, 5, 12, 0), timedelta(hours=1), paris(2026, 1, 5, 14, 0), id="across-lunch"
        ),
        pytest.param(
            paris(2026, 1, 5, 7, 0), timedelta(minutes=30), paris(2026, 1, 5, 9, 30), id="before-opening"
        ),
        pytest.param(
            paris(2026, 1, 5, 12, 45), timedelta(minutes=30), paris(2026, 1, 5, 14, 0), id="during-lunch"
        ),
        pytest.param(
            paris(2026, 1, 5, 18, 0), timedelta(minutes=30), paris(2026, 1, 6, 9, 30), id="at-closing"
        ),
        pytest.param(
            paris(2026, 1, 9, 17, 30), timedelta(hours=1), paris(2026, 1, 12, 9, 30), id="over-weekend"
        ),
        pytest.param(
            paris(2026, 1, 10, 10, 0), timedelta(hours=2), paris(2026, 1, 12, 11, 0), id="on-saturday"
        ),
        pytest.param(
            paris(2026, 1, 5, 9, 0), timedelta(hours=16), paris(2026, 1, 7, 9, 0), id="two-full-days"
        ),
        pytest.param(
            paris(2026, 1, 5, 9, 0), timedelta(hours=40), paris(2026, 1, 12, 9, 0), id="a-full-week"
        ),
        pytest.param(paris(2026, 1, 5, 10, 0), timedelta(0), paris(2026, 1, 5, 10, 0), id="nothing-inside"),
        pytest.param(
            paris(2026, 1, 11, 10, 0), timedelta(0), paris(2026, 1, 12, 9, 0), id="nothing-on-sunday"
        ),
        # Running out exactly at a closing: any reply before the next opening still meets it.
        pytest.param(
            paris(2026, 1, 9, 16, 0), timedelta(hours=2), paris(2026, 1, 12, 9, 0), id="ends-at-friday-close"
        ),
        pytest.param(
            paris(2026, 1, 5, 12, 0), timedelta(minutes=30), paris(2026, 1, 5, 13, 30), id="ends-at-lunch"
        ),
    ],
)
def test_add_working_time_with_business_hours(
    start: datetime, duration: timedelta, expected: datetime
) -> None:
    due = add_working_time(start=start, duration=duration, hours=OFFICE, tz=PARIS)
    assert due == expected
    assert due.tzinfo is UTC


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        pytest.param(
            paris(2026, 1, 5, 12, 0), paris(2026, 1, 5, 14, 0), timedelta(hours=1), id="lunch-excluded"
        ),
        pytest.param(
            paris(2026, 1, 9, 17, 0), paris(2026, 1, 12, 10, 0), timedelta(hours=2), id="weekend-excluded"
        ),
        pytest.param(paris(2026, 1, 10, 8, 0), paris(2026, 1, 11, 20, 0), timedelta(0), id="all-closed"),
        pytest.param(paris(2026, 1, 5, 0, 0), paris(2026, 1, 12, 0, 0), timedelta(hours=40), id="one-week"),
        pytest.param(paris(2026, 1, 5, 11, 0), paris(2026, 1, 5, 10, 0), timedelta(0), id="end-before-start"),
    ],
)
def test_working_time_between_with_business_hours(
    start: datetime, end: datetime, expected: timedelta
) -> None:
    assert working_time_between(start=start, end=end, hours=OFFICE, tz=PARIS) == expected


def test_a_long_pause_is_counted_period_by_period() -> None:
    year = working_time_between(
        start=paris(2026, 1, 5, 0, 0), end=paris(2027, 1, 4, 0, 0), hours=OFFICE, tz=PARIS
    )
    assert year == timedelta(hours=8 * 5 * 52)


def test_periods_ending_at_midnight_continue_into_the_next_day() -> None:
    night_shift = BusinessHours.from_json({"mon": [["18:00", "24:00"]], "tue": [["00:00", "02:00"]]})
    due = add_working_time(
        start=paris(2026, 1, 5, 23, 0), duration=timedelta(hours=2), hours=night_shift, tz=PARIS
    )
    assert due == paris(2026, 1, 6, 1, 0)
    assert night_shift.to_json() == {"mon": [["18:00", "24:00"]], "tue": [["00:00", "02:00"]]}


def test_times_in_another_zone_are_read_in_the_organization_zone() -> None:
    # 08:30 UTC is 09:30 in Paris in winter: half an hour already gone.
    due = add_working_time(start=utc(2026, 1, 5, 8, 30), duration=timedelta(hours=1), hours=OFFICE, tz=PARIS)
    assert due == paris(2026, 1, 5, 10, 30)


# --- DST ----------------------------------------------------------------------------------------


def test_round_the_clock_two_hours_from_saturday_night_in_october() -> None:
    # Saturday 23:30 CEST + 2 h of real time is 01:30 CEST, still before the 03:00 change.
    due = add_working_time(
        start=paris(2025, 10, 25, 23, 30), duration=timedelta(hours=2), hours=None, tz=PARIS
    )
    assert due == utc(2025, 10, 25, 23, 30)
    assert due.astimezone(ZoneInfo(PARIS)).strftime("%H:%M %Z") == "01:30 CEST"


def test_round_the_clock_across_fall_back_counts_real_time_not_wall_time() -> None:
    due = add_working_time(
        start=paris(2025, 10, 26, 1, 30), duration=timedelta(hours=2), hours=None, tz=PARIS
    )
    # The clock went 03:00 CEST -> 02:00 CET: two real hours after 01:30 CEST the wall clock reads 02:30 CET.
    assert due.astimezone(ZoneInfo(PARIS)).strftime("%H:%M %Z") == "02:30 CET"
    low = add_working_time(
        start=paris(2025, 10, 25, 23, 30), duration=timedelta(hours=8), hours=None, tz=PARIS
    )
    assert low.astimezone(ZoneInfo(PARIS)).strftime("%a %H:%M %Z") == "Sun 06:30 CET"  # 7 wall-clock hours


def test_round_the_clock_across_spring_forward() -> None:
    due = add_working_time(start=paris(2026, 3, 29, 1, 30), duration=timedelta(hours=1), hours=None, tz=PARIS)
    assert due.astimezone(ZoneInfo(PARIS)).strftime("%H:%M %Z") == "03:30 CEST"


def test_business_hours_over_the_march_weekend_change() -> None:
    # Friday 17:00 CET + 2 h: 1 h on Friday, 1 h on Monday from 09:00 CEST (07:00 UTC, not 08:00).
    due = add_working_time(
        start=paris(2026, 3, 27, 17, 0), duration=timedelta(hours=2), hours=OFFICE, tz=PARIS
    )
    assert due == paris(2026, 3, 30, 10, 0)
    assert due == utc(2026, 3, 30, 8, 0)


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        pytest.param(paris(2026, 3, 29), timedelta(hours=2), id="spring-forward-loses-an-hour"),
        pytest.param(paris(2025, 10, 26), timedelta(hours=4), id="fall-back-gains-an-hour"),
        pytest.param(paris(2026, 3, 22), timedelta(hours=3), id="ordinary-sunday"),
    ],
)
def test_a_sunday_night_period_spanning_the_change(day: datetime, expected: timedelta) -> None:
    night = BusinessHours.from_json({"sun": [["01:00", "04:00"]]})
    assert working_time_between(start=day, end=day + timedelta(days=1), hours=night, tz=PARIS) == expected


def test_a_period_boundary_skipped_by_spring_forward_means_the_change_itself() -> None:
    # 02:30 never shows on the clock that night: the period opens at the jump (03:00 CEST).
    hours = BusinessHours.from_json({"sun": [["00:00", "02:30"], ["02:30", "05:00"]]})
    sunday = paris(2026, 3, 29)
    assert working_time_between(
        start=sunday, end=sunday + timedelta(days=1), hours=hours, tz=PARIS
    ) == timedelta(hours=4)
    late = BusinessHours.from_json({"sun": [["02:30", "05:00"]]})
    assert add_working_time(start=sunday, duration=timedelta(0), hours=late, tz=PARIS) == paris(
        2026, 3, 29, 3, 0
    )


def test_new_york_changes() -> None:
    weekend_desk = BusinessHours.from_json({"sun": [["00:00", "24:00"]]})
    spring = working_time_between(
        start=new_york(2026, 3, 8), end=new_york(2026, 3, 9), hours=weekend_desk, tz=NEW_YORK
    )
    fall = working_time_between(
        start=new_york(2026, 11, 1), end=new_york(2026, 11, 2), hours=weekend_desk, tz=NEW_YORK
    )
    assert (spring, fall) == (timedelta(hours=23), timedelta(hours=25))
    due = add_working_time(
        start=new_york(2026, 11, 1, 0, 30), duration=timedelta(hours=2), hours=None, tz=NEW_YORK
    )
    # The second 01:30 of the night. (PEP 495 makes ambiguous local times compare unequal across
    # zones, hence the UTC and wall-clock checks.)
    assert due == new_york(2026, 11, 1, 1, 30, fold=1).astimezone(UTC) == utc(2026, 11, 1, 6, 30)
    assert due.astimezone(ZoneInfo(NEW_YORK)).strftime("%H:%M %Z") == "01:30 EST"


# --- properties over generated cases ------------------------------------------------------------

PROPERTY_HOURS = [
    None,
    OFFICE,
    BusinessHours.from_json({"sat": [["10:00", "11:00"]]}),
    BusinessHours.from_json({"sun": [["00:00", "02:30"], ["02:30", "24:00"]], "mon": [["00:00", "24:00"]]}),
    BusinessHours.from_json({day: [["01:00", "04:00"], ["22:00", "24:00"]] for day in ("sat", "sun", "mon")}),
]
PROPERTY_ZONES = [PARIS, NEW_YORK, "America/Santiago", "Asia/Kolkata", "Australia/Lord_Howe"]


def test_adding_then_measuring_gives_back_the_duration() -> None:
    rng = random.Random(20260105)
    window_start = utc(2025, 1, 1)
    for _ in range(1500):
        hours = rng.choice(PROPERTY_HOURS)
        tz = rng.choice(PROPERTY_ZONES)
        start = window_start + timedelta(
            seconds=rng.randrange(3 * 365 * 86400), microseconds=rng.randrange(10**6)
        )
        duration = timedelta(seconds=rng.choice([0, rng.randrange(60, 4 * 3600), rng.randrange(40 * 3600)]))
        due = add_working_time(start=start, duration=duration, hours=hours, tz=tz)
        case = f"{start.isoformat()} + {duration} in {tz} with {hours and hours.to_json()}"
        assert due >= start, case
        assert working_time_between(start=start, end=due, hours=hours, tz=tz) == duration, case
        # The deadline is the last instant within target: one second later is already over it.
        assert (
            working_time_between(start=start, end=due + timedelta(seconds=1), hours=hours, tz=tz) > duration
        ), case
        middle = start + (due - start) / 3
        assert (
            working_time_between(start=start, end=middle, hours=hours, tz=tz)
            + working_time_between(start=middle, end=due, hours=hours, tz=tz)
            == duration
        ), case


# --- clocks -------------------------------------------------------------------------------------


def test_clock_start_uses_the_priority_target() -> None:
    clock = clock_start(policy=OFFICE_POLICY, priority="high", at=paris(2026, 1, 5, 17, 30))
    assert clock.target == timedelta(hours=1)
    assert clock.due_at == paris(2026, 1, 6, 9, 30)
    assert clock.is_running
    assert clock_state(clock=clock, now=paris(2026, 1, 5, 17, 40), policy=OFFICE_POLICY) == "running"


def test_pause_and_resume_keep_the_remaining_time() -> None:
    clock = clock_start(policy=OFFICE_POLICY, priority="normal", at=paris(2026, 1, 5, 10, 0))
    clock = clock_pause(clock=clock, at=paris(2026, 1, 5, 10, 45), policy=OFFICE_POLICY)
    assert clock.is_paused and clock.due_at is None
    assert clock.elapsed_before_pause == timedelta(minutes=45)
    # Days pending do not count.
    later = paris(2026, 1, 8, 16, 0)
    assert clock_state(clock=clock, now=later, policy=OFFICE_POLICY) == "paused"
    assert remaining(clock=clock, now=later, policy=OFFICE_POLICY) == timedelta(minutes=75)

    clock = clock_resume(clock=clock, at=paris(2026, 1, 8, 17, 0), policy=OFFICE_POLICY)
    assert clock.is_running
    # 60 min left on Thursday, then 15 min on Friday morning.
    assert clock.due_at == paris(2026, 1, 9, 9, 15)
    assert remaining(clock=clock, now=paris(2026, 1, 8, 17, 30), policy=OFFICE_POLICY) == timedelta(
        minutes=45
    )
    assert elapsed(clock=clock, now=paris(2026, 1, 8, 17, 30), policy=OFFICE_POLICY) == timedelta(minutes=75)


def test_pausing_twice_or_resuming_a_running_clock_changes_nothing() -> None:
    running = clock_start(policy=OFFICE_POLICY, priority="normal", at=paris(2026, 1, 5, 10, 0))
    assert clock_resume(clock=running, at=paris(2026, 1, 5, 10, 5), policy=OFFICE_POLICY) is running
    paused = clock_pause(clock=running, at=paris(2026, 1, 5, 10, 30), policy=OFFICE_POLICY)
    assert clock_pause(clock=paused, at=paris(2026, 1, 5, 11, 0), policy=OFFICE_POLICY) is paused


@pytest.mark.parametrize(
    ("reply_at", "expected"),
    [
        pytest.param(paris(2026, 1, 5, 11, 59), "met", id="before-deadline"),
        pytest.param(paris(2026, 1, 5, 12, 0), "met", id="at-deadline"),
        pytest.param(paris(2026, 1, 5, 12, 1), "missed", id="after-deadline"),
    ],
)
def test_stop_gives_met_or_missed(reply_at: datetime, expected: str) -> None:
    clock = clock_start(policy=OFFICE_POLICY, priority="normal", at=paris(2026, 1, 5, 10, 0))
    clock = clock_stop(clock=clock, at=reply_at)
    # The verdict is frozen at the reply, however late it is read.
    assert clock_state(clock=clock, now=paris(2026, 2, 1, 12, 0), policy=OFFICE_POLICY) == expected
    assert clock_stop(clock=clock, at=paris(2026, 1, 6, 9, 0)).stopped_at == reply_at


def test_a_reply_while_pending_is_measured_on_the_banked_time() -> None:
    clock = clock_start(policy=OFFICE_POLICY, priority="urgent", at=paris(2026, 1, 5, 10, 0))
    clock = clock_pause(clock=clock, at=paris(2026, 1, 5, 10, 20), policy=OFFICE_POLICY)
    clock = clock_stop(clock=clock, at=paris(2026, 1, 5, 15, 0))
    assert clock_state(clock=clock, now=paris(2026, 1, 5, 15, 0), policy=OFFICE_POLICY) == "met"
    assert remaining(clock=clock, now=paris(2026, 1, 5, 15, 0), policy=OFFICE_POLICY) == timedelta(minutes=10)


def test_due_soon_window_and_breach() -> None:
    clock = clock_start(policy=ROUND_THE_CLOCK_POLICY, priority="urgent", at=paris(2026, 1, 5, 10, 0))
    state = clock_state(clock=clock, now=paris(2026, 1, 5, 10, 14), policy=ROUND_THE_CLOCK_POLICY)
    assert state == "running"
    assert (
        clock_state(clock=clock, now=paris(2026, 1, 5, 10, 15), policy=ROUND_THE_CLOCK_POLICY) == "due_soon"
    )
    wide = clock_state(
        clock=clock,
        now=paris(2026, 1, 5, 10, 5),
        policy=ROUND_THE_CLOCK_POLICY,
        due_soon=timedelta(minutes=25),
    )
    assert wide == "due_soon"
    assert (
        clock_state(clock=clock, now=paris(2026, 1, 5, 10, 30), policy=ROUND_THE_CLOCK_POLICY) == "due_soon"
    )
    assert (
        clock_state(clock=clock, now=paris(2026, 1, 5, 10, 31), policy=ROUND_THE_CLOCK_POLICY) == "breached"
    )
    assert remaining(clock=clock, now=paris(2026, 1, 5, 10, 31), policy=ROUND_THE_CLOCK_POLICY) == timedelta(
        minutes=-1
    )


def test_a_deadline_at_closing_is_not_breached_overnight() -> None:
    clock = clock_start(policy=OFFICE_POLICY, priority="high", at=paris(2026, 1, 9, 17, 0))
    assert clock.due_at == paris(2026, 1, 12, 9, 0)
    saturday = paris(2026, 1, 10, 12, 0)
    assert clock_state(clock=clock, now=saturday, policy=OFFICE_POLICY) == "due_soon"
    assert clock_state(clock=clock, now=paris(2026, 1, 12, 9, 1), policy=OFFICE_POLICY) == "breached"


def test_a_breached_clock_stays_breached_while_paused_and_after_resuming() -> None:
    clock = clock_start(policy=ROUND_THE_CLOCK_POLICY, priority="urgent", at=paris(2026, 1, 5, 10, 0))
    deadline = clock.due_at
    clock = clock_pause(clock=clock, at=paris(2026, 1, 5, 11, 0), policy=ROUND_THE_CLOCK_POLICY)
    assert clock.due_at == deadline  # still in the overdue queue
    assert clock_state(clock=clock, now=paris(2026, 1, 6, 11, 0), policy=ROUND_THE_CLOCK_POLICY) == "breached"
    clock = clock_resume(clock=clock, at=paris(2026, 1, 7, 9, 0), policy=ROUND_THE_CLOCK_POLICY)
    assert clock.due_at == deadline
    assert remaining(clock=clock, now=paris(2026, 1, 7, 9, 10), policy=ROUND_THE_CLOCK_POLICY) == timedelta(
        minutes=-40
    )


def test_retarget_to_a_higher_priority_keeps_the_elapsed_time() -> None:
    clock = clock_start(policy=OFFICE_POLICY, priority="low", at=paris(2026, 1, 5, 9, 0))
    clock = clock_retarget(clock=clock, policy=OFFICE_POLICY, priority="high", at=paris(2026, 1, 5, 9, 40))
    assert clock.target == timedelta(hours=1)
    assert clock.elapsed_before_pause == timedelta(minutes=40)
    assert clock.due_at == paris(2026, 1, 5, 10, 0)
    assert clock_state(clock=clock, now=paris(2026, 1, 5, 9, 50), policy=OFFICE_POLICY) == "due_soon"


def test_retarget_beyond_the_new_target_is_breached_from_then_on() -> None:
    clock = clock_start(policy=OFFICE_POLICY, priority="normal", at=paris(2026, 1, 5, 9, 0))
    at = paris(2026, 1, 5, 10, 0)
    clock = clock_retarget(clock=clock, policy=OFFICE_POLICY, priority="urgent", at=at)
    assert clock.due_at == at
    assert clock_state(clock=clock, now=at, policy=OFFICE_POLICY) == "breached"
    assert remaining(clock=clock, now=at, policy=OFFICE_POLICY) == timedelta(minutes=-30)


def test_retarget_of_a_paused_clock_stays_paused() -> None:
    clock = clock_start(policy=OFFICE_POLICY, priority="normal", at=paris(2026, 1, 5, 9, 0))
    clock = clock_pause(clock=clock, at=paris(2026, 1, 5, 9, 20), policy=OFFICE_POLICY)
    clock = clock_retarget(clock=clock, policy=OFFICE_POLICY, priority="urgent", at=paris(2026, 1, 5, 11, 0))
    assert clock.is_paused and clock.due_at is None
    assert remaining(clock=clock, now=paris(2026, 1, 6, 11, 0), policy=OFFICE_POLICY) == timedelta(minutes=10)


def test_crisis_mode_does_not_count_past_closed_hours() -> None:
    # A message on Friday evening; crisis declared Saturday 10:00 with 24/7 hours and targets x0.25.
    clock = clock_start(policy=OFFICE_POLICY, priority="normal", at=paris(2026, 1, 9, 19, 0))
    crisis = OFFICE_POLICY.tightened(0.25, round_the_clock=True)
    at = paris(2026, 1, 10, 10, 0)
    clock = clock_retarget(
        clock=clock, policy=crisis, priority="normal", at=at, previous_policy=OFFICE_POLICY
    )
    assert clock.target == timedelta(minutes=30)
    assert clock.elapsed_before_pause == timedelta(0)
    assert clock.due_at == paris(2026, 1, 10, 10, 30)
    assert clock_state(clock=clock, now=paris(2026, 1, 10, 10, 31), policy=crisis) == "breached"


def test_stopped_clocks_ignore_later_events() -> None:
    clock = clock_stop(
        clock=clock_start(policy=OFFICE_POLICY, priority="normal", at=paris(2026, 1, 5, 9, 0)),
        at=paris(2026, 1, 5, 9, 30),
    )
    at = paris(2026, 1, 5, 10, 0)
    assert clock_pause(clock=clock, at=at, policy=OFFICE_POLICY) is clock
    assert clock_retarget(clock=clock, policy=OFFICE_POLICY, priority="urgent", at=at) is clock


def test_clock_fields_round_trip() -> None:
    clock = clock_start(policy=OFFICE_POLICY, priority="normal", at=utc(2026, 1, 5, 8, 0, 0))
    clock = clock_pause(
        clock=clock, at=datetime(2026, 1, 5, 8, 17, 3, 123457, tzinfo=UTC), policy=OFFICE_POLICY
    )
    fields = clock.to_fields()
    assert fields == {
        "sla_target_seconds": 7200,
        "sla_started_at": utc(2026, 1, 5, 8, 0),
        "sla_elapsed_seconds": 1023.123457,
        "sla_running_since": None,
        "sla_paused_at": datetime(2026, 1, 5, 8, 17, 3, 123457, tzinfo=UTC),
        "sla_stopped_at": None,
        "sla_due_at": None,
    }
    assert SlaClock.from_fields(fields) == clock
    running = clock_resume(clock=clock, at=utc(2026, 1, 5, 9, 0), policy=OFFICE_POLICY)
    assert SlaClock.from_fields(running.to_fields()) == running


# --- policies and validation --------------------------------------------------------------------


def test_policy_defaults_and_json_round_trip() -> None:
    assert SlaPolicy.from_json(None) == SlaPolicy()
    assert SlaPolicy().target_for("normal") == timedelta(hours=2) == DEFAULT_TARGETS["normal"]
    data = {
        "time_zone": PARIS,
        "targets_minutes": {"urgent": 15, "high": 60, "normal": 120, "low": 480},
        "business_hours": WEEKDAYS_WITH_LUNCH,
    }
    policy = SlaPolicy.from_json(data)
    assert policy.hours == OFFICE
    assert policy.to_json() == data
    assert SlaPolicy.from_json(policy.to_json()) == policy
    assert SlaPolicy.from_json({"business_hours": {}}).hours is None
    assert SlaPolicy.from_json({"targets_minutes": {"urgent": 10}}).target_for("low") == timedelta(hours=8)


def test_business_hours_json_is_sorted_and_round_trips() -> None:
    hours = BusinessHours.from_json({"mon": [["13:30", "18:00"], ["9:00", "12:30"]], "sat": []})
    assert hours.to_json() == {"mon": [["09:00", "12:30"], ["13:30", "18:00"]]}
    assert BusinessHours.from_json(hours.to_json()) == hours
    assert BusinessHours.from_json({}).always_open
    assert BusinessHours.from_json(None).to_json() == {}


def test_tightened_policy() -> None:
    crisis = OFFICE_POLICY.tightened(0.25)
    assert crisis.targets == {
        "urgent": timedelta(minutes=7),  # 7.5 rounded down: never looser than asked
        "high": timedelta(minutes=15),
        "normal": timedelta(minutes=30),
        "low": timedelta(hours=2),
    }
    assert crisis.hours == OFFICE
    assert OFFICE_POLICY.tightened(0.25, round_the_clock=True).hours is None
    assert OFFICE_POLICY.tightened(0.001).target_for("urgent") == timedelta(minutes=1)
    with pytest.raises(ValueError, match="Crisis factor must be above 0 and at most 1"):
        OFFICE_POLICY.tightened(1.5)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"mon": [["18:00", "09:00"]]}, "Monday: 18:00–09:00 ends before it starts"),
        ({"tue": [["09:00", "12:30"], ["12:00", "18:00"]]}, "Tuesday: 09:00–12:30 overlaps 12:00–18:00"),
        ({"wed": [["9h00", "18:00"]]}, 'Wednesday: "9h00" is not a time, write it as HH:MM'),
        ({"thu": [["09:00", "25:00"]]}, 'Thursday: "25:00" is not a time of day'),
        ({"fri": [["24:00", "24:00"]]}, 'Friday: "24:00" can only end a period'),
        ({"sat": [["10:00", "10:00"]]}, "Saturday: 10:00–10:00 is empty"),
        ({"sun": [["10:00"]]}, "Sunday: each period needs a start and an end"),
        ({"sun": "09:00-18:00"}, "Sunday: expected a list of periods"),
        ({"monday": [["09:00", "18:00"]]}, 'Unknown day "monday": use mon, tue'),
        ({"mon": [], "tue": []}, "closed every day"),
    ],
)
def test_business_hours_validation_messages(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        BusinessHours.from_json(data)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"time_zone": "Europe/Pariss"}, 'Unknown time zone "Europe/Pariss": use an IANA name'),
        ({"time_zone": "../etc/passwd"}, "Unknown time zone"),
        ({"time_zone": ""}, "Time zone is missing"),
        (
            {"targets_minutes": {"urgent": 0}},
            'target for "urgent" must be a whole number of minutes above zero',
        ),
        ({"targets_minutes": {"high": "1h"}}, 'target for "high" must be a whole number of minutes'),
        ({"targets_minutes": {"critical": 5}}, 'Unknown priority "critical"'),
        ({"target": {}}, 'Unknown SLA setting "target"'),
    ],
)
def test_policy_validation_messages(data: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SlaPolicy.from_json(data)


def test_unknown_priority_and_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match='Unknown priority "p1"'):
        clock_start(policy=OFFICE_POLICY, priority="p1", at=utc(2026, 1, 5, 9, 0))
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_time(
            start=datetime(2026, 1, 5, 9, 0), duration=timedelta(hours=1), hours=OFFICE, tz=PARIS
        )
    with pytest.raises(ValueError, match="whole minutes above zero"):
        SlaPolicy(targets={**DEFAULT_TARGETS, "low": timedelta(seconds=90)})
