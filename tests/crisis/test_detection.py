"""The detector's decision on simulated traffic (pure: no database, seeded randomness, simulated clock)."""

from __future__ import annotations

import math
import random

import pytest

from crisis import detection
from crisis.detection import Minute

WEEK = 7 * 24 * 60


def rate(minute_of_week: int) -> float:
    """Mentions a minute: a daily rhythm (quiet nights, a busy evening), quieter weekends."""
    day, minute = divmod(minute_of_week % WEEK, 24 * 60)
    hour = minute / 60
    daytime = max(0.0, math.sin(math.pi * (hour - 6) / 18)) if 6 <= hour <= 24 else 0.0
    return (0.3 + 9.0 * daytime) * (0.6 if day >= 5 else 1.0)


def poisson(rng: random.Random, lam: float) -> int:
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def minute(rng: random.Random, lam: float, share: float = 0.2, reach: int = 300) -> Minute:
    mentions = poisson(rng, lam)
    negative = sum(rng.random() < share for _ in range(mentions))
    return Minute(mentions, negative, sum(rng.randint(0, 2 * reach) for _ in range(mentions)))


def weeks_of_traffic(rng: random.Random, weeks: int) -> list[Minute]:
    return [minute(rng, rate(m)) for m in range(weeks * WEEK)]


def judge(stream: list[Minute], at: int, current: Minute | None = None, sensitivity: float = 1.0):
    """The verdict for minute `at` of the stream, as the tick sees it (history: same hour, past weeks)."""
    hour = at - at % 60
    history = [stream[hour - k * WEEK: hour - k * WEEK + 60] for k in range(1, detection.LOOKBACK_WEEKS + 1)
               if hour - k * WEEK >= 0]
    return detection.evaluate(current=stream[at] if current is None else current,
                              recent=stream[max(0, at - detection.FALLBACK_MINUTES):at], history=history,
                              sensitivity=sensitivity)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_steady_week_with_its_daily_rhythm_raises_nothing(seed):
    rng = random.Random(seed)
    stream = weeks_of_traffic(rng, 5)
    alarms = [at for at in range(4 * WEEK, 5 * WEEK) if (v := judge(stream, at)).spike or v.surge]
    assert alarms == []


def test_a_storm_is_caught_within_60_seconds_of_its_start():
    rng = random.Random(7)
    stream = weeks_of_traffic(rng, 4)
    stream += [minute(rng, rate(m)) for m in range(4 * WEEK, 4 * WEEK + 2 * 60)]  # Sunday 02:00
    start = len(stream) - 60  # the storm's minute, storm starts 20 s into it at 300 a minute
    # The beat tick runs every 30 s; the counters hold what arrived by then.
    detected = None
    for second in range(30, 180, 30):
        at, into = start + (20 + second) // 60, (20 + second) % 60
        storm_seconds = (20 + second) - 20 - max(0, (at - start) * 60 - 20)
        arrived = int(300 * min(storm_seconds if at == start else into, 60) / 60)
        if judge(stream, at, current=Minute(arrived, arrived // 2, arrived * 500)).spike:
            detected = second
            break
    assert detected is not None and detected <= 60
    verdict = judge(stream, start, current=Minute(200, 100, 200 * 5000))
    assert verdict.spike and verdict.critical  # famous accounts joining in: critical


def test_a_slow_rise_of_anger_is_caught_before_the_negative_share_doubles():
    rng = random.Random(11)
    stream = weeks_of_traffic(rng, 4)
    start = len(stream) + 10 * 60  # a Monday, 10:00: busy hours
    stream += [minute(rng, rate(m)) for m in range(len(stream), start)]
    caught_share = None
    for m in range(8 * 60):  # the share climbs from 0.2 to 0.6 over 8 hours, volume as usual
        share = 0.2 + 0.4 * m / (8 * 60)
        stream.append(minute(rng, rate(start + m), share=share))
        if judge(stream, start + m).surge:
            caught_share = share
            break
    assert caught_share is not None and caught_share < 0.4
    assert not any(judge(stream, at).spike for at in range(start, len(stream)))  # volume never looked odd


def test_while_history_is_short_the_recent_stream_is_the_baseline():
    rng = random.Random(5)
    quiet = [minute(rng, 2.0) for _ in range(90)]
    assert not detection.evaluate(current=Minute(4, 1, 40), recent=quiet, history=[]).spike
    verdict = detection.evaluate(current=Minute(80, 40, 800), recent=quiet, history=[])
    assert verdict.spike and not verdict.baseline.seasonal
    # A quiet night: a few mentions where there were none is not a storm (the floor).
    assert not detection.evaluate(current=Minute(6, 6, 60), recent=[Minute()] * 60, history=[]).spike


def test_sensitivity_is_a_multiplier_on_the_threshold():
    recent = [Minute(10, 2, 100)] * 60
    moderate = Minute(40, 8, 400)
    assert detection.evaluate(current=moderate, recent=recent, history=[]).spike
    assert not detection.evaluate(current=moderate, recent=recent, history=[], sensitivity=2.0).spike
    loose = detection.evaluate(current=moderate, recent=recent, history=[], sensitivity=2.0).threshold
    tight = detection.evaluate(current=moderate, recent=recent, history=[], sensitivity=0.5).threshold
    assert tight < loose


@pytest.mark.parametrize("seed", range(20))
def test_property_a_past_storm_in_the_history_does_not_raise_the_baseline_much(seed):
    """Median and MAD: one past week with a storm in this hour barely moves the learned baseline."""
    rng = random.Random(seed)
    lam = rng.uniform(1, 15)
    calm = [[minute(rng, lam) for _ in range(60)] for _ in range(3)]
    stormy = [Minute(500, 250, 5000) for _ in range(60)]
    base_calm = detection.baseline(history=calm, recent=[])
    base_storm = detection.baseline(history=[stormy, *calm], recent=[])
    assert base_storm.expected <= base_calm.expected + 3 * base_calm.spread
    assert detection.evaluate(current=Minute(int(lam * 10) + 60, 0, 0), recent=[], history=[stormy, *calm]).spike
