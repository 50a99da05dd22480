"""The bad input the probe found, one by one: each answers 4xx with words to act on, never 5xx."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from accounts.models import Team
from accounts.roles import Role
from inbox.models import Note, RoutingRule, SavedView
from tests.factories import ConversationFactory, TeamFactory, member

pytestmark = pytest.mark.django_db
CANNOT_BE_STORED = "cannot be stored"


def api_url(name, organization, **kwargs):
    return reverse(f"api:{name}", kwargs={"organization_slug": organization.slug, **kwargs})


def page_url(name, organization, **kwargs):
    return reverse(name, kwargs={"organization_slug": organization.slug, **kwargs})


@pytest.fixture
def admin(organization):
    return member(organization, Role.ADMIN, email="bad-input-admin@example.com")


@pytest.fixture
def page(admin):
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    return client


@pytest.mark.parametrize("param", ["q", "tag", "language", "channel", "assignee", "sort"])
def test_nul_in_inbox_query_parameters_is_refused_in_words(page, api_for, admin, organization, param):
    for url in (page_url("inbox", organization), page_url("inbox-rows", organization),
                api_url("conversation-list", organization)):
        client = page if url.startswith("/o/") else api_for(admin)
        response = client.get(url, {param: "vol\x00annulé"})
        assert response.status_code == 400, url
        text = response.json()["detail"] if url.startswith("/api/") else response.content.decode()
        assert CANNOT_BE_STORED in text and f"“{param}”" in text


def test_nul_in_the_contacts_search_is_refused(api_for, admin, organization):
    response = api_for(admin).get(api_url("contact-list", organization), {"q": "\x00"})
    assert response.status_code == 400
    assert CANNOT_BE_STORED in response.json()["detail"]


def test_nul_in_page_forms_is_refused_and_nothing_is_stored(page, organization):
    conversation = ConversationFactory(organization=organization)
    team = TeamFactory(organization=organization, name="Night shift")
    posts = [
        (page_url("conversation-note", organization, pk=conversation.pk), {"text": "a\x00b"}),
        (page_url("conversation-draft", organization, pk=conversation.pk), {"text": "a\x00b"}),
        (page_url("conversation-reply", organization, pk=conversation.pk), {"text": "a\x00b"}),
        (page_url("conversation-contact-notes", organization, pk=conversation.pk), {"notes": "a\x00b"}),
        (page_url("conversation-act", organization, pk=conversation.pk), {"action": "tag", "tag": "a\x00b"}),
        (page_url("inbox-bulk", organization), {"action": "tag", "ids": str(conversation.pk), "tags": "a\x00b"}),
        (page_url("team-list", organization), {"name": "a\x00b"}),
        (page_url("team-detail", organization, pk=team.pk), {"name": "a\x00b"}),
        (page_url("channel-connect", organization) + "?platform=web",
         {"feed_urls": "https://a.example/f\x00", "watch_terms": "x", "confirmed_brand_account": "on"}),
    ]
    for url, data in posts:
        response = page.post(url, data)
        assert response.status_code == 400, url
        assert CANNOT_BE_STORED in response.content.decode()
        assert "\x00" not in response.content.decode()
    assert not Note.objects.for_organization(organization).exists()
    assert list(Team.objects.for_organization(organization).values_list("name", flat=True)) == ["Night shift"]


@pytest.mark.parametrize("escaped", ["\\u0000", "\\ud800"])
def test_nul_and_lone_surrogates_inside_json_are_refused(api_for, admin, organization, escaped):
    conversation = ConversationFactory(organization=organization)
    response = api_for(admin).post(api_url("conversation-notes", organization, pk=conversation.pk),
                                   '{"text": "a' + escaped + 'b"}', content_type="application/json")
    assert response.status_code == 400
    assert CANNOT_BE_STORED in response.json()["detail"]
    assert not Note.objects.for_organization(organization).exists()
    response = api_for(admin).post(api_url("saved-view-list", organization),
                                   '{"name": "Mine", "filters": {"q": "a' + escaped + 'b"}}',
                                   content_type="application/json")
    assert response.status_code == 400
    assert not SavedView.objects.for_organization(organization).exists()


@pytest.mark.parametrize("position", [2**15, 2**31, 2**63, -1])
def test_routing_rule_position_beyond_the_column_is_refused(api_for, admin, organization, position):
    api = api_for(admin)
    response = api.post(api_url("routing-rule-list", organization), {"name": "VIP", "position": position}, format="json")
    assert response.status_code == 400
    assert "position" in response.json()
    rule = RoutingRule.objects.create(organization=organization, name="VIP", conditions={})
    response = api.patch(api_url("routing-rule-detail", organization, pk=rule.pk), {"position": position}, format="json")
    assert response.status_code == 400 and "position" in response.json()
    assert api.post(api_url("routing-rule-list", organization), {"name": "VIP", "position": 32767},
                    format="json").status_code == 201


@pytest.mark.parametrize("position", [2**15, 2**63, -1])
def test_saved_view_position_beyond_the_column_is_refused(api_for, admin, organization, position):
    response = api_for(admin).post(api_url("saved-view-list", organization), {"name": "Mine", "position": position},
                                   format="json")
    assert response.status_code == 400 and "position" in response.json()


@pytest.mark.parametrize("value", [[], ["status", "open"], "status=open", 12, True])
def test_json_fields_that_must_be_objects(api_for, admin, organization, value):
    api = api_for(admin)
    response = api.post(api_url("saved-view-list", organization), {"name": "Mine", "filters": value}, format="json")
    assert response.status_code == 400
    assert "filters" in response.json() and "object" in str(response.json()["filters"])
    response = api.put(api_url("inbox-settings", organization), {"sla_policy": value}, format="json")
    assert response.status_code == 400 and "sla_policy" in response.json()
    response = api.post(api_url("routing-rule-list", organization), {"name": "VIP", "conditions": value},
                        format="json")
    assert response.status_code == 400 and "conditions" in response.json()


@pytest.mark.parametrize("policy", [
    {"targets_minutes": []}, {"targets_minutes": {"urgent": "soon"}}, {"targets_minutes": {"urgent": 2**70}},
    {"business_hours": "weekdays"}, {"business_hours": {"mon": "09:00-18:00"}}, {"business_hours": {"mon": [[9, 18]]}},
    {"time_zone": 12}, {"time_zone": "Mars/Olympus"},
])
def test_sla_policy_of_the_wrong_inner_shape(api_for, admin, organization, policy):
    response = api_for(admin).put(api_url("inbox-settings", organization), {"sla_policy": policy}, format="json")
    assert response.status_code == 400 and "sla_policy" in response.json()


@pytest.mark.parametrize("conditions", [
    {"channels": ["seven"]}, {"channels": [2**70]}, {"keywords": [{"a": 1}]}, {"languages": [3]},
    {"min_followers": "many"}, {"min_followers": 2**70}, {"sentiment_below": "sad"}, {"kinds": "mention"},
])
def test_routing_conditions_of_the_wrong_inner_shape(api_for, admin, organization, conditions):
    response = api_for(admin).post(api_url("routing-rule-list", organization), {"name": "VIP", "conditions": conditions},
                                   format="json")
    assert response.status_code == 400 and "conditions" in response.json()


def test_huge_ids_are_refused_or_not_found(api_for, admin, organization, page):
    conversation = ConversationFactory(organization=organization)
    api = api_for(admin)
    assert api.post(api_url("conversation-assign", organization, pk=conversation.pk), {"assignee_id": 2**70},
                    format="json").status_code == 400
    assert api.post(api_url("conversation-bulk", organization), {"ids": [2**70], "action": "unassign"},
                    format="json").status_code == 400
    assert page.post(page_url("conversation-act", organization, pk=conversation.pk),
                     {"action": "assign", "assignee": str(2**70)}).status_code == 400
    assert page.get(page_url("inbox-rows", organization), {"after": str(2**70)}).status_code == 404
    assert page.get(page_url("inbox", organization), {"channel": str(2**70)}).status_code == 200


def test_too_long_team_name_on_the_team_page_is_explained(page, organization):
    team = TeamFactory(organization=organization, name="Night shift")
    response = page.post(page_url("team-detail", organization, pk=team.pk), {"name": "x" * 300}, follow=True)
    assert response.status_code == 200
    assert "at most 80 characters" in response.content.decode()
    team.refresh_from_db()
    assert team.name == "Night shift"


def test_options_on_the_api_docs(page):
    assert page.options(reverse("api-docs")).status_code < 500
    assert page.options(reverse("api-schema")).status_code < 500


def test_platform_text_with_nul_or_lone_surrogates_is_ingested_cleaned(organization):
    """A platform's JSON may carry "\\u0000" or a lone surrogate: the mention is kept, cleaned, instead
    of failing its batch (and every later poll fetching it again) in the database."""
    from datetime import UTC, datetime

    from inbox.connectors.base import ItemKind, PlatformAuthor, PlatformItem
    from inbox.models import Contact, DeadLetter, Message
    from inbox.services import mentions_ingest
    from inbox.services.ingestion import UnparsableItem
    from tests.factories import ChannelFactory

    channel = ChannelFactory(organization=organization)
    item = PlatformItem(external_id="m\x001", kind=ItemKind.MENTION, text="vol\x00 annulé \ud800!",
                        author=PlatformAuthor(external_id="fan\x00", handle="@fan\ud83d", name="Fan\x00"),
                        created_at=datetime.now(UTC), raw={"title\x00": ["a\x00", {"b": "\udc00"}]})
    result = mentions_ingest(channel=channel, items=[item, UnparsableItem(payload={"x": "\x00"}, reason="r\x00")])
    assert (result.created, result.dead_letters) == (1, 1)
    message = Message.objects.for_organization(organization).get()
    assert (message.external_id, message.text) == ("m1", "vol annulé \ufffd!")
    contact = Contact.objects.for_organization(organization).get()
    assert (contact.external_id, contact.handle, contact.name) == ("fan", "@fan\ufffd", "Fan")
    assert DeadLetter.objects.for_organization(organization).get().payload == {"x": ""}
