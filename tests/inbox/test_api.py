"""The inbox API: filters, search, detail, writes, bulk, replies, roles and tenancy."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from inbox.models import Activity, Conversation, DeliveryState, Message, Priority
from tests.factories import (
    ChannelFactory,
    ContactFactory,
    ConversationFactory,
    MessageFactory,
    TeamFactory,
    member,
)

pytestmark = pytest.mark.django_db


def url(name, organization, **kwargs):
    return reverse(f"api:{name}", kwargs={"organization_slug": organization.slug, **kwargs})


@pytest.fixture
def channel(organization):
    return ChannelFactory(organization=organization, handle="@AirDemo")


@pytest.fixture
def conversation(organization, channel):
    message = MessageFactory(conversation__organization=organization, conversation__channel=channel,
                             text="Ma valise est perdue depuis trois jours", external_id="in-1")
    return message.conversation


def ids(response):
    assert response.status_code == 200, response.content
    return [c["id"] for c in response.json()["results"]]


def test_list_defaults_to_active_conversations_newest_first(api_for, agent, organization, channel):
    now = timezone.now()
    older = ConversationFactory(organization=organization, channel=channel, last_message_at=now - timedelta(hours=1))
    newer = ConversationFactory(organization=organization, channel=channel, last_message_at=now)
    ConversationFactory(organization=organization, channel=channel, status="closed")
    assert ids(api_for(agent).get(url("conversation-list", organization))) == [newer.pk, older.pk]


def test_list_filters(api_for, agent, organization, channel):
    care = TeamFactory(organization=organization)
    now = timezone.now()
    mine = ConversationFactory(organization=organization, channel=channel, assignee=agent)
    urgent = ConversationFactory(organization=organization, channel=channel, priority=Priority.URGENT, team=care)
    angry = ConversationFactory(organization=organization, channel=channel, sentiment=-0.8, language="en")
    breached = ConversationFactory(organization=organization, channel=channel, sla_due_at=now - timedelta(minutes=5),
                                   sla_started_at=now - timedelta(hours=3), sla_target_seconds=7200)
    due_soon = ConversationFactory(organization=organization, channel=channel, sla_due_at=now + timedelta(minutes=5),
                                   sla_started_at=now - timedelta(hours=1), sla_target_seconds=7200)
    pending = ConversationFactory(organization=organization, channel=channel, status="pending")
    api = api_for(agent)
    assert ids(api.get(url("conversation-list", organization), {"assignee": "me"})) == [mine.pk]
    assert ids(api.get(url("conversation-list", organization), {"priority": "urgent"})) == [urgent.pk]
    assert ids(api.get(url("conversation-list", organization), {"team": care.pk})) == [urgent.pk]
    assert ids(api.get(url("conversation-list", organization), {"sentiment": "negative"})) == [angry.pk]
    assert ids(api.get(url("conversation-list", organization), {"language": "en"})) == [angry.pk]
    assert ids(api.get(url("conversation-list", organization), {"sla": "breached"})) == [breached.pk]
    assert ids(api.get(url("conversation-list", organization), {"sla": "due_soon"})) == [due_soon.pk]
    assert ids(api.get(url("conversation-list", organization), {"status": "pending"})) == [pending.pk]
    assert len(ids(api.get(url("conversation-list", organization), {"status": "all"}))) == 6


def test_bad_filters_are_explained(api_for, agent, organization):
    response = api_for(agent).get(url("conversation-list", organization), {"status": "archived"})
    assert response.status_code == 400
    assert "Unknown status “archived”" in response.content.decode()


def test_cursor_pagination(api_for, agent, organization, channel):
    for _ in range(5):
        ConversationFactory(organization=organization, channel=channel)
    api = api_for(agent)
    first = api.get(url("conversation-list", organization), {"page_size": 2}).json()
    second = api.get(first["next"]).json()
    assert len(first["results"]) == 2 and len(second["results"]) == 2
    assert not {c["id"] for c in first["results"]} & {c["id"] for c in second["results"]}


def test_full_text_search_in_french_and_english_with_accents_folded(api_for, agent, organization, channel):
    refund = MessageFactory(conversation__organization=organization, conversation__channel=channel,
                            text="Quand vais-je être remboursé pour mon vol annulé ?").conversation
    baggage = MessageFactory(conversation__organization=organization, conversation__channel=channel,
                             text="My luggage was lost at Heathrow").conversation
    api = api_for(agent)
    assert ids(api.get(url("conversation-list", organization), {"q": "rembourse"})) == [refund.pk]
    assert ids(api.get(url("conversation-list", organization), {"q": "annulés"})) == [refund.pk]
    assert ids(api.get(url("conversation-list", organization), {"q": "luggage lost"})) == [baggage.pk]
    assert ids(api.get(url("conversation-list", organization), {"q": "luggages"})) == [baggage.pk]
    assert ids(api.get(url("conversation-list", organization), {"q": "croissant"})) == []


def test_search_never_finds_another_organizations_messages(api_for, agent, organization, other_organization):
    MessageFactory(conversation__organization=other_organization, text="remboursement secret")
    assert ids(api_for(agent).get(url("conversation-list", organization), {"q": "remboursement"})) == []


def test_detail_has_thread_notes_activity_and_the_contacts_other_conversations(api_for, agent, organization,
                                                                                channel, conversation):
    facebook = ChannelFactory(organization=organization, platform="facebook", handle="AirDemo")
    contact = conversation.contact
    other_contact = ContactFactory(organization=organization, platform="facebook", handle="Camille M.")
    from inbox.models import Person

    person = Person.objects.create(organization=organization, display_name="Camille")
    type(contact).objects.for_organization(organization).filter(pk__in=[contact.pk, other_contact.pk]).update(person=person)
    elsewhere = ConversationFactory(organization=organization, channel=facebook, contact=other_contact,
                                    preview="Message privé sur Facebook")
    api = api_for(agent)
    api.post(url("conversation-notes", organization, pk=conversation.pk), {"text": "Client fidèle, voir @agent"}, format="json")
    data = api.get(url("conversation-detail", organization, pk=conversation.pk)).json()
    assert [m["text"] for m in data["messages"]] == ["Ma valise est perdue depuis trois jours"]
    assert [n["text"] for n in data["notes"]] == ["Client fidèle, voir @agent"]
    assert [a["verb"] for a in data["activities"]] == ["noted"]
    assert [c["id"] for c in data["other_conversations"]] == [elsewhere.pk]


def test_assign_status_snooze_tags_priority_team(api_for, agent, organization, conversation):
    api = api_for(agent)
    care = TeamFactory(organization=organization, name="Care")
    assert api.post(url("conversation-assign", organization, pk=conversation.pk), {"assignee_id": agent.pk},
                    format="json").json()["assignee"]["email"] == agent.email
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    body = api.post(url("conversation-status", organization, pk=conversation.pk),
                    {"status": "snoozed", "snoozed_until": later}, format="json").json()
    assert body["status"] == "snoozed" and body["snoozed_until"]
    body = api.post(url("conversation-tags", organization, pk=conversation.pk), {"add": ["bagage", "vip"]},
                    format="json").json()
    assert sorted(body["tags"]) == ["bagage", "vip"]
    assert api.post(url("conversation-priority", organization, pk=conversation.pk), {"priority": "urgent"},
                    format="json").json()["priority"] == "urgent"
    assert api.post(url("conversation-team", organization, pk=conversation.pk), {"team_id": care.pk},
                    format="json").json()["team"] == {"id": care.pk, "name": "Care"}
    verbs = list(Activity.objects.for_organization(organization).filter(conversation=conversation)
                 .order_by("pk").values_list("verb", flat=True))
    assert verbs == ["assigned", "snoozed", "tagged", "priority_changed", "assigned"]


def test_snooze_in_the_past_is_refused_with_a_reason(api_for, agent, organization, conversation):
    response = api_for(agent).post(url("conversation-status", organization, pk=conversation.pk),
                                   {"status": "snoozed", "snoozed_until": "2020-01-01T00:00:00Z"}, format="json")
    assert response.status_code == 400
    assert "future" in response.content.decode()


def test_assigning_someone_from_another_organization_is_refused(api_for, agent, organization, conversation, outsider):
    response = api_for(agent).post(url("conversation-assign", organization, pk=conversation.pk),
                                   {"assignee_id": outsider.pk}, format="json")
    assert response.status_code == 400


def test_team_of_another_organization_is_refused(api_for, agent, organization, other_organization, conversation):
    theirs = TeamFactory(organization=other_organization)
    response = api_for(agent).post(url("conversation-team", organization, pk=conversation.pk),
                                   {"team_id": theirs.pk}, format="json")
    assert response.status_code == 400


def test_bulk_by_ids_and_by_filter(api_for, agent, organization, channel):
    a, b, c = (ConversationFactory(organization=organization, channel=channel, language=lang) for lang in ("fr", "fr", "en"))
    api = api_for(agent)
    response = api.post(url("conversation-bulk", organization), {"ids": [a.pk, b.pk], "action": "priority",
                                                                 "priority": "high"}, format="json")
    assert response.json() == {"changed": 2}
    response = api.post(url("conversation-bulk", organization), {"filter": {"language": "en"}, "action": "status",
                                                                 "status": "closed"}, format="json")
    assert response.json() == {"changed": 1}
    priorities = dict(Conversation.objects.for_organization(organization).values_list("pk", "priority"))
    assert priorities[a.pk] == priorities[b.pk] == Priority.HIGH
    c.refresh_from_db()
    assert c.status == "closed"


def test_bulk_ids_of_another_organization_are_ignored(api_for, agent, organization, other_organization):
    theirs = ConversationFactory(organization=other_organization)
    response = api_for(agent).post(url("conversation-bulk", organization), {"ids": [theirs.pk], "action": "status",
                                                                            "status": "closed"}, format="json")
    assert response.json() == {"changed": 0}
    theirs.refresh_from_db()
    assert theirs.status == "new"


def test_reply_is_queued_from_the_conversations_channel(api_for, agent, organization, conversation, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        response = api_for(agent).post(url("conversation-reply", organization, pk=conversation.pk),
                                       {"text": "Nous regardons tout de suite, pouvez-vous nous écrire en privé ?"},
                                       format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "queued" and body["channel"]["handle"] == "@AirDemo"
    message = Message.objects.for_organization(organization).get(pk=body["id"])
    assert message.parent_external_id == "in-1" and message.author_user == agent


def test_reply_from_another_channel_needs_confirmation(api_for, agent, organization, conversation):
    other = ChannelFactory(organization=organization, handle="@AirDemoJobs")
    api = api_for(agent)
    endpoint = url("conversation-reply", organization, pk=conversation.pk)
    response = api.post(endpoint, {"text": "Bonjour", "channel_id": other.pk}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "other_channel"
    assert "@AirDemo" in response.json()["detail"] and "@AirDemoJobs" in response.json()["detail"]
    assert not Message.objects.for_organization(organization).filter(direction="out").exists()
    response = api.post(endpoint, {"text": "Bonjour", "channel_id": other.pk, "confirm_other_channel": True}, format="json")
    assert response.status_code == 201


def test_channel_of_another_organization_is_never_offered(api_for, agent, organization, other_organization, conversation):
    theirs = ChannelFactory(organization=other_organization)
    response = api_for(agent).post(url("conversation-reply", organization, pk=conversation.pk),
                                   {"text": "Bonjour", "channel_id": theirs.pk, "confirm_other_channel": True}, format="json")
    assert response.status_code == 400


def test_reply_sent_meanwhile_asks_for_confirmation(api_for, agent, organization, conversation):
    colleague = member(organization, Role.AGENT, full_name="Alex Morgan")
    seen = conversation.messages.get().pk
    api_for(colleague).post(url("conversation-reply", organization, pk=conversation.pk), {"text": "On s'en occupe !"},
                            format="json")
    api = api_for(agent)
    endpoint = url("conversation-reply", organization, pk=conversation.pk)
    response = api.post(endpoint, {"text": "Nous regardons", "seen_up_to_message_id": seen}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "replied_meanwhile"
    assert response.json()["details"]["text"] == "On s'en occupe !"
    response = api.post(endpoint, {"text": "Nous regardons", "seen_up_to_message_id": seen,
                                   "confirm_after_other_reply": True}, format="json")
    assert response.status_code == 201


def test_reply_longer_than_the_platform_allows_is_refused(api_for, agent, organization, conversation):
    response = api_for(agent).post(url("conversation-reply", organization, pk=conversation.pk), {"text": "x" * 281},
                                   format="json")
    assert response.status_code == 400
    assert "280 characters" in response.content.decode()


def test_draft_is_kept_server_side_for_whoever_takes_over(api_for, agent, organization, conversation):
    api = api_for(agent)
    api.put(url("conversation-draft", organization, pk=conversation.pk), {"text": "Bonjour Camille,"}, format="json")
    api.put(url("conversation-draft", organization, pk=conversation.pk), {"text": "Bonjour Camille, nous"}, format="json")
    drafts = Message.objects.for_organization(organization).filter(state=DeliveryState.DRAFT)
    assert [d.text for d in drafts] == ["Bonjour Camille, nous"]
    # Drafts are not part of the thread.
    data = api.get(url("conversation-detail", organization, pk=conversation.pk)).json()
    assert [m["state"] for m in data["messages"]] == [""]


@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE])
def test_read_only_roles_read_but_get_403_on_every_write(api_for, organization, conversation, role):
    api = api_for(member(organization, role))
    assert api.get(url("conversation-list", organization)).status_code == 200
    assert api.get(url("conversation-detail", organization, pk=conversation.pk)).status_code == 200
    for name, body in [("conversation-assign", {"assignee_id": None}), ("conversation-status", {"status": "closed"}),
                       ("conversation-tags", {"add": ["x"]}), ("conversation-priority", {"priority": "high"}),
                       ("conversation-notes", {"text": "x"}), ("conversation-reply", {"text": "x"})]:
        assert api.post(url(name, organization, pk=conversation.pk), body, format="json").status_code == 403, name
    assert api.post(url("conversation-bulk", organization), {"ids": [conversation.pk], "action": "status",
                                                             "status": "closed"}, format="json").status_code == 403
    conversation.refresh_from_db()
    assert conversation.status == "new"


def test_another_organization_gets_404_on_list_detail_and_writes(api_for, organization, conversation, outsider):
    Membership.objects.unscoped().filter(user=outsider).update(role=Role.ADMIN)
    api = api_for(outsider)
    assert api.get(url("conversation-list", organization)).status_code == 404
    assert api.get(url("conversation-detail", organization, pk=conversation.pk)).status_code == 404
    assert api.post(url("conversation-status", organization, pk=conversation.pk), {"status": "closed"},
                    format="json").status_code == 404
    own = reverse("api:conversation-status", kwargs={"organization_slug": "rival", "pk": conversation.pk})
    assert api.post(own, {"status": "closed"}, format="json").status_code == 404
    own_reply = reverse("api:conversation-reply", kwargs={"organization_slug": "rival", "pk": conversation.pk})
    assert api.post(own_reply, {"text": "hijack"}, format="json").status_code == 404
    conversation.refresh_from_db()
    assert conversation.status == "new"
    assert not Message.objects.for_organization(organization).filter(direction="out").exists()


def test_saved_views_personal_and_shared(api_for, agent, organization):
    lead = member(organization, Role.LEAD)
    api = api_for(agent)
    response = api.post(url("saved-view-list", organization), {"name": "Mes urgents",
                                                               "filters": {"assignee": "me", "priority": ["urgent"]}},
                        format="json")
    assert response.status_code == 201
    assert api.post(url("saved-view-list", organization), {"name": "X", "filters": {}, "shared": True},
                    format="json").status_code == 400
    assert api_for(lead).post(url("saved-view-list", organization), {"name": "Crise", "filters": {"sentiment": "negative"},
                                                                     "shared": True}, format="json").status_code == 201
    assert sorted(v["name"] for v in api.get(url("saved-view-list", organization)).json()) == ["Crise", "Mes urgents"]
    assert [v["name"] for v in api_for(lead).get(url("saved-view-list", organization)).json()] == ["Crise"]


def test_dead_letters_are_visible_to_leads_not_agents(api_for, agent, organization, channel):
    from inbox.models import DeadLetter

    DeadLetter.objects.create(organization=organization, channel=channel, payload={"x": 1}, reason="No id")
    assert api_for(agent).get(url("dead-letter-list", organization)).status_code == 403
    lead = member(organization, Role.LEAD)
    assert [d["reason"] for d in api_for(lead).get(url("dead-letter-list", organization)).json()["results"]] == ["No id"]


def test_failed_reply_can_be_retried(api_for, agent, organization, conversation):
    failed = MessageFactory(conversation=conversation, direction="out", state="failed", error="Platform down",
                            external_id=None, author_user=agent, author_contact=None)
    response = api_for(agent).post(url("message-retry", organization, pk=failed.pk))
    assert response.status_code == 200 and response.json()["state"] == "queued"
