"""Running a drill: a recorded storm replayed on a simulated clock through the real pipeline.

One process, one simulated clock (`time_machine`: every `timezone.now()` in the services reads it,
and the services that take `now=` are given it). Each tick of the clock, the mentions recorded up
to then are posted to the drill's own platform sandbox (real HTTP), the drill's channel is polled
through its real connector (`inbox.tasks.poll_channel`, run in-process), the detector judges,
escalations and notifications run, and the scripted people act. Sends are the inbox's send task,
run synchronously (Celery eager, in this process only) so they happen on the simulated clock.

The clock runs after real time (the next time the scenario's weekday and hour come round): a
`make run` beside the drill finds nothing of the drill's due before real time gets there, so its
beat never steps into the drill; by then the drill is over, its alerts resolved and its channel
paused. The sweeps the drill runs itself are limited to its own organization.

Each tick runs what the beat would have run by then: the detector on the beat's own cadence (every
30 s, `CELERY_BEAT_SCHEDULE`), escalations and notifications every tick. The drill's channel is
polled on every tick that brought mentions — every 10 seconds during the storm, where the beat polls
a channel every minute, or at once while its pages come back full: a crisis desk's drill measures
its people and its detector, not the poll interval. Ticks are 10 seconds from a minute before the
storm until the first statement is out, 30 seconds otherwise; the people's actions happen at their
own times. Live events stay in this process (an in-memory channel layer): the drill runs hours of
simulated time in minutes, and a screen following it would only see them in a burst.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import time_machine
from celery import current_app
from django.db import reset_queries
from django.test.utils import override_settings
from django.utils import timezone

from accounts.models import Organization, User
from inbox.sandbox import PlatformSandbox, SandboxClient
from inbox.services.channels import channel_set_paused
from inbox.tasks import poll_channel

from ..models import Alert, Crisis
from ..services import detection, escalation, notifications
from . import figures as drill_figures
from .desk import Desk, desk_build, drill_slug
from .responders import Responders
from .scenario import RecordedMention, Scenario, recording, scenario_load
from .timing import spent

FAST_TICK = timedelta(seconds=10)
SLOW_TICK = timedelta(seconds=30)
JUDGE_EVERY = timedelta(seconds=30)  # the beat's "volume-spikes" schedule
QUIET_LOGGERS = ("celery", "inbox", "crisis", "playbooks", "accounts", "config")
PROGRESS_EVERY = timedelta(minutes=5)


@dataclass
class DrillResult:
    scenario: str
    organization: Organization
    crisis: Crisis | None
    storm_start: datetime
    figures: drill_figures.DrillFigures
    real_seconds: float
    cpu_seconds: float  # this process's CPU: what the drill costs whatever else the machine runs
    mentions: int
    replies_sent: int
    replies_refused: int
    report_path: Path | None = None
    lines: list[str] = field(default_factory=list)
    refusals: Counter = field(default_factory=Counter)

    @property
    def line(self) -> str:
        return self.figures.line(self.scenario)


class SimulatedClock:
    """The drill's clock: stopped in between moves, so a tick's writes all read one time."""

    def __init__(self, start: datetime) -> None:
        self.now = start
        self._travel = time_machine.travel(start, tick=False)
        self._coordinates = None

    def __enter__(self) -> SimulatedClock:
        self._coordinates = self._travel.start()
        return self

    def __exit__(self, *exc) -> None:
        self._travel.stop()

    def move_to(self, moment: datetime) -> None:
        self._coordinates.move_to(moment)
        self.now = moment


@contextmanager
def drill_environment() -> Iterator[None]:
    """This process only: tasks run synchronously (on the simulated clock, never on a worker), live
    events stay in memory, and the pipeline's logs (the console SMS of every page among them) make way
    for the progress lines."""
    previous_eager = current_app.conf.task_always_eager
    levels = {name: logging.getLogger(name).level for name in QUIET_LOGGERS}
    current_app.conf.task_always_eager = True
    for name in QUIET_LOGGERS:
        logging.getLogger(name).setLevel(logging.ERROR)
    # override_settings outside a test: it is how Channels is told to rebuild its layers.
    layers = override_settings(CHANNEL_LAYERS={"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}})
    layers.enable()
    try:
        yield
    finally:
        layers.disable()
        current_app.conf.task_always_eager = previous_eager
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def _iso(moment: datetime) -> str:
    """X's time format, to the millisecond."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _post(client: SandboxClient, mentions: list[RecordedMention], storm_start: datetime) -> None:
    if not mentions:
        return
    client.inject_many("x", "mentions", [
        {"text": m.text, "author": m.author, "author_name": m.name, "followers": m.followers, "lang": m.language,
         "retweets": m.retweets, "created_at": _iso(storm_start + timedelta(seconds=m.offset_s))}
        for m in mentions])


