"""Crisis drills: a recorded storm replayed on a simulated clock through the real pipeline.

These run the real thing (sandbox over HTTP, ingestion, detector, escalation, the scripted people,
sends), shortened: the Sunday storm's first minutes at a fraction of its volume. The full drills
and their real time are bench/drill.py's.
"""

from __future__ import annotations

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from accounts.models import Membership, Organization, User
from accounts.roles import Role
from crisis.drills import scenario as drill_scenario
from crisis.drills.listing import finished_drills
from crisis.drills.runner import drill_run
from crisis.models import Alert, AlertStatus, Crisis, CrisisStatus, EventKind, MentionBucket
from inbox import selectors as inbox_selectors
from inbox.classification import NEGATIVE_THRESHOLD, classify_many
from tests.factories import OrganizationFactory, member

LAST_LINE = re.compile(r"^drill=(?P<scenario>[a-z-]+) detected_s=(?P<detected>\d+|none) paged_s=(?P<paged>\d+|none) "
                       r"acked_s=(?P<acked>\d+|none) declared_s=(?P<declared>\d+|none) "
                       r"first_statement_s=(?P<statement>\d+|none) answered_2h_pct=(?P<answered>\d+|none)$")


# -- the recording (pure) -------------------------------------------------------------------------


def test_a_scenario_records_the_same_storm_every_time_and_its_anger_is_the_classifiers():
    scenario = drill_scenario.scenario_load("sunday-storm")
    first, again = drill_scenario.recording(scenario), drill_scenario.recording(scenario)
    assert first == again
    storm = [m for m in first if m.question]
    assert {m.language for m in storm} == {"fr", "en"}
    assert {m.question for m in storm} >= {"cancelled", "evacuation", "refund", "sunday"}
    verdicts = classify_many([m.text for m in storm], language_hints=[m.language for m in storm])
    assert sum(v.sentiment < NEGATIVE_THRESHOLD for v in verdicts) / len(storm) > 0.95
    # A quiet night, then a fast rise: the first storm minute has more than the whole lead-in's last ten.
    lead_in = [m for m in first if -600 <= m.offset_s < 0]
    first_minute = [m for m in first if 0 <= m.offset_s < 60]
    assert len(first_minute) > 2 * len(lead_in) > 0


def test_scale_and_minutes_shorten_a_recording():
    scenario = drill_scenario.scenario_load("sunday-storm")
    full = drill_scenario.recording(scenario)
    short = drill_scenario.recording(scenario, scale=0.2, minutes=10)
    assert max(m.offset_s for m in short) < 10 * 60
    assert len(short) < len(full) / 5


def test_an_unknown_scenario_is_refused_in_words():
    with pytest.raises(drill_scenario.UnknownScenario, match="sunday-storm"):
        drill_scenario.scenario_load("tuesday-drizzle")
    with pytest.raises(CommandError, match="choose one of"):
        call_command("crisis_drill", "tuesday-drizzle")
    with pytest.raises(CommandError, match="--scale"):
        call_command("crisis_drill", "sunday-storm", "--scale", "0")


def test_starts_follow_the_scenarios_weekday_and_hour():
    scenario = drill_scenario.scenario_load("sunday-storm")
    from datetime import UTC, datetime
    from zoneinfo import ZoneInfo

    now = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)  # a Wednesday
    after, before = scenario.starts_after(now), scenario.starts_before(now)
    paris = ZoneInfo("Europe/Paris")
    assert after.astimezone(paris).strftime("%a %H:%M") == "Sun 02:00" and after > now
    assert before.astimezone(paris).strftime("%a %H:%M") == "Sun 02:00" and before < now
    assert after - before == timedelta(weeks=1)


# -- the drill, end to end ---------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_sunday_storm_drill_meets_its_targets_and_says_so_on_its_last_line(tmp_path):
    out = StringIO()
    call_command("crisis_drill", "sunday-storm", "--scale", "0.35", "--minutes", "12", "--report-dir", str(tmp_path),
                 "--check", stdout=out)
    lines = out.getvalue().strip().splitlines()
    figures = LAST_LINE.match(lines[-1])
    assert figures, lines[-1]
    assert figures["scenario"] == "sunday-storm"
    assert int(figures["detected"]) <= 60
    assert int(figures["paged"]) <= 60
    assert int(figures["detected"]) <= int(figures["paged"]) <= int(figures["acked"]) <= int(figures["declared"])
    assert int(figures["declared"]) <= 600
    assert int(figures["statement"]) <= 900
    assert int(figures["answered"]) >= 95
    assert any("declares the crisis" in line for line in lines)  # progress lines on the simulated clock

    organization = Organization.objects.get(name__startswith="Drill — sunday-storm — ")
    crisis = Crisis.objects.for_organization(organization).get()
    assert crisis.is_drill and crisis.status == CrisisStatus.CLOSED and crisis.severity == 3
    kinds = list(crisis.events.values_list("kind", flat=True))
    for kind in (EventKind.DETECTED, EventKind.PAGED, EventKind.ACKNOWLEDGED, EventKind.DECLARED, EventKind.STATEMENT,
                 EventKind.MEMBER_JOINED, EventKind.CLOSED):
        assert kind in kinds
    assert not Alert.objects.for_organization(organization).exclude(status=AlertStatus.RESOLVED).exists()
    # The replies went out through the inbox's send, one per conversation, to the sandbox.
    filters = inbox_selectors.ConversationFilters.from_params({"status": "all"})
    conversations = list(inbox_selectors.conversation_list(organization=organization, filters=filters))
    assert sum(c.first_response_at is not None for c in conversations) >= 0.95 * len(conversations)
    channel = inbox_selectors.channel_list(organization=organization).get()
    assert channel.status == "disabled"  # paused: its sandbox is gone with the drill
    report = next(tmp_path.glob("*.json"))
    assert organization.slug in report.name and "detected_s" in report.read_text()


