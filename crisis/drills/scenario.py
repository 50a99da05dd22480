"""A drill scenario (data in scenarios/<name>.json) and the storm it records, minute by minute.

Pure: no database, no clock. The same scenario, start and scale always give the same recording
(one `random.Random(seed)`), so two runs of a drill can be compared figure by figure.

Ordinary traffic follows the scenario's daily rhythm (`baseline`: a few mentions a minute at night,
more by day, `negative_share` of them negative) — the same rhythm the drill lays down as the detector's
learned weeks, so the quiet part pages nobody. The storm adds, minute by minute, `storm.rate`
mentions (a piecewise-linear curve over minutes since its start), and `storm.angry_share` of all the
minute's mentions ask one of the scenario's questions in anger, in French or English (a slow burn
adds nothing: the usual traffic turns sour); the rest is ordinary traffic.
Whether a text counts as negative is the inbox classifier's call, as for any mention: ordinary texts
are drawn from pools the classifier has sorted, so the negative share is what the scenario says.
"""

from __future__ import annotations

import json
import math
import random
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from inbox.classification import NEGATIVE_THRESHOLD, classify_many
from inbox.demo_texts import MentionTextGenerator

SCENARIOS = Path(__file__).resolve().parent / "scenarios"
FLIGHTS = ("276", "277", "292", "293", "1402")
POOL_SIZE = 150  # ordinary texts of each kind (negative / not) to draw from


class UnknownScenario(ValueError):
    pass


@dataclass(frozen=True)
class RecordedMention:
    offset_s: float  # seconds from the storm's start (negative during the lead-in)
    text: str
    language: str
    author: str  # handle, without @
    name: str
    followers: int
    retweets: int
    question: str  # the storm question it asks, "" for ordinary traffic


def _curve(points: list[list[float]], minute: float) -> float:
    """Piecewise-linear value of [[minute, value], ...] at `minute` (flat beyond the ends)."""
    if minute <= points[0][0]:
        return float(points[0][1])
    for (m0, v0), (m1, v1) in zip(points, points[1:], strict=False):
        if minute <= m1:
            return v0 + (v1 - v0) * (minute - m0) / (m1 - m0) if m1 > m0 else float(v1)
    return float(points[-1][1])


@dataclass(frozen=True)
class Scenario:
    name: str
    story: str
    title: dict[str, str]
    seed: int
    weekday: int  # Monday 0 ... Sunday 6, in `time_zone`
    at: time
    time_zone: str
    lead_in_minutes: int
    tail_minutes: int
    severity: int
    baseline: dict[str, float]
    storm: dict[str, Any]
    scope_terms: list[str]
    opening: list[dict[str, Any]]
    questions: list[dict[str, Any]]
    statement: dict[str, str]
    info_url: str
    answer: dict[str, str]
    desk: dict[str, float]

    @property
    def storm_minutes(self) -> int:
        return int(self.storm["minutes"])

    def baseline_rate(self, moment: datetime) -> float:
        """Ordinary mentions a minute at `moment`: quiet nights, a rise from 6:00 to an evening peak."""
        local = moment.astimezone(ZoneInfo(self.time_zone))
        hour = local.hour + local.minute / 60
        daytime = max(0.0, math.sin(math.pi * (hour - 6) / 18)) if hour >= 6 else 0.0
        return self.baseline["night"] + (self.baseline["day"] - self.baseline["night"]) * daytime

    def storm_rate(self, minute: float) -> float:
        return _curve(self.storm["rate"], minute)

    def angry_share(self, minute: float) -> float:
        return _curve(self.storm["angry_share"], minute)

    def starts_after(self, moment: datetime) -> datetime:
        """The first start (weekday and time, in the scenario's zone) after `moment`."""
        return self._start_near(moment, +1)

    def starts_before(self, moment: datetime) -> datetime:
        return self._start_near(moment, -1)

    def _start_near(self, moment: datetime, direction: int) -> datetime:
        zone = ZoneInfo(self.time_zone)
        day = moment.astimezone(zone).date()
        for step in range(15):
            candidate_day = day + timedelta(days=direction * step)
            candidate = datetime.combine(candidate_day, self.at, tzinfo=zone)
            if candidate.weekday() == self.weekday and (candidate > moment if direction > 0 else candidate < moment):
                return candidate
        raise AssertionError("a weekday recurs within 15 days")


def scenario_names() -> list[str]:
    return sorted(path.stem for path in SCENARIOS.glob("*.json"))


