"""Putting conversations in a queue in bulk, and re-timing every running clock when targets change."""

from datetime import UTC, datetime, timedelta

import pytest

from inbox.models import Activity, Conversation, Priority
from inbox.services import clocks
from inbox.services.queues import conversations_queue, conversations_retarget
from inbox.services.settings import inbox_settings_update
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


def test_queueing_tags_once_and_raises_priority_but_never_lowers_it(organization, django_capture_on_commit_callbacks):
    low = ConversationFactory(organization=organization, priority=Priority.LOW)
    urgent = ConversationFactory(organization=organization, priority=Priority.URGENT)
    with django_capture_on_commit_callbacks(execute=True):
        queued = conversations_queue(organization_id=organization.pk, conversation_ids=[low.pk, urgent.pk, low.pk],
                                     tag="crisis-1", priority_at_least="high")
    assert sorted(queued) == sorted([low.pk, urgent.pk])
    low.refresh_from_db()
    urgent.refresh_from_db()
    assert (low.priority, urgent.priority) == (Priority.HIGH, Priority.URGENT)
    assert {t.name for t in low.tags.all()} == {"crisis-1"}
    assert conversations_queue(organization_id=organization.pk, conversation_ids=[low.pk], tag="crisis-1",
                               priority_at_least="high") == []
    assert Activity.objects.for_organization(organization).filter(conversation=low, verb="tagged").count() == 1


def test_queueing_ignores_another_organizations_conversations(organization, other_organization):
    theirs = ConversationFactory(organization=other_organization)
    assert conversations_queue(organization_id=organization.pk, conversation_ids=[theirs.pk], tag="crisis-1") == []
    assert not theirs.tags.exists()


def test_retargeting_counts_past_closed_hours_with_the_previous_policy(organization):
    # Office hours only; a mention on Friday 17:30 UTC has waited 30 working minutes by Saturday 10:00.
    inbox_settings_update(organization=organization, sla_policy={
        "time_zone": "UTC", "targets_minutes": {"urgent": 240, "high": 240, "normal": 240, "low": 240},
        "business_hours": {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}})
    office = clocks.policy_for(organization)
    conversation = ConversationFactory(organization=organization, status="open")
    friday = datetime(2026, 1, 9, 17, 30, tzinfo=UTC)
    clocks.start(conversation, policy=office, at=friday)
    conversation.save()
    stopped = ConversationFactory(organization=organization, status="open")
    clocks.start(stopped, policy=office, at=friday)
    clocks.stop(stopped, at=friday + timedelta(minutes=5))
    stopped.save()
    saturday = datetime(2026, 1, 10, 10, 0, tzinfo=UTC)
    # As crisis mode would: targets of 60 minutes, round the clock, from Saturday 10:00.
    inbox_settings_update(organization=organization, sla_policy={
        "time_zone": "UTC", "targets_minutes": {"urgent": 60, "high": 60, "normal": 60, "low": 60}})
    assert conversations_retarget(organization=organization, previous_policy=office, now=saturday) == 1
    conversation.refresh_from_db()
    assert conversation.sla_target_seconds == 3600
    assert conversation.sla_due_at == saturday + timedelta(minutes=30)
    before = stopped.sla_due_at
    stopped.refresh_from_db()
    assert stopped.sla_due_at == before and stopped.sla_target_seconds == 240 * 60
    assert Conversation.objects.for_organization(organization).count() == 2