@pytest.mark.django_db(transaction=True)
def test_the_slow_burn_is_caught_before_the_negative_share_doubles():
    result = drill_run("slow-burn", until="detected")
    alert = Alert.objects.for_organization(result.organization).order_by("triggered_at", "pk").first()
    assert alert is not None and alert.source == "negative_surge"
    assert not Alert.objects.for_organization(result.organization).filter(source="volume_spike").exists()
    # The share of the half hour before the alert, against the learned weeks' (which is the scenario's).
    scenario = drill_scenario.scenario_load("slow-burn")
    window = MentionBucket.objects.for_organization(result.organization).filter(
        topic_id=0, minute__gt=alert.triggered_at - timedelta(minutes=30), minute__lte=alert.triggered_at)
    mentions = sum(b.mentions for b in window)
    negative = sum(b.negative for b in window)
    assert mentions >= 60
    assert negative / mentions < 2 * scenario.baseline["negative_share"]
    assert alert.triggered_at - result.storm_start > timedelta(minutes=20)  # a slow rise, not a jump


@pytest.mark.django_db(transaction=True)
def test_the_demo_shows_a_finished_drill_played_by_the_demo_people(settings):
    settings.DEMO_DRILL = True
    call_command("seed_demo")
    drill = Organization.objects.get(slug="airdemo-exercice")
    crisis = Crisis.objects.for_organization(drill).get()
    assert crisis.is_drill and crisis.status == CrisisStatus.CLOSED
    assert crisis.declared_by.email in ("agent@airdemo.example", "backup@airdemo.example")
    assert Membership.objects.for_organization(drill).filter(user__email="lead@airdemo.example").exists()
    assert crisis.events.filter(kind=EventKind.STATEMENT, data__action="published").exists()
    assert crisis.started_at < crisis.closed_at
    call_command("seed_demo")  # seeded once
    assert Crisis.objects.for_organization(drill).count() == 1
    # From AirDemo's pages, its people find the drill (opened under the drill organization's address).
    lead = User.objects.get(email="lead@airdemo.example")
    assert list(finished_drills(user=lead)) == [crisis]
    stranger = member(OrganizationFactory(), Role.LEAD)
    assert list(finished_drills(user=stranger)) == []
    # AirDemo's crisis page links the drill's report, which opens for AirDemo's lead.
    from django.test import Client

    browser = Client()
    browser.force_login(lead)
    listing = browser.get("/o/airdemo/crisis/").content.decode()
    report_url = f"/o/airdemo-exercice/crisis/{crisis.pk}/report/"
    assert report_url in listing
    report = browser.get(report_url)
    assert report.status_code == 200 and crisis.title in report.content.decode()


@pytest.mark.django_db
def test_a_drills_sweeps_and_detector_leave_other_organizations_alone(organization, other_organization,
                                                                      django_capture_on_commit_callbacks):
    """A drill's clock runs ahead of real time: sweeping everyone at its time would page other
    organizations early. Given an organization, the sweeps and the detector touch only it."""
    from datetime import UTC, datetime

    from crisis.models import EscalationStepRun
    from crisis.services import alerts, detection, escalation, policies

    now = datetime(2026, 12, 6, 1, 0, 30, tzinfo=UTC)
    for org in (organization, other_organization):
        lead = member(org, Role.LEAD)
        policy = policies.policy_create(organization=org, actor=lead, name="Leads",
                                        steps=[{"notify": "leads", "wait_minutes": 0}])
        policies.routing_rule_create(organization=org, actor=lead, policy=policy, sources=[])
        alerts.alert_raise(organization=org, source="manual", severity="high", title="Help", now=now)
        MentionBucket.objects.bulk_create(
            [MentionBucket(organization=org, topic_id=0, minute=now.replace(second=0) - timedelta(minutes=m),
                           mentions=2) for m in range(1, 61)]
            + [MentionBucket(organization=org, topic_id=0, minute=now.replace(second=0), mentions=200)])
    with django_capture_on_commit_callbacks(execute=True):
        assert escalation.escalations_run_due(now=now, organization_id=organization.pk) == 1
        assert detection.detection_run(now=now, organization_id=organization.pk) >= 1
    assert EscalationStepRun.objects.for_organization(organization).exists()
    assert not EscalationStepRun.objects.for_organization(other_organization).exists()
    assert Alert.objects.for_organization(other_organization).count() == 1  # the manual page only
