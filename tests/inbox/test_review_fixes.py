"""Failure paths found in review: each would lose, double or mis-send something."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from accounts.roles import Role
from accounts.scoping import UnscopedQueryError
from inbox.models import ChannelStatus, Conversation, DeliveryState, Message
from inbox.services import conversation_set_status, conversation_tag, mentions_ingest, reply_compose
from inbox.tasks import send_message
from tests.factories import (
    ChannelFactory,
    ConversationFactory,
    MessageFactory,
    TeamFactory,
    member,
    platform_item,
)


def page(name, organization, **kwargs):
    return reverse(name, kwargs={"organization_slug": organization.slug, **kwargs})


@pytest.fixture
def conversation(organization):
    channel = ChannelFactory(organization=organization, handle="@AirDemo")
    return MessageFactory(conversation__organization=organization, conversation__channel=channel,
                          external_id="in-1").conversation


@pytest.mark.django_db
def test_removing_a_tag_works_from_service_page_and_api(client_for, api_for, agent, organization, conversation):
    conversation_tag(conversation=conversation, add=["bagage", "vip", "retard"], actor=agent)
    conversation_tag(conversation=conversation, remove=["bagage"], actor=agent)
    client_for(agent).post(page("conversation-act", organization, pk=conversation.pk), {"action": "untag", "tag": "vip"})
    api_for(agent).post(reverse("api:conversation-tags", kwargs={"organization_slug": organization.slug,
                                                                  "pk": conversation.pk}), {"remove": ["retard"]},
                        format="json")
    assert list(conversation.tags.values_list("name", flat=True)) == []


@pytest.mark.django_db(transaction=True)
def test_a_reply_is_kept_and_answered_201_when_the_broker_is_down(api_for, agent, organization, conversation,
                                                                   monkeypatch):
    def broker_down(*args, **kwargs):
        raise ConnectionError("Redis is restarting")

    monkeypatch.setattr(send_message, "delay", broker_down)
    response = api_for(agent).post(reverse("api:conversation-reply", kwargs={"organization_slug": organization.slug,
                                                                             "pk": conversation.pk}),
                                   {"text": "Nous regardons."}, format="json")
    assert response.status_code == 201
    assert Message.objects.for_organization(organization).filter(direction="out", state="queued").count() == 1


@pytest.mark.django_db
def test_a_paused_channel_sends_nothing(agent, organization, conversation):
    channel = conversation.channel
    with transaction.atomic():
        message = reply_compose(conversation=conversation, author=agent, text="Bonjour")
    channel.status = ChannelStatus.DISABLED
    channel.save(update_fields=["status"])
    assert send_message.apply(args=[message.pk]).get() == "failed"
    message.refresh_from_db()
    assert message.state == DeliveryState.FAILED and message.error_code == "channel_paused"
    with pytest.raises(Exception, match="paused"):
        reply_compose(conversation=conversation, author=agent, text="Encore")


@pytest.mark.django_db
def test_links_that_are_not_web_links_are_dropped(organization):
    channel = ChannelFactory(organization=organization)
    mentions_ingest(channel=channel, items=[
        platform_item("evil", url="javascript:alert(1)"), platform_item("fine", author="u2", url="https://x.com/p/1")])
    urls = dict(Message.objects.for_organization(organization).values_list("external_id", "url"))
    assert urls == {"evil": "", "fine": "https://x.com/p/1"}


@pytest.mark.django_db
def test_the_clock_restarts_when_a_customer_writes_after_a_close_without_answer(agent, organization):
    channel = ChannelFactory(organization=organization)
    t0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
    mentions_ingest(channel=channel, items=[platform_item("t1", thread="t1", at=t0)], now=t0)
    conversation = Conversation.objects.for_organization(organization).get()
    conversation_set_status(conversation=conversation, status="closed", actor=agent)
    conversation_set_status(conversation=conversation, status="open", actor=agent)
    later = datetime.now(UTC)
    mentions_ingest(channel=channel, items=[platform_item("t2", thread="t1", at=later)], now=later)
    conversation.refresh_from_db()
    assert conversation.sla_stopped_at is None
    assert conversation.sla_due_at == later + timedelta(hours=2)


@pytest.mark.django_db
def test_bulk_team_and_bad_priority_from_the_page(client_for, agent, organization, conversation):
    care = TeamFactory(organization=organization)
    client = client_for(agent)
    response = client.post(page("inbox-bulk", organization), {"action": "team", "team": care.pk, "ids": [conversation.pk]})
    assert response.status_code == 200
    conversation.refresh_from_db()
    assert conversation.team == care
    response = client.post(page("inbox-bulk", organization), {"action": "priority", "priority": "bogus",
                                                              "ids": [conversation.pk]})
    assert response.status_code == 400 and "Unknown priority" in response.content.decode()
    response = client.post(page("conversation-act", organization, pk=conversation.pk),
                           {"action": "priority", "priority": "bogus"})
    assert response.status_code == 400


@pytest.mark.django_db
def test_a_users_related_manager_is_not_a_tenant_scope(organization, other_organization):
    person = member(organization, Role.AGENT)
    ConversationFactory(organization=organization, assignee=person)
    with pytest.raises(UnscopedQueryError):
        list(person.assigned_conversations.all())