def scenario_load(name: str) -> Scenario:
    path = SCENARIOS / f"{name}.json"
    if name not in scenario_names():
        raise UnknownScenario(f"No drill scenario named {name!r}: choose one of {', '.join(scenario_names())}.")
    data = json.loads(path.read_text(encoding="utf-8"))
    hours, minutes = (int(part) for part in data["starts"]["time"].split(":"))
    return Scenario(
        name=data["name"], story=data["story"], title=data["title"], seed=int(data["seed"]),
        weekday=int(data["starts"]["weekday"]), at=time(hours, minutes), time_zone=data["starts"]["time_zone"],
        lead_in_minutes=int(data["lead_in_minutes"]), tail_minutes=int(data["tail_minutes"]),
        severity=int(data["severity"]), baseline=data["baseline"], storm=data["storm"],
        scope_terms=list(data["scope_terms"]), opening=list(data["opening"]), questions=list(data["questions"]),
        statement=data["statement"], info_url=data["info_url"], answer=data["answer"], desk=data["desk"])


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 30:  # normal approximation: exact enough, and exp(-lam) would underflow the product method
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, count, product = math.exp(-lam), 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count


class _Ordinary:
    """Ordinary mentions (the demo's generator), sorted once into negative and other texts."""

    def __init__(self, seed: int) -> None:
        self.texts = MentionTextGenerator(seed=seed)
        drawn = [self.texts.normal() for _ in range(POOL_SIZE * 4)]
        verdicts = classify_many([text for text, _ in drawn], language_hints=[language for _, language in drawn])
        self.negative = [pair for pair, v in zip(drawn, verdicts, strict=True) if v.sentiment < NEGATIVE_THRESHOLD]
        self.other = [pair for pair, v in zip(drawn, verdicts, strict=True) if v.sentiment >= NEGATIVE_THRESHOLD]
        for pair in (self.texts.angry() for _ in range(POOL_SIZE)):
            if len(self.negative) >= POOL_SIZE:
                break
            self.negative.append(pair)  # angry texts top up a short negative pool

    def pick(self, rng: random.Random, *, negative: bool) -> tuple[str, str]:
        return rng.choice(self.negative if negative else self.other)


def recording(scenario: Scenario, *, scale: float = 1.0, minutes: int | None = None) -> list[RecordedMention]:
    """Every mention of the drill, from the lead-in to the storm's end (or `minutes` into it), by time."""
    rng = random.Random(scenario.seed)
    ordinary = _Ordinary(scenario.seed)
    storm_minutes = scenario.storm_minutes if minutes is None else min(minutes, scenario.storm_minutes)
    # The ordinary rhythm is read on a reference start (the scenario's own weekday and time), so the
    # recording does not depend on the date the drill runs.
    reference = datetime.combine(datetime(2011, 3, 7 + scenario.weekday).date(), scenario.at,
                                 tzinfo=ZoneInfo(scenario.time_zone))  # 2011-03-07 was a Monday
    mentions: list[RecordedMention] = []
    serial = 0

    def author(language: str, *, influencer: bool = False) -> tuple[str, str, int]:
        nonlocal serial
        serial += 1
        handle, name = ordinary.texts.author(language=language)
        followers = rng.randint(20_000, 300_000) if influencer else ordinary.texts.followers()
        return f"{handle.lstrip('@')[:11]}{serial}", name, followers

    for minute in range(-scenario.lead_in_minutes, storm_minutes):
        start = minute * 60.0
        moment = reference + timedelta(minutes=minute)
        ordinary_count = _poisson(rng, scenario.baseline_rate(moment) * scale)
        storm_count = _poisson(rng, scenario.storm_rate(minute) * scale) if minute >= 0 else 0
        for _ in range(ordinary_count + storm_count):
            # During the storm, `angry_share` of every mention (the ordinary ones too: a slow burn
            # turns the usual traffic sour without adding to it) asks a storm question in anger.
            if minute < 0 or rng.random() >= scenario.angry_share(minute):
                text, language = ordinary.pick(rng, negative=rng.random() < scenario.baseline["negative_share"])
                handle, name, followers = author(language)
                mentions.append(RecordedMention(start + rng.uniform(0, 60), text, language, handle, name,
                                                followers, 0, ""))
                continue
            question = rng.choices(scenario.questions, weights=[q["weight"] for q in scenario.questions])[0]
            language = "fr" if rng.random() < scenario.storm["french_share"] else "en"
            text = rng.choice(question[language]).replace("{flight}", rng.choice(FLIGHTS))
            handle, name, followers = author(language, influencer=rng.random() < scenario.storm["influencer_share"])
            # Re-shares: heavy-tailed, and growing with the storm's age where the storm goes viral
            # (a slow burn sours without anyone's post taking off).
            growth = scenario.storm.get("reshare_growth", 1.0)
            mentions.append(RecordedMention(start + rng.uniform(0, 60), text, language, handle, name, followers,
                                            int(rng.paretovariate(1.3) * (1 + growth * minute)), question["key"]))
    for spark in scenario.opening:
        mentions.append(RecordedMention(float(spark["offset_s"]), spark["text"], spark["lang"], spark["author"],
                                        spark["name"], int(spark["followers"]), 500, "opening"))
    return sorted(mentions, key=lambda m: m.offset_s)