def _poll(desk: Desk) -> int:
    created = 0
    for _page in range(20):  # a burst bigger than one poll's pages is read on the same tick
        fetched = poll_channel(desk.channel.pk)
        created += fetched
        if not fetched:
            break
    return created


def drill_run(scenario_name: str, *, scale: float = 1.0, minutes: int | None = None, until: str = "",
              storm_start: datetime | None = None, people: dict[str, User] | None = None, name: str = "",
              slug: str = "", language: str = "fr", report_dir: Path | None = None,
              say: Callable[[str], None] = lambda line: None) -> DrillResult:
    """Run a drill end to end and return its figures. `until="detected"` replays the detector's part
    alone (nobody answers) and stops at the first alert; `minutes` cuts the storm short; `scale`
    multiplies every volume (the learned weeks too)."""
    scenario = scenario_load(scenario_name)
    started, cpu_started = time.monotonic(), time.process_time()
    real_now = timezone.now()
    storm_minutes = scenario.storm_minutes if minutes is None else min(minutes, scenario.storm_minutes)
    if storm_start is None:
        storm_start = scenario.starts_after(real_now + timedelta(minutes=scenario.lead_in_minutes + 5))
    lead_in_start = storm_start - timedelta(minutes=scenario.lead_in_minutes)
    end = storm_start + timedelta(minutes=storm_minutes + scenario.tail_minutes)
    name = name or f"Drill — {scenario.name} — {real_now:%Y-%m-%d %H:%M}"
    slug = slug or drill_slug(scenario, real_now)
    lines: list[str] = []
    zone = ZoneInfo(scenario.time_zone)

    def progress(at: datetime, text: str) -> None:
        offset = at - storm_start
        sign = "-" if offset < timedelta(0) else "+"
        line = f"[{at.astimezone(zone):%a %H:%M:%S} storm{sign}{abs(offset)}] {text}"
        lines.append(line)
        say(line)

    recorded = recording(scenario, scale=scale, minutes=minutes)
    say(f"Drill {scenario.name}: {len(recorded)} mentions recorded, storm at "
        f"{storm_start.astimezone(zone):%Y-%m-%d %H:%M %Z} (simulated)")
    sandbox = PlatformSandbox(port=0)
    sandbox.start()
    try:
        with drill_environment(), SimulatedClock(lead_in_start - timedelta(minutes=1)) as clock:
            desk = desk_build(scenario=scenario, storm_start=storm_start, name=name, slug=slug, sandbox=sandbox,
                              scale=scale, people=people, language=language)
            say(f"Drill organization “{desk.organization.name}” (/o/{desk.organization.slug}/) is ready")
            responders = Responders(desk=desk, scenario=scenario, storm_start=storm_start, say=progress)
            ingested = _replay(scenario, desk, responders, clock, recorded, storm_start=storm_start,
                             lead_in_start=lead_in_start, end=end, until=until, progress=progress)
            crisis = responders.crisis
            responders.close(clock.now)
            channel_set_paused(channel=desk.channel, paused=True)  # its sandbox is gone after the drill
            figures = drill_figures.drill_figures(crisis=crisis, organization=desk.organization,
                                                  storm_start=storm_start,
                                                  storm_end=storm_start + timedelta(minutes=storm_minutes))
    finally:
        sandbox.stop()
    outcome = DrillResult(scenario=scenario.name, organization=desk.organization, crisis=crisis,
                          storm_start=storm_start, figures=figures, real_seconds=time.monotonic() - started,
                          cpu_seconds=time.process_time() - cpu_started,
                          mentions=ingested, replies_sent=responders.log.replies_sent,
                          replies_refused=responders.log.replies_refused, lines=lines,
                          refusals=responders.log.refusals)
    if report_dir is not None:
        outcome.report_path = write_report(outcome, scenario, report_dir)
    return outcome


