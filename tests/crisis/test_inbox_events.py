"""Inbox events reach the crisis app through the inbox's registries and become alerts."""

from datetime import timedelta

from django.utils import timezone

from crisis.models import Alert, AlertStatus
from crisis.services.coverage import coverage_gaps_check
from inbox.services import channels as channel_services
from inbox.services import sla_breaches_record
from tests.factories import ChannelFactory, ConversationFactory


def _overdue(organization, priority=3):
    now = timezone.now()
    return ConversationFactory(organization=organization, priority=priority, sla_target_seconds=1800,
                               sla_started_at=now - timedelta(hours=1), sla_running_since=now - timedelta(hours=1),
                               sla_elapsed_seconds=0, sla_due_at=now - timedelta(minutes=30))


def test_missed_first_response_targets_raise_one_alert_that_later_breaches_join(organization, climbing_policy,
                                                                                django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _overdue(organization)
        _overdue(organization)
        sla_breaches_record()
    alert = Alert.objects.for_organization(organization).get()
    assert (alert.source, alert.severity, alert.status, alert.occurrences) == ("sla_breach", "critical", "triggered", 2)
    assert alert.policy == climbing_policy and alert.next_escalation_at is not None
    assert "urgent" in alert.title


def test_a_revoked_token_pages_and_reconnecting_resolves(organization, django_capture_on_commit_callbacks):
    channel = ChannelFactory(organization=organization, handle="@airdemo")
    with django_capture_on_commit_callbacks(execute=True):
        channel_services.channel_needs_reconnect(channel=channel, message="The token was revoked")
    alert = Alert.objects.for_organization(organization).get()
    assert (alert.source, alert.severity, alert.details) == ("channel_health", "high", "The token was revoked")
    assert "@airdemo" in alert.title
    with django_capture_on_commit_callbacks(execute=True):
        channel_services.channel_poll_succeeded(channel=channel, cursor={}, more_waiting=False)
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert list(alert.log.values_list("kind", flat=True))[-1] == "resolved"


def test_a_coverage_gap_ahead_raises_a_low_alert_once(organization, lead, agent):
    from datetime import date, time

    from crisis.services import oncall as rota_services

    rota_services.rota_create(
        organization=organization, actor=lead, name="Office", time_zone="Europe/Paris",
        layers=[{"name": "Weekdays", "member_ids": [agent.pk], "starts_on": date(2026, 1, 5), "handoff_time": time(9),
                 "restrictions": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}]}])
    assert coverage_gaps_check() == 1
    assert coverage_gaps_check() == 1
    alert = Alert.objects.for_organization(organization).get()
    assert (alert.source, alert.severity, alert.occurrences) == ("coverage_gap", "low", 2)
    assert alert.data["gaps"]


def test_a_channel_reported_working_raises_nothing_and_ends_its_trouble(organization,
                                                                        django_capture_on_commit_callbacks):
    """Connecting, resuming or a poll answering again all report "healthy": none of them pages anyone
    (the demo's seed connects six channels), and each ends an open channel alert."""
    from crisis.services.inbox_events import on_channel_health

    channel = ChannelFactory(organization=organization, handle="@airdemo")
    on_channel_health(channel, "healthy", "connected")
    on_channel_health(channel, "healthy", "resumed")
    assert not Alert.objects.for_organization(organization).exists()

    with django_capture_on_commit_callbacks(execute=True):
        channel_services.channel_needs_reconnect(channel=channel, message="The token was revoked")
    on_channel_health(channel, "healthy", "connected")  # reconnected with new credentials
    assert Alert.objects.for_organization(organization).get().status == AlertStatus.RESOLVED


def test_an_overdue_alert_names_its_priority_in_the_organization_language(organization, climbing_policy,
                                                                          django_capture_on_commit_callbacks):
    organization.language = "fr"
    organization.save(update_fields=["language"])
    with django_capture_on_commit_callbacks(execute=True):
        _overdue(organization, priority=2)
        sla_breaches_record()
    assert Alert.objects.for_organization(organization).get().title == "Réponses en retard (priorité haute)"
