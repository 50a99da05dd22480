"""Inbox settings, routing rules and linked contacts through the API."""

import pytest
from django.urls import reverse

from accounts.roles import Role
from inbox.models import Contact, RoutingRule
from tests.factories import ContactFactory, ConversationFactory, TagFactory, TeamFactory, member

pytestmark = pytest.mark.django_db


def url(name, organization, **kwargs):
    return reverse(f"api:{name}", kwargs={"organization_slug": organization.slug, **kwargs})


def test_sla_settings_round_trip_and_validation(api_for, organization):
    lead = member(organization, Role.LEAD)
    api = api_for(lead)
    assert api.get(url("inbox-settings", organization)).json()["sla_policy"]["targets_minutes"]["normal"] == 120
    body = {"sla_policy": {"targets_minutes": {"normal": 60},
                           "business_hours": {"mon": [["09:00", "12:30"], ["13:30", "18:00"]]}},
            "watch_terms": ["AirDemo", "#AirDemoFail"]}
    data = api.put(url("inbox-settings", organization), body, format="json").json()
    assert data["sla_policy"]["targets_minutes"]["normal"] == 60
    assert data["sla_policy"]["time_zone"] == "Europe/Paris"  # the organization's
    assert data["sla_policy"]["business_hours"]["mon"] == [["09:00", "12:30"], ["13:30", "18:00"]]
    response = api.put(url("inbox-settings", organization),
                       {"sla_policy": {"business_hours": {"mon": [["18:00", "09:00"]]}}}, format="json")
    assert response.status_code == 400
    assert "ends before it starts" in response.content.decode()


def test_agents_read_settings_but_cannot_change_them(api_for, agent, organization):
    api = api_for(agent)
    assert api.get(url("inbox-settings", organization)).status_code == 200
    assert api.put(url("inbox-settings", organization), {"watch_terms": ["x"]}, format="json").status_code == 403
    assert api.post(url("routing-rule-list", organization), {"name": "x"}, format="json").status_code == 403


def test_routing_rules_crud(api_for, organization):
    lead = member(organization, Role.LEAD)
    care = TeamFactory(organization=organization)
    refund = TagFactory(organization=organization, name="remboursement")
    api = api_for(lead)
    response = api.post(url("routing-rule-list", organization), {
        "name": "Remboursements", "conditions": {"keywords": ["rembourse"]}, "team_id": care.pk,
        "tag_ids": [refund.pk], "priority": "high"}, format="json")
    assert response.status_code == 201, response.content
    rule_id = response.json()["id"]
    rule = RoutingRule.objects.for_organization(organization).get(pk=rule_id)
    assert rule.team == care and list(rule.tags.all()) == [refund] and rule.priority == 2
    api.patch(url("routing-rule-detail", organization, pk=rule_id), {"is_active": False}, format="json")
    rule.refresh_from_db()
    assert rule.is_active is False
    bad = api.post(url("routing-rule-list", organization), {"name": "x", "conditions": {"mood": "sad"}}, format="json")
    assert bad.status_code == 400 and "Unknown routing condition" in bad.content.decode()


def test_routing_rules_refuse_another_organizations_team_and_tags(api_for, organization, other_organization):
    api = api_for(member(organization, Role.ADMIN))
    theirs = TeamFactory(organization=other_organization)
    their_tag = TagFactory(organization=other_organization)
    assert api.post(url("routing-rule-list", organization), {"name": "x", "team_id": theirs.pk},
                    format="json").status_code == 400
    assert api.post(url("routing-rule-list", organization), {"name": "x", "tag_ids": [their_tag.pk]},
                    format="json").status_code == 400


def test_linking_contacts_shows_a_persons_history_across_channels(api_for, agent, organization):
    on_x = ContactFactory(organization=organization, platform="x", handle="@camille")
    on_facebook = ContactFactory(organization=organization, platform="facebook", handle="Camille M.")
    first = ConversationFactory(organization=organization, contact=on_x)
    second = ConversationFactory(organization=organization, contact=on_facebook, channel__platform="facebook")
    api = api_for(agent)
    linked = api.post(url("contact-link", organization, pk=on_x.pk), {"other_contact_id": on_facebook.pk},
                      format="json").json()
    assert {c["id"] for c in linked} == {on_x.pk, on_facebook.pk}
    detail = api.get(url("conversation-detail", organization, pk=first.pk)).json()
    assert [c["id"] for c in detail["other_conversations"]] == [second.pk]
    api.post(url("contact-unlink", organization, pk=on_facebook.pk))
    assert Contact.objects.for_organization(organization).get(pk=on_facebook.pk).person is None


def test_contacts_of_another_organization_cannot_be_linked(api_for, agent, organization, other_organization):
    mine = ContactFactory(organization=organization)
    theirs = ContactFactory(organization=other_organization)
    response = api_for(agent).post(url("contact-link", organization, pk=mine.pk), {"other_contact_id": theirs.pk},
                                   format="json")
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.person is None
