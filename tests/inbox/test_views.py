"""The triage pages' server side: list, rows for live updates, actions, notes, drafts, replies."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Membership
from accounts.roles import Role
from inbox.models import Conversation, Message
from tests.factories import ChannelFactory, ConversationFactory, MessageFactory, member

pytestmark = pytest.mark.django_db


def page(name, organization, **kwargs):
    return reverse(name, kwargs={"organization_slug": organization.slug, **kwargs})


@pytest.fixture
def conversation(organization):
    channel = ChannelFactory(organization=organization, handle="@AirDemo")
    return MessageFactory(conversation__organization=organization, conversation__channel=channel,
                          conversation__preview="Valise perdue à CDG", text="Valise perdue à CDG").conversation


def test_inbox_lists_active_conversations_with_their_badges(client_for, agent, organization, conversation):
    conversation.sla_due_at = timezone.now() - timedelta(minutes=10)
    conversation.sla_started_at = timezone.now() - timedelta(hours=2)
    conversation.sla_target_seconds = 7200
    conversation.save()
    html = client_for(agent).get(page("inbox", organization)).content.decode()
    assert "Valise perdue à CDG" in html
    assert "sla-breached" in html and "late 10 min" in html
    assert 'data-count="breached">1<' in html


def test_empty_view_says_what_to_do(client_for, agent, organization):
    html = client_for(agent).get(page("inbox", organization)).content.decode()
    assert "New mentions appear here by themselves" in html


def test_rows_endpoint_returns_only_given_ids_still_in_the_view(client_for, agent, organization, conversation):
    closed = ConversationFactory(organization=organization, status="closed", preview="Déjà réglé")
    html = client_for(agent).get(page("inbox-rows", organization), {"ids": f"{conversation.pk},{closed.pk}"}).content.decode()
    assert f'id="conversation-{conversation.pk}"' in html
    assert f'id="conversation-{closed.pk}"' not in html


def test_search_box_filters(client_for, agent, organization, conversation):
    ConversationFactory(organization=organization, preview="Autre sujet")
    html = client_for(agent).get(page("inbox", organization), {"q": "valise"}).content.decode()
    assert "Valise perdue" in html and "Autre sujet" not in html


def test_conversation_page_shows_thread_composer_identity_and_controls(client_for, agent, organization, conversation):
    html = client_for(agent).get(page("conversation", organization, pk=conversation.pk)).content.decode()
    assert "Valise perdue à CDG" in html
    assert 'data-testid="identity"' in html and "@AirDemo" in html
    assert 'id="reply-text"' in html and 'id="assignee-select"' in html


def test_viewers_get_no_composer_and_no_controls(client_for, organization, conversation):
    viewer = member(organization, Role.VIEWER)
    client = client_for(viewer)
    html = client.get(page("conversation", organization, pk=conversation.pk)).content.decode()
    assert 'id="reply-text"' not in html and 'id="assignee-select"' not in html
    assert client.post(page("conversation-reply", organization, pk=conversation.pk), {"text": "x"}).status_code == 403
    assert client.post(page("conversation-act", organization, pk=conversation.pk),
                       {"action": "status", "status": "closed"}).status_code == 403


def test_actions_render_the_header_again(client_for, agent, organization, conversation):
    client = client_for(agent)
    response = client.post(page("conversation-act", organization, pk=conversation.pk), {"action": "assign", "assignee": "me"},
                           HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and 'id="assignee-select"' in response.content.decode()
    conversation.refresh_from_db()
    assert conversation.assignee == agent and conversation.status == "open"
    response = client.post(page("conversation-act", organization, pk=conversation.pk), {"action": "snooze", "snoozed_until": "bad"})
    assert response.status_code == 400 and "could not be read" in response.content.decode()


def test_note_draft_and_reply(client_for, agent, organization, conversation):
    client = client_for(agent)
    assert client.post(page("conversation-note", organization, pk=conversation.pk), {"text": "Client VIP"}).status_code == 204
    assert client.post(page("conversation-draft", organization, pk=conversation.pk), {"text": "Bonjour"}).status_code == 204
    response = client.post(page("conversation-reply", organization, pk=conversation.pk), {"text": "Bonjour, on regarde !"})
    assert response.status_code == 204
    outbound = Message.objects.for_organization(organization).filter(direction="out")
    assert [m.state for m in outbound] == ["queued"]  # the draft became the reply


def test_reply_needing_confirmation_answers_409_with_the_question(client_for, agent, organization, conversation):
    other = ChannelFactory(organization=organization, handle="@AirDemoJobs")
    response = client_for(agent).post(page("conversation-reply", organization, pk=conversation.pk),
                                      {"text": "Bonjour", "channel": other.pk})
    assert response.status_code == 409
    assert json.loads(response.content)["code"] == "other_channel"


def test_bulk_close_by_filter(client_for, agent, organization, conversation):
    ConversationFactory(organization=organization, language="en")
    response = client_for(agent).post(page("inbox-bulk", organization),
                                      {"action": "status", "status": "closed", "scope": "filter", "filter_query": "language=en"})
    assert response.status_code == 200 and "1 conversations updated" in response.content.decode()
    assert Conversation.objects.for_organization(organization).filter(status="closed").count() == 1


def test_another_organizations_pages_answer_404(client_for, outsider, organization, conversation):
    Membership.objects.unscoped().filter(user=outsider).update(role=Role.ADMIN)
    client = client_for(outsider)
    assert client.get(page("inbox", organization)).status_code == 404
    assert client.get(page("conversation", organization, pk=conversation.pk)).status_code == 404
    assert client.get(reverse("conversation", kwargs={"organization_slug": "rival", "pk": conversation.pk})).status_code == 404
    assert client.post(reverse("conversation-reply", kwargs={"organization_slug": "rival", "pk": conversation.pk}),
                       {"text": "hijack"}).status_code == 404
    assert client.post(page("inbox-bulk", organization), {"action": "status", "status": "closed", "ids": [conversation.pk]}).status_code == 404
    # Bulk ids of our conversation sent to their own organization change nothing.
    client.post(reverse("inbox-bulk", kwargs={"organization_slug": "rival"}),
                {"action": "status", "status": "closed", "ids": [conversation.pk]})
    conversation.refresh_from_db()
    assert conversation.status == "new"
    assert not Message.objects.for_organization(organization).filter(direction="out").exists()


def test_counts_endpoint(client_for, agent, organization, conversation):
    ConversationFactory(organization=organization, assignee=agent)
    counts = client_for(agent).get(page("inbox-counts", organization)).json()
    assert counts == {"open": 2, "new": 2, "mine": 1, "unassigned": 1, "breached": 0, "failed": 0}


def test_notes_about_the_person_are_kept_for_the_next_one(client_for, agent, organization, conversation):
    client = client_for(agent)
    response = client.post(page("conversation-contact-notes", organization, pk=conversation.pk),
                           {"notes": "Passagère fidèle, préfère les messages privés"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "préfère les messages privés" in response.content.decode()
    conversation.contact.refresh_from_db()
    assert conversation.contact.notes == "Passagère fidèle, préfère les messages privés"
    viewer = member(organization, Role.VIEWER)
    assert client_for(viewer).post(page("conversation-contact-notes", organization, pk=conversation.pk),
                                   {"notes": "x"}).status_code == 403


def test_refusals_quote_what_was_sent_as_plain_text_never_html(client_for, agent, organization, conversation):
    markup = "<img src=x onerror=alert(1)>"
    response = client_for(agent).post(page("inbox-bulk", organization), {"action": markup, "ids": [conversation.pk]})

    assert response.status_code == 400
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert markup in response.content.decode()  # quoted for the person, as text
