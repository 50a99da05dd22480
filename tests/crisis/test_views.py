"""On-call pages: leads build rotas, agents see their shifts and ask swaps, everyone sees the banner."""

from datetime import UTC, datetime

from django.urls import reverse

from accounts.roles import Role
from crisis import selectors
from crisis.models import Alert, AlertStatus, Rota
from crisis.services import alerts as alert_services
from tests.factories import member

SLUG = {"organization_slug": "airdemo"}


def test_a_lead_builds_a_rota_with_an_override_on_the_page(organization, lead, agent, backup, client_for):
    client = client_for(lead)
    response = client.post(reverse("oncall", kwargs=SLUG), {
        "rota_name": "Weekend desk", "time_zone": "Europe/Paris", "name": "Primary", "members": [agent.pk, backup.pk],
        "starts_on": "2026-01-05", "handoff_time": "09:00", "shift_unit": "days", "shift_count": "1",
        "restriction": "", "level": "0"}, follow=True)
    rota = Rota.objects.for_organization(organization).get()
    assert response.redirect_chain[-1][0] == reverse("rota-detail", kwargs={**SLUG, "pk": rota.pk})
    assert b"rota-timeline" in response.content
    response = client.post(reverse("rota-detail", kwargs={**SLUG, "pk": rota.pk}), {
        "action": "override", "user": lead.pk, "starts_at": "2026-03-29T01:00", "ends_at": "2026-03-29T05:00",
        "note": "Nuit du changement d'heure"}, follow=True)
    assert b"Override added" in response.content
    # Wall times of the rota's zone: 01:00 CET to 05:00 CEST on the night clocks go forward, three real hours.
    shift = selectors.on_call_at(rota=rota, at=datetime(2026, 3, 29, 1, 30, tzinfo=UTC))
    assert (shift.user_id, shift.start, shift.end) == (lead.pk, datetime(2026, 3, 29, 0, tzinfo=UTC),
                                                       datetime(2026, 3, 29, 3, tzinfo=UTC))
    response = client.post(reverse("rota-detail", kwargs={**SLUG, "pk": rota.pk}), {
        "action": "override", "user": agent.pk, "starts_at": "2026-03-29T04:00", "ends_at": "2026-03-29T06:00"}, follow=True)
    assert b"overlaps another override" in response.content
    assert rota.overrides.count() == 1


def test_a_rota_with_nobody_is_refused_on_the_page(organization, lead, client_for):
    response = client_for(lead).post(reverse("oncall", kwargs=SLUG), {
        "rota_name": "Ghost", "time_zone": "Europe/Paris", "name": "Primary", "starts_on": "2026-01-05",
        "handoff_time": "09:00", "shift_unit": "days", "shift_count": "1", "level": "0"})
    assert response.status_code == 200 and b"a rota with nobody covers nothing" in response.content
    assert not Rota.objects.for_organization(organization).exists()


def test_the_rota_page_shows_gaps_and_agents_cannot_change_it(organization, rota, agent, client_for):
    client = client_for(agent)
    page = client.get(reverse("rota-detail", kwargs={**SLUG, "pk": rota.pk}))
    assert page.status_code == 200 and b"override-form" not in page.content
    assert client.post(reverse("rota-detail", kwargs={**SLUG, "pk": rota.pk}),
                       {"action": "override", "user": agent.pk, "starts_at": "2026-03-29T01:00",
                        "ends_at": "2026-03-29T05:00"}).status_code == 403
    listing = client.get(reverse("oncall", kwargs=SLUG))
    assert b"my-shifts" in listing.content and rota.name.encode() in listing.content


def test_the_banner_shows_open_alerts_on_every_page_and_readers_cannot_act(organization, agent, client_for):
    alert_services.alert_raise(organization=organization, source="manual", severity="high", title="Vol AD1234 annulé")
    reader = member(organization, Role.EXECUTIVE)
    client = client_for(reader)
    inbox = client.get(reverse("inbox", kwargs=SLUG))
    assert b'data-testid="alert-banner"' in inbox.content and "Vol AD1234 annulé".encode() in inbox.content
    alert = Alert.objects.for_organization(organization).get()
    assert client.post(reverse("alert-detail", kwargs={**SLUG, "pk": alert.pk}), {"action": "acknowledge"}).status_code == 403
    client_for(agent).post(reverse("alert-detail", kwargs={**SLUG, "pk": alert.pk}), {"action": "acknowledge"})
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED


def test_a_manual_page_from_the_alerts_page(organization, climbing_policy, agent, client_for):
    response = client_for(agent).post(reverse("alert-list", kwargs=SLUG),
                                      {"title": "Rumeur de crash", "severity": "critical", "details": ""}, follow=True)
    alert = Alert.objects.for_organization(organization).get()
    assert (alert.source, alert.created_by, alert.policy) == ("manual", agent, climbing_policy)
    assert b"alert-log" in response.content


def test_notification_settings_with_a_test_button(organization, agent, client_for, mailoutbox):
    client = client_for(agent)
    url = reverse("contact-methods", kwargs=SLUG)
    client.post(url, {"action": "add-method", "kind": "email", "address": "agent@airdemo.example"})
    method = selectors.contact_methods(organization=organization, user=agent).get()
    response = client.post(url, {"action": "test", "method": method.pk}, follow=True)
    assert b"Test sent" in response.content and mailoutbox[0].to == ["agent@airdemo.example"]
    response = client.post(url, {"action": "add-method", "kind": "sms", "address": "06 12"}, follow=True)
    assert b"international format" in response.content
    client.post(url, {"action": "add-rule", "contact_method": method.pk, "delay_minutes": 1})
    assert selectors.notification_rules(organization=organization, user=agent).get().delay_minutes == 1


def test_leads_set_policies_and_routing_on_a_page_and_a_looping_one_is_refused(organization, lead, rota, agent, client_for):
    client = client_for(lead)
    url = reverse("escalation-policies", kwargs=SLUG)
    response = client.post(url, {"action": "policy", "name": "Loop", "repeat": "3",
                                 "steps": '[{"notify": "leads", "wait_minutes": 0}]'}, follow=True)
    assert b"loops" in response.content
    client.post(url, {"action": "policy", "name": "Climb", "repeat": "0",
                      "steps": f'[{{"notify": "rota", "rota_id": {rota.pk}, "wait_minutes": 5}}, {{"notify": "leads"}}]'})
    policy = selectors.policy_list(organization=organization).get()
    client.post(url, {"action": "route", "policy": policy.pk, "sources": ["manual", "sla_breach"], "min_severity": "high"})
    assert list(selectors.routing_rules(organization=organization).values_list("sources", "min_severity")) == [
        (["manual", "sla_breach"], "high")]
    assert client_for(agent).post(url, {"action": "policy", "name": "x", "steps": "[]"}).status_code == 403
