"""Who is on call at T: DST changes, restrictions, overrides, swaps, and a seeded property test."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from crisis.rota import (
    Cover,
    Layer,
    RotaPlan,
    Window,
    coverage_gaps,
    handoffs,
    on_call_at,
    timeline,
    windows_from_json,
)

ALICE, BOB, CAROL, DAVE = 1, 2, 3, 4


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def daily(members, *, start=datetime(2026, 1, 5, 9, 0), days=1, level=0, windows=(), layer_id=1):
    return Layer(id=layer_id, level=level, members=tuple(members), start=start, length=timedelta(days=days),
                 windows=tuple(windows))


def test_a_daily_0900_handoff_stays_at_0900_across_the_paris_spring_change():
    plan = RotaPlan("Europe/Paris", layers=(daily([ALICE, BOB]),))
    # Saturday 28 March 2026, 09:00 CET = 08:00 UTC; Sunday 09:00 CEST = 07:00 UTC: 23 real hours.
    shift = on_call_at(plan, utc(2026, 3, 28, 20))
    assert (shift.start, shift.end) == (utc(2026, 3, 28, 8), utc(2026, 3, 29, 7))
    assert on_call_at(plan, utc(2026, 3, 29, 7)).user_id != shift.user_id


def test_the_paris_autumn_change_makes_a_25_hour_day():
    plan = RotaPlan("Europe/Paris", layers=(daily([ALICE, BOB]),))
    shift = on_call_at(plan, utc(2026, 10, 25, 1, 30))  # inside the repeated hour
    assert (shift.start, shift.end) == (utc(2026, 10, 24, 7), utc(2026, 10, 25, 8))
    assert shift.end - shift.start == timedelta(hours=25)


@pytest.mark.parametrize(
    ("instant", "start", "end"),
    [
        # Spring: Saturday 20:00 EST (01:00 UTC) to Sunday 08:00 EDT (12:00 UTC): 11 hours.
        (utc(2026, 3, 8, 6), utc(2026, 3, 8, 1), utc(2026, 3, 8, 12)),
        # Autumn: Saturday 20:00 EDT (00:00 UTC) to Sunday 08:00 EST (13:00 UTC): 13 hours.
        (utc(2026, 11, 1, 6), utc(2026, 11, 1, 0), utc(2026, 11, 1, 13)),
    ],
)
def test_twelve_hour_shifts_keep_their_wall_clock_handoffs_in_new_york(instant, start, end):
    layer = Layer(id=1, level=0, members=(ALICE, BOB), start=datetime(2026, 1, 5, 8), length=timedelta(hours=12))
    shift = on_call_at(RotaPlan("America/New_York", layers=(layer,)), instant)
    assert (shift.start, shift.end) == (start, end)


def test_a_handoff_in_the_skipped_hour_happens_at_the_change():
    layer = daily([ALICE, BOB], start=datetime(2026, 1, 5, 2, 30))
    shift = on_call_at(RotaPlan("Europe/Paris", layers=(layer,)), utc(2026, 3, 29, 0, 30))
    assert shift.end == utc(2026, 3, 29, 1)  # 02:00 CET jumps to 03:00 CEST at 01:00 UTC


def test_half_hour_offsets_in_kolkata_and_adelaide():
    kolkata = RotaPlan("Asia/Kolkata", layers=(daily([ALICE, BOB]),))
    assert on_call_at(kolkata, utc(2026, 6, 1, 3, 29)).end == utc(2026, 6, 1, 3, 30)  # 09:00 IST
    # Adelaide (+10:30 in summer, +9:30 in winter) leaves daylight time on 5 April 2026 at 03:00.
    adelaide = RotaPlan("Australia/Adelaide", layers=(daily([ALICE, BOB]),))
    shift = on_call_at(adelaide, utc(2026, 4, 4, 12))
    assert (shift.start, shift.end) == (utc(2026, 4, 3, 22, 30), utc(2026, 4, 4, 23, 30))


def test_weekday_and_night_restrictions_fall_through_to_lower_layers():
    office = daily([ALICE], level=2, layer_id=1,
                   windows=windows_from_json([{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}]))
    nights = daily([BOB], level=1, layer_id=2,
                   windows=windows_from_json([{"days": list(("mon", "tue", "wed", "thu", "fri", "sat", "sun")),
                                               "start": "20:00", "end": "08:00"}]))
    backstop = daily([CAROL], level=0, layer_id=3)
    plan = RotaPlan("Europe/Paris", layers=(backstop, nights, office))
    assert on_call_at(plan, utc(2026, 6, 3, 10)).user_id == ALICE  # Wednesday 12:00
    assert on_call_at(plan, utc(2026, 6, 6, 10)).user_id == CAROL  # Saturday 12:00
    assert on_call_at(plan, utc(2026, 6, 3, 17)).user_id == CAROL  # Wednesday 19:00
    night = on_call_at(plan, utc(2026, 6, 3, 23))  # Thursday 01:00
    assert night.user_id == BOB
    assert (night.start, night.end) == (utc(2026, 6, 3, 18), utc(2026, 6, 4, 6))


def test_gaps_when_only_office_hours_are_covered():
    office = daily([ALICE], windows=windows_from_json([{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}]))
    plan = RotaPlan("Europe/Paris", layers=(office,))
    gaps = coverage_gaps(plan, utc(2026, 6, 1, 0), utc(2026, 6, 8, 0))  # Monday to Monday (UTC)
    assert len(gaps) == 6  # the five nights between office days, then the weekend in one piece
    assert gaps[0].start == utc(2026, 6, 1, 0) and gaps[0].end == utc(2026, 6, 1, 7)
    assert (gaps[-1].start, gaps[-1].end) == (utc(2026, 6, 5, 16), utc(2026, 6, 8, 0))


def test_overrides_win_and_swaps_replace_only_the_asker():
    plan = RotaPlan(
        "Europe/Paris",
        layers=(daily([ALICE, BOB], start=datetime(2026, 6, 1, 9)),),
        overrides=(Cover(id=7, user_id=DAVE, start=utc(2026, 6, 1, 12), end=utc(2026, 6, 1, 14)),),
        swaps=(Cover(id=9, user_id=CAROL, from_user=BOB, start=utc(2026, 6, 1, 0), end=utc(2026, 6, 3, 0)),),
    )
    assert on_call_at(plan, utc(2026, 6, 1, 10)).user_id == ALICE  # Alice's day: the swap is Bob's
    covered = on_call_at(plan, utc(2026, 6, 1, 13))
    assert (covered.user_id, covered.source, covered.source_id) == (DAVE, "override", 7)
    assert (covered.start, covered.end) == (utc(2026, 6, 1, 12), utc(2026, 6, 1, 14))
    swapped = on_call_at(plan, utc(2026, 6, 2, 10))
    assert (swapped.user_id, swapped.source) == (CAROL, "swap")
    assert (swapped.start, swapped.end) == (utc(2026, 6, 2, 7), utc(2026, 6, 3, 0))
    assert [(old.user_id, new.user_id) for old, new in handoffs(plan, utc(2026, 6, 1, 8), utc(2026, 6, 3, 8))] == [
        (ALICE, DAVE), (DAVE, ALICE), (ALICE, CAROL), (CAROL, BOB), (BOB, ALICE)
    ]


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: RotaPlan("Mars/Olympus"), "Unknown time zone"),
        (lambda: daily([]), "nobody"),
        (lambda: RotaPlan("UTC", overrides=(Cover(1, ALICE, utc(2026, 1, 1), utc(2026, 1, 2)),
                                            Cover(2, BOB, utc(2026, 1, 1, 12), utc(2026, 1, 3)))), "overlap"),
        (lambda: Window.from_json({"days": ["mon"], "start": "25:00", "end": "08:00"}), "not a time of day"),
        (lambda: Window.from_json({"days": ["moon"], "start": "09:00", "end": "18:00"}), "Unknown day"),
        (lambda: Cover(1, ALICE, utc(2026, 1, 2), utc(2026, 1, 1)), "end after"),
    ],
)
def test_bad_plans_are_refused_with_a_reason(build, message):
    with pytest.raises(ValueError, match=message):
        build()


# --- property test against a slow, independent oracle ------------------------------------------------


def _oracle_local(wall: datetime, zone: ZoneInfo) -> datetime:
    instant = wall.replace(tzinfo=zone).astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == wall:
        return instant
    # Skipped wall time: walk minute by minute to the first instant whose clock reads at least it.
    probe = wall.replace(tzinfo=zone, fold=1).astimezone(UTC).replace(second=0, microsecond=0)
    while probe.astimezone(zone).replace(tzinfo=None) < wall:
        probe += timedelta(minutes=1)
    return probe


def _oracle_layer(layer: Layer, at: datetime, zone: ZoneInfo) -> int | None:
    if at < _oracle_local(layer.start, zone):
        return None
    index = 0
    while _oracle_local(layer.start + (index + 1) * layer.length, zone) <= at:
        index += 1
    if layer.windows:
        local_day = at.astimezone(zone).date()
        inside = False
        for window in layer.windows:
            for day in (local_day - timedelta(days=1), local_day):
                if day.weekday() not in window.days:
                    continue
                midnight = datetime(day.year, day.month, day.day)
                opens = _oracle_local(midnight + timedelta(minutes=window.start), zone)
                closes_day = midnight + timedelta(days=1 if window.end < window.start else 0)
                closes = _oracle_local(closes_day + timedelta(minutes=window.end), zone)
                inside = inside or opens <= at < closes
        if not inside:
            return None
    return layer.members[index % len(layer.members)]


def _oracle(plan: RotaPlan, at: datetime) -> int | None:
    for cover in plan.overrides:
        if cover.start <= at < cover.end:
            return cover.user_id
    for layer in sorted(plan.layers, key=lambda layer: -layer.level):
        user = _oracle_layer(layer, at, plan.zone)
        if user is not None:
            for swap in plan.swaps:
                if swap.start <= at < swap.end and swap.from_user == user:
                    return swap.user_id
            return user
    return None


ZONES = ("Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Adelaide", "UTC")
WINDOW_CHOICES = (
    [],
    [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}],
    [{"days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"], "start": "20:00", "end": "08:00"}],
    [{"days": ["sat", "sun"], "start": "00:00", "end": "24:00"}],
    [{"days": ["sun"], "start": "02:30", "end": "03:30"}],  # straddles the change in Europe and New York
)
# Windows of time around DST changes in both hemispheres, plus quiet ones.
AROUND = (date(2026, 3, 8), date(2026, 3, 29), date(2026, 4, 5), date(2026, 10, 4), date(2026, 10, 25),
          date(2026, 11, 1), date(2026, 7, 15))


def _random_plan(rng: random.Random, around: date) -> RotaPlan:
    layers = []
    for layer_id in range(1, rng.randint(1, 3) + 1):
        start = datetime(around.year, around.month, around.day) - timedelta(
            days=rng.randint(0, 20), minutes=rng.choice([0, 30, 150, 9 * 60, 23 * 60 + 30]))
        length = rng.choice([timedelta(hours=rng.choice([4, 8, 12])), timedelta(days=rng.choice([1, 2])), timedelta(weeks=1)])
        layers.append(Layer(
            id=layer_id, level=rng.randint(0, 5), members=tuple(rng.sample([ALICE, BOB, CAROL, DAVE], rng.randint(1, 3))),
            start=start, length=length, windows=windows_from_json(rng.choice(WINDOW_CHOICES))))
    base = datetime(around.year, around.month, around.day, tzinfo=UTC)
    overrides, cursor = [], base - timedelta(days=3)
    for override_id in range(rng.randint(0, 2)):
        start = cursor + timedelta(minutes=rng.randint(0, 3000))
        cursor = start + timedelta(minutes=rng.randint(30, 2000))
        overrides.append(Cover(id=override_id, user_id=rng.choice([ALICE, DAVE]), start=start, end=cursor))
    swaps = [Cover(id=50 + n, user_id=DAVE, from_user=rng.choice([ALICE, BOB, CAROL]),
                   start=base + timedelta(minutes=rng.randint(-4000, 2000)),
                   end=base + timedelta(minutes=rng.randint(2100, 5000))) for n in range(rng.randint(0, 1))]
    return RotaPlan(rng.choice(ZONES), layers=tuple(layers), overrides=tuple(overrides), swaps=tuple(swaps))


def test_who_is_on_call_agrees_with_the_oracle_and_the_timeline_tiles_time():
    rng = random.Random(20261202)
    for _ in range(120):
        around = rng.choice(AROUND)
        plan = _random_plan(rng, around)
        start = datetime(around.year, around.month, around.day, tzinfo=UTC) - timedelta(days=2, minutes=rng.randint(0, 600))
        end = start + timedelta(days=4)
        shifts = timeline(plan, start, end)
        case = f"{plan}"
        assert shifts[0].start == start and shifts[-1].end == end, case
        for previous, current in zip(shifts, shifts[1:], strict=False):
            assert previous.end == current.start and current.start < current.end, case
            assert previous.key != current.key, case
        for shift in shifts:
            assert _oracle(plan, shift.start) == shift.user_id, case
            assert _oracle(plan, shift.end - timedelta(seconds=1)) == shift.user_id, case
        for _ in range(6):
            at = start + timedelta(seconds=rng.randrange(4 * 86400))
            found = on_call_at(plan, at)
            assert found.user_id == _oracle(plan, at), f"{case} at {at}"
            assert found.start <= at < found.end, f"{case} at {at}"
            assert _oracle(plan, found.start) == found.user_id, case