def _replay(scenario: Scenario, desk: Desk, responders: Responders, clock: SimulatedClock,
            recorded: list[RecordedMention], *, storm_start: datetime, lead_in_start: datetime, end: datetime,
            until: str, progress: Callable[[datetime, str], None]) -> int:
    waiting = deque(recorded)
    organization_id = desk.organization.pk
    client = SandboxClient(desk.sandbox.base_url)
    seen_alerts: set[int] = set()
    ingested = 0
    moment = lead_in_start
    next_progress = next_judgement = lead_in_start
    while moment <= end:
        action_at = responders.next_action_at()
        if action_at is not None and action_at < moment:
            clock.move_to(max(action_at, clock.now))
            with spent("people"):
                responders.run_due(clock.now)
            continue
        clock.move_to(moment)
        reset_queries()  # DEBUG keeps every statement otherwise; a drill runs tens of thousands
        due = []
        while waiting and storm_start + timedelta(seconds=waiting[0].offset_s) <= moment:
            due.append(waiting.popleft())
        with spent("ingestion"):
            _post(client, due, storm_start)
            if due:
                ingested += _poll(desk)
        if moment >= next_judgement:
            with spent("detection"):
                detection.detection_run(now=moment, organization_id=organization_id)
            next_judgement += JUDGE_EVERY
        with spent("escalation"):
            escalation.escalations_run_due(now=moment, organization_id=organization_id)
            notifications.notifications_deliver_due(now=moment, organization_id=organization_id)
        for alert in Alert.objects.for_organization(organization_id).exclude(pk__in=seen_alerts).order_by("pk"):
            seen_alerts.add(alert.pk)
            progress(alert.triggered_at, f"alert: {alert.title}")
        if until == "detected" and seen_alerts:
            break
        fast = (storm_start - timedelta(minutes=1) <= moment < storm_start + timedelta(minutes=10)
                or (seen_alerts and not responders.published))
        tick = FAST_TICK if fast else SLOW_TICK
        if until != "detected":  # the detector's part alone: nobody answers meanwhile
            with spent("people"):
                responders.step(moment, tick=tick)
        if moment >= next_progress:
            progress(moment, f"{ingested} mentions in, {responders.log.replies_sent} replies sent, "
                             f"{len(responders.in_scope) + len(responders.other)} waiting")
            next_progress = moment + PROGRESS_EVERY
        moment += tick
    return ingested


def write_report(result: DrillResult, scenario: Scenario, directory: Path) -> Path:
    """The drill's figures and timeline as JSON, beside the report page of its crisis."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{result.organization.slug}.json"
    timeline = []
    if result.crisis is not None:
        from .. import selectors

        timeline = [{"at": event.at.isoformat(), "kind": event.kind, "actor": event.actor.full_name if event.actor else "",
                     "text": event.text[:300], "data": event.data} for event in selectors.crisis_timeline(crisis=result.crisis)]
    path.write_text(json.dumps({
        "scenario": scenario.name, "story": scenario.story, "organization": result.organization.slug,
        "crisis_id": result.crisis.pk if result.crisis else None, "storm_start": result.storm_start.isoformat(),
        "figures": asdict(result.figures), "line": result.line, "real_seconds": round(result.real_seconds, 1),
        "cpu_seconds": round(result.cpu_seconds, 1),
        "mentions": result.mentions, "replies_sent": result.replies_sent, "replies_refused": result.replies_refused,
        "progress": result.lines, "timeline": timeline,
    }, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return path
