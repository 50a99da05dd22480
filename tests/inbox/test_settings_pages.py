"""Inbox settings (targets, business hours, holidays) and the routing-rule editor with its preview."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.urls import reverse

from accounts.roles import Role
from inbox import sla
from inbox.models import InboxSettings, RoutingRule
from tests.factories import ConversationFactory, MessageFactory, TeamFactory, member

pytestmark = pytest.mark.django_db


def _page(name, organization, **kwargs):
    return reverse(name, kwargs={"organization_slug": organization.slug, **kwargs})


@pytest.fixture
def lead_client(client, organization):
    client.force_login(member(organization, Role.LEAD, email="lead@airdemo.example"))
    return client


def _settings_form(**overrides):
    data = {"target_urgent": 30, "target_high": 60, "target_normal": 120, "target_low": 480,
            "hours_mon": "09:00-12:30, 13:30-18:00", "hours_tue": "09:00-18:00", "hours_wed": "09:00-18:00",
            "hours_thu": "09:00-18:00", "hours_fri": "09:00-17:00", "hours_sat": "", "hours_sun": "",
            "holidays": "2026-12-25\n2027-01-01"}
    data.update(overrides)
    return data


def test_leads_set_targets_business_hours_and_holidays(lead_client, organization):
    response = lead_client.post(_page("inbox-settings-page", organization), _settings_form())
    assert response.status_code == 302
    policy = InboxSettings.objects.for_organization(organization).get().sla_policy
    assert policy["time_zone"] == "Europe/Paris"
    assert policy["targets_minutes"]["urgent"] == 30
    assert policy["business_hours"]["mon"] == [["09:00", "12:30"], ["13:30", "18:00"]]
    assert policy["business_hours"]["holidays"] == ["2026-12-25", "2027-01-01"]
    page = lead_client.get(_page("inbox-settings-page", organization)).content.decode()
    assert "09:00-12:30, 13:30-18:00" in page and "2026-12-25" in page


@pytest.mark.parametrize("language,said", [("en", "Write periods like"), ("fr", "Écrivez les plages")])
def test_bad_hours_are_refused_and_nothing_is_saved(client, organization, language, said):
    client.force_login(member(organization, Role.ADMIN, email="admin2@airdemo.example", language=language))
    response = client.post(_page("inbox-settings-page", organization), _settings_form(hours_tue="9h à 18h"))
    assert response.status_code == 400 and said in response.content.decode()
    assert not InboxSettings.objects.for_organization(organization).exists()


def test_a_holiday_stops_the_first_response_clock():
    hours = sla.BusinessHours.from_json({"thu": [["09:00", "18:00"]], "fri": [["09:00", "18:00"]],
                                         "holidays": ["2026-12-24"]})
    assert hours.holidays == frozenset({date(2026, 12, 24)})
    # Asked on Thursday 24 December (a holiday) at 10:00 Paris: counting starts on Friday 09:00.
    due = sla.add_working_time(start=datetime(2026, 12, 24, 9, 0, tzinfo=UTC), duration=timedelta(hours=1),
                               hours=hours, tz="Europe/Paris")
    assert due == datetime(2026, 12, 25, 9, 0, tzinfo=UTC)
    assert sla.BusinessHours.from_json(hours.to_json()) == hours


def test_agents_cannot_change_inbox_settings(client, agent, organization):
    client.force_login(agent)
    assert client.get(_page("inbox-settings-page", organization)).status_code == 403
    assert client.post(_page("routing-rule-list", organization), {"name": "x", "position": 0}).status_code == 403


def test_the_preview_shows_which_recent_conversations_a_rule_would_match_before_saving(lead_client, organization):
    refund = ConversationFactory(organization=organization, language="fr")
    MessageFactory(conversation=refund, text="Je veux être remboursé de mon billet")
    other = ConversationFactory(organization=organization, language="fr")
    MessageFactory(conversation=other, text="Merci pour le vol")
    english = ConversationFactory(organization=organization, language="en")
    MessageFactory(conversation=english, text="I want to be rembourse")
    response = lead_client.post(_page("routing-rule-list", organization), {
        "action": "preview", "name": "Remboursements", "position": 1, "keywords": "rembourse, remboursement",
        "languages": ["fr"]})
    page = response.content.decode()
    assert response.status_code == 200
    assert "would have matched 1 of the last 3 conversations" in page
    assert f"#{refund.pk}</a>" in page and f"#{other.pk}</a>" not in page and f"#{english.pk}</a>" not in page
    assert not RoutingRule.objects.for_organization(organization).exists()  # a preview saves nothing


def test_rules_are_saved_in_order_with_their_actions(lead_client, organization):
    team = TeamFactory(organization=organization, name="Care")
    for position, name in ((2, "Second"), (1, "First")):
        response = lead_client.post(_page("routing-rule-list", organization), {
            "action": "save", "name": name, "position": position, "is_active": "on", "keywords": "retard",
            "team": team.pk, "priority": "2"})
        assert response.status_code == 302
    rules = list(RoutingRule.objects.for_organization(organization).order_by("position"))
    assert [r.name for r in rules] == ["First", "Second"]
    assert rules[0].team == team and rules[0].priority == 2 and rules[0].conditions == {"keywords": ["retard"]}
    listing = lead_client.get(_page("routing-rule-list", organization)).content.decode()
    assert listing.index("First") < listing.index("Second")
    edit = lead_client.post(_page("routing-rule-detail", organization, pk=rules[0].pk), {
        "action": "save", "name": "First", "position": 3, "keywords": "retard"})
    assert edit.status_code == 302
    rules[0].refresh_from_db()
    assert rules[0].position == 3 and rules[0].team is None and rules[0].is_active is False


@pytest.mark.parametrize("language,said", [("en", "is both required and excluded"), ("fr", "à la fois exigé et exclu")])
def test_contradictory_conditions_are_refused_in_the_users_language(client, organization, language, said):
    client.force_login(member(organization, Role.LEAD, email="lead2@airdemo.example", language=language))
    for action in ("preview", "save"):
        response = client.post(_page("routing-rule-list", organization), {
            "action": action, "name": "Contradiction", "position": 0, "keywords": "retard",
            "exclude_keywords": "Retard"})
        assert response.status_code == 400 and said in response.content.decode()
    sentiment = client.post(_page("routing-rule-list", organization), {
        "action": "save", "name": "Never", "position": 0, "sentiment_above": "0.5", "sentiment_below": "0.2"})
    assert sentiment.status_code == 400
    assert not RoutingRule.objects.for_organization(organization).exists()  # nothing half-saved


def test_the_api_refuses_contradictory_rules_too(api_for, organization):
    api = api_for(member(organization, Role.ADMIN, email="admin3@airdemo.example"))
    response = api.post(f"/api/v1/o/{organization.slug}/routing-rules/", {
        "name": "x", "conditions": {"sentiment_above": 0.3, "sentiment_below": -0.3}}, format="json")
    assert response.status_code == 400 and "Contradictory" in response.json()["conditions"][0]


def test_the_api_previews_a_rule_without_saving_it(api_for, organization):
    api = api_for(member(organization, Role.LEAD, email="lead3@airdemo.example"))
    refund = ConversationFactory(organization=organization, language="fr")
    MessageFactory(conversation=refund, text="Remboursez-moi ce billet, je veux être remboursé")
    ConversationFactory(organization=organization, language="fr")
    url = f"/api/v1/o/{organization.slug}/routing-rules/preview/"
    answer = api.post(url, {"conditions": {"keywords": ["rembourse"]}}, format="json")
    assert answer.status_code == 200
    assert answer.json() == {"examined": 2, "matched_conversation_ids": [refund.pk]}
    contradiction = api.post(url, {"conditions": {"keywords": ["vol"], "exclude_keywords": ["vol"]}}, format="json")
    assert contradiction.status_code == 400
    assert not RoutingRule.objects.for_organization(organization).exists()
