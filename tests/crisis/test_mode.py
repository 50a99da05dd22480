"""Crisis mode: the guides' crisis state, tighter first-response targets, the crisis queue, telling the cell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import Notification
from crisis import mode, selectors
from crisis.models import Alert, AlertSource, AttemptStatus, CellRole, NotificationAttempt
from crisis.services import cell
from crisis.services import detection as detection_services
from crisis.services import notifications as notification_services
from inbox.models import Conversation, Priority
from inbox.services import clocks, mentions_ingest
from inbox.services import ingestion as ingestion_services
from playbooks.crisis_mode import crisis_state
from tests.factories import ChannelFactory, ConversationFactory, MessageFactory, TagFactory, platform_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def channel(organization):
    return ChannelFactory(organization=organization)


@pytest.fixture
def other_channel(organization):
    return ChannelFactory(organization=organization, handle="@airdemo_help")


def declare(organization, actor, django_capture_on_commit_callbacks, **kwargs):
    kwargs.setdefault("title", "Grève à CDG")
    with django_capture_on_commit_callbacks(execute=True):
        return cell.crisis_declare(organization=organization, actor=actor, **kwargs)


def close(crisis, actor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return cell.crisis_close(crisis=crisis, actor=actor, summary="Over")


def ingest(channel, *texts, start=0, django_capture_on_commit_callbacks):
    items = [platform_item(f"m-{start + n}", text, author=f"a{start + n}", thread=f"t-{start + n}",
                           at=timezone.now() - timedelta(seconds=5)) for n, text in enumerate(texts)]
    with django_capture_on_commit_callbacks(execute=True):
        return mentions_ingest(channel=channel, items=items)


def queued(crisis) -> set[str]:
    return {c.preview for c in selectors.crisis_queue(crisis=crisis)}


# --- the guides' crisis state ----------------------------------------------------------------------


def test_crisis_state_is_on_while_a_crisis_is_active_and_off_as_soon_as_it_closes(
        organization, other_organization, agent, django_capture_on_commit_callbacks):
    assert crisis_state(organization.pk).active is False
    crisis = declare(organization, agent, django_capture_on_commit_callbacks)
    assert crisis_state(organization.pk).active is True
    assert crisis_state(other_organization.pk).active is False
    close(crisis, agent, django_capture_on_commit_callbacks)
    assert crisis_state(organization.pk).active is False


def test_crisis_state_carries_the_approved_statements(organization, agent, django_capture_on_commit_callbacks,
                                                      monkeypatch):
    monkeypatch.setattr(selectors, "approved_statement_texts",
                        lambda organization_id: ("Nous sommes mobilisés.",) if organization_id == organization.pk else ())
    declare(organization, agent, django_capture_on_commit_callbacks)
    assert crisis_state(organization.pk).statements == ("Nous sommes mobilisés.",)


def test_the_per_reply_checks_cost_one_query_in_normal_mode(organization):
    with CaptureQueriesContext(connection) as queries:
        crisis_state(organization.pk)
        mode.sla_factor(organization.pk)
    assert len(queries.captured_queries) == 2


# --- first-response targets ------------------------------------------------------------------------


@pytest.mark.parametrize(("severity", "minutes"), [(1, 45), (2, 30), (3, 19), (4, 15)])
def test_targets_tighten_by_severity_round_the_clock(organization, agent, severity, minutes,
                                                     django_capture_on_commit_callbacks):
    from inbox.services.settings import inbox_settings_update

    inbox_settings_update(organization=organization, sla_policy={
        "targets_minutes": {"urgent": 60, "high": 60, "normal": 60, "low": 60},
        "business_hours": {"mon": [["09:00", "18:00"]]}})
    assert clocks.policy_for(organization).hours is not None
    crisis = declare(organization, agent, django_capture_on_commit_callbacks, severity=severity)
    policy = clocks.policy_for(organization)
    assert policy.target_for("normal") == timedelta(minutes=minutes)
    assert policy.hours is None
    close(crisis, agent, django_capture_on_commit_callbacks)
    assert clocks.policy_for(organization).target_for("normal") == timedelta(minutes=60)


def test_declaring_and_closing_retime_the_running_clocks(organization, agent, channel,
                                                          django_capture_on_commit_callbacks):
    ingest(channel, "Mon vol est annulé", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    conversation = Conversation.objects.for_organization(organization).get()
    normal_due = conversation.sla_due_at
    crisis = declare(organization, agent, django_capture_on_commit_callbacks, severity=4)
    conversation.refresh_from_db()
    assert conversation.sla_due_at < normal_due
    assert conversation.sla_target_seconds == clocks.policy_for(organization).target_for("high").total_seconds()
    close(crisis, agent, django_capture_on_commit_callbacks)
    conversation.refresh_from_db()
    assert conversation.sla_target_seconds == clocks.policy_for(organization).target_for("high").total_seconds()
    assert conversation.sla_due_at > timezone.now() + timedelta(minutes=20)


# --- the crisis queue -------------------------------------------------------------------------------


def test_mentions_in_scope_join_the_queue_whatever_their_case_and_accents(
        organization, agent, channel, django_capture_on_commit_callbacks):
    crisis = declare(organization, agent, django_capture_on_commit_callbacks, keywords=["Grève", "bagages perdus"])
    ingest(channel, "GREVE encore ce matin ?", "Mes BAGAGES PERDUS à Orly", "Merci pour le vol d'hier",
           "grève des contrôleurs", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert queued(crisis) == {"GREVE encore ce matin ?", "Mes BAGAGES PERDUS à Orly", "grève des contrôleurs"}
    in_queue = selectors.crisis_queue(crisis=crisis).first()
    assert in_queue.priority == Priority.HIGH
    assert mode.queue_tag(crisis) in {t.name for t in in_queue.tags.all()}


def test_a_watch_topic_brings_its_terms_tags_and_channels_into_scope(
        organization, agent, channel, other_channel, django_capture_on_commit_callbacks):
    topic = detection_services.watch_topic_create(organization=organization, name="Vol AD1234", terms=["AD1234"],
                                                  channel_ids=[other_channel.pk])
    crisis = declare(organization, agent, django_capture_on_commit_callbacks, topic_ids=[topic.pk])
    ingest(channel, "ad1234 toujours annulé", "Rien à voir",
           django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    ingest(other_channel, "Bonjour", start=10, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert queued(crisis) == {"ad1234 toujours annulé", "Bonjour"}


def test_a_topic_routing_tag_brings_mentions_into_scope(organization, agent, channel):
    tag = TagFactory(organization=organization, name="retards")
    topic = detection_services.watch_topic_create(organization=organization, name="Retards", tag_ids=[tag.pk])
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Retards", topic_ids=[topic.pk])
    scope = mode.scope_of(crisis)
    assert scope.matches(text="rien", channel_id=channel.pk, tag_ids={tag.pk})
    assert not scope.matches(text="rien", channel_id=channel.pk, tag_ids=set())


def test_a_channel_in_scope_takes_everything_on_it(organization, agent, channel, other_channel,
                                                   django_capture_on_commit_callbacks):
    crisis = declare(organization, agent, django_capture_on_commit_callbacks, channel_ids=[other_channel.pk])
    ingest(channel, "Ailleurs", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    ingest(other_channel, "Ici", start=5, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert queued(crisis) == {"Ici"}


def test_without_a_crisis_nothing_is_queued_and_after_closing_nothing_more(
        organization, agent, channel, django_capture_on_commit_callbacks):
    ingest(channel, "grève", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert not Conversation.objects.for_organization(organization).filter(tags__name__startswith="crisis-").exists()
    crisis = declare(organization, agent, django_capture_on_commit_callbacks, keywords=["zzz"])
    close(crisis, agent, django_capture_on_commit_callbacks)
    ingest(channel, "zzz", start=5, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert queued(crisis) == set()


def test_declaring_catches_up_with_the_storm_that_came_before(organization, agent, channel,
                                                               django_capture_on_commit_callbacks):
    before = timezone.now() - timedelta(minutes=20)
    for n, text in enumerate(["Grève à Roissy ?", "Bon vol", "GRÈVE !"]):
        MessageFactory(conversation=ConversationFactory(organization=organization, channel=channel, preview=text),
                       text=text, created_at=before + timedelta(minutes=n))
    long_ago = ConversationFactory(organization=organization, channel=channel, preview="grève de 2019")
    MessageFactory(conversation=long_ago, text="grève de 2019", created_at=timezone.now() - timedelta(days=3))
    crisis = declare(organization, agent, django_capture_on_commit_callbacks, keywords=["greve"])
    assert queued(crisis) == {"Grève à Roissy ?", "GRÈVE !"}


def test_a_failure_in_crisis_mode_never_breaks_ingestion(organization, agent, channel, monkeypatch, caplog,
                                                         django_capture_on_commit_callbacks):
    from crisis.models import MentionBucket

    declare(organization, agent, django_capture_on_commit_callbacks, keywords=["grève"])

    def broken(**kwargs):
        raise RuntimeError("tagging is down")

    monkeypatch.setattr("inbox.services.queues.conversations_queue", broken)
    result = ingest(channel, "grève", "grève encore", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert result.created == 2
    assert Conversation.objects.for_organization(organization).count() == 2
    assert "crisis mode could not queue" in caplog.text
    # The storm detector, the other listener, still counted them.
    assert MentionBucket.objects.for_organization(organization).get(topic_id=0).mentions == 2


def test_the_listener_tells_ingestion_which_conversation_each_mention_is_in(organization, channel,
                                                                           django_capture_on_commit_callbacks):
    heard = []
    ingestion_services.register_ingestion_listener(heard_listener := lambda org, mentions: heard.extend(mentions))
    try:
        ingest(channel, "Bonjour", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    finally:
        ingestion_services._ingestion_listeners.remove(heard_listener)
    assert heard[0].conversation_id == Conversation.objects.for_organization(organization).get().pk


def test_queue_stats_count_the_queue_and_its_oldest_unanswered_mention(organization, agent, channel,
                                                                       django_capture_on_commit_callbacks):
    crisis = declare(organization, agent, django_capture_on_commit_callbacks, keywords=["grève"])
    ingest(channel, "grève 1", "grève 2", "autre", django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    stats = selectors.crisis_queue_stats(crisis=crisis)
    assert stats.size == 2 and stats.unanswered == 2
    oldest = min(c.created_at for c in selectors.crisis_queue(crisis=crisis))
    assert stats.oldest_unanswered_at == oldest


# --- telling the cell -------------------------------------------------------------------------------


def test_every_member_of_the_cell_is_told_through_their_rules_with_a_link_to_the_room(
        organization, agent, lead, executive, django_capture_on_commit_callbacks):
    method = notification_services.contact_method_create(organization=organization, user=executive, kind="email",
                                                         address="eve@example.com")
    notification_services.notification_rule_create(organization=organization, user=executive, contact_method=method,
                                                   delay_minutes=1)
    crisis = declare(organization, agent, django_capture_on_commit_callbacks,
                     cell=[(lead.pk, CellRole.COMMUNITY_LEAD), (executive.pk, CellRole.EXECUTIVE)])
    notice = Alert.objects.for_organization(organization).get(source=AlertSource.CRISIS_DECLARED)
    attempts = NotificationAttempt.objects.for_organization(organization).filter(alert=notice)
    # Whoever declared is in the room already; the two others, at once in the app, then by their rules.
    assert {(a.user_id, a.kind) for a in attempts} == {(lead.pk, "in_app"), (executive.pk, "in_app"),
                                                       (executive.pk, "email")}
    assert notice.policy is None  # exactly the cell: no escalation policy pages anyone else
    path = mode.room_path(crisis)
    assert path.endswith(f"/crisis/{crisis.pk}/") and path.startswith(f"/o/{organization.slug}/")
    bell = Notification.objects.for_organization(organization).get(recipient=executive)
    assert bell.link == path and "Grève à CDG" in bell.title
    notice_text = notification_services._notice(alert=notice, user=executive, organization=organization)
    assert notice_text.url.endswith(path) and notice_text.ack_url == ""


def test_a_member_who_joined_the_room_is_not_told_again_and_others_still_are(
        organization, agent, lead, executive, django_capture_on_commit_callbacks, mailoutbox):
    for person in (lead, executive):
        method = notification_services.contact_method_create(organization=organization, user=person, kind="email",
                                                             address=f"{person.pk}@example.com")
        notification_services.notification_rule_create(organization=organization, user=person, contact_method=method,
                                                       delay_minutes=1)
    crisis = declare(organization, agent, django_capture_on_commit_callbacks,
                     cell=[(lead.pk, CellRole.COMMUNITY_LEAD), (executive.pk, CellRole.EXECUTIVE)])
    cell.member_join(crisis=crisis, user=lead)
    notice = Alert.objects.for_organization(organization).get(source=AlertSource.CRISIS_DECLARED)
    from crisis.services import alerts as alert_services

    alert_services.alert_acknowledge(alert=notice, actor=lead)  # stops only the lead's own notices
    notification_services.notifications_deliver_due(now=timezone.now() + timedelta(minutes=2))
    statuses = {a.user_id: a.status for a in NotificationAttempt.objects.for_organization(organization)
                .filter(alert=notice, kind="email")}
    assert statuses == {lead.pk: AttemptStatus.SKIPPED, executive.pk: AttemptStatus.SENT}
    assert [m.to for m in mailoutbox] == [[f"{executive.pk}@example.com"]]
    assert f"/crisis/{crisis.pk}/" in mailoutbox[0].body


def test_closing_the_crisis_resolves_its_notice(organization, agent, lead, django_capture_on_commit_callbacks):
    crisis = declare(organization, agent, django_capture_on_commit_callbacks, cell=[(lead.pk, CellRole.PR)])
    close(crisis, agent, django_capture_on_commit_callbacks)
    notice = Alert.objects.for_organization(organization).get(source=AlertSource.CRISIS_DECLARED)
    assert notice.status == "resolved"


def test_the_room_path_is_the_one_helper_for_every_link(organization, agent):
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="X",
                                 now=datetime(2026, 12, 1, tzinfo=UTC))
    assert mode.room_path(crisis) == f"/o/airdemo/crisis/{crisis.pk}/"
    assert mode.report_path(crisis) == f"/o/airdemo/crisis/{crisis.pk}/report/"


def test_crisis_rules_bind_replies_in_the_crisis_queue_and_leave_other_customers_alone(
        organization, agent, channel, django_capture_on_commit_callbacks):
    from django.core.exceptions import ValidationError

    from inbox.models import Message
    from inbox.services.replies import reply_compose

    crisis = declare(organization, agent, django_capture_on_commit_callbacks, keywords=["grève"])
    ingest(channel, "Grève encore ce matin ?", "Où est ma valise ?",
           django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    in_scope = selectors.crisis_queue(crisis=crisis).get()
    elsewhere = Conversation.objects.for_organization(organization).exclude(pk=in_scope.pk).get()
    with pytest.raises(ValidationError, match="approved"):
        reply_compose(conversation=in_scope, author=agent, text="On regarde ça tout de suite, désolés !")
    sent = reply_compose(conversation=elsewhere, author=agent, text="On regarde ça tout de suite, désolés !")
    assert isinstance(sent, Message)
    assert crisis_state(organization.pk).applies_to(("crisis-999",)) is False
    assert crisis_state(organization.pk).applies_to(None) is True
