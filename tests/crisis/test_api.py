"""The on-call API: who is on call at an instant, rotas, overrides, swaps, alerts, roles and bad input."""

import pytest

from accounts.roles import Role
from crisis.models import Alert, Rota, RotaOverride
from tests.factories import member

BASE = "/api/v1/o/airdemo"


def test_who_is_on_call_at_an_iso_instant(rota, agent, backup, viewer, api_for):
    api = api_for(viewer)
    answer = api.get(f"{BASE}/rotas/{rota.pk}/oncall/", {"at": "2026-01-05T13:00:00+01:00"}).json()
    assert answer == {"user": {"id": agent.pk, "email": agent.email, "name": agent.display_name},
                      "start": "2026-01-05T09:00:00+01:00", "end": "2026-01-06T09:00:00+01:00"}
    # A "+" left unescaped in a query string arrives as a space: still understood.
    answer = api.get(f"{BASE}/rotas/{rota.pk}/oncall/?at=2026-01-06T10:00:00+01:00").json()
    assert answer["user"]["id"] == backup.pk
    assert api.get(f"{BASE}/rotas/{rota.pk}/oncall/", {"at": "2026-01-06T09:00:00Z"}).json()["user"]["id"] == backup.pk


def test_a_gap_answers_null(organization, lead, agent, api_for):
    created = api_for(lead).post(f"{BASE}/rotas/", {
        "name": "Office", "time_zone": "America/New_York",
        "layers": [{"member_ids": [agent.pk], "starts_on": "2026-01-05", "handoff_time": "09:00",
                    "restrictions": [{"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}]}],
    }, format="json")
    assert created.status_code == 201, created.json()
    rota_id = created.json()["id"]
    answer = api_for(lead).get(f"{BASE}/rotas/{rota_id}/oncall/", {"at": "2026-03-07T12:00:00-05:00"}).json()  # Saturday
    assert answer["user"] is None
    assert answer["start"] == "2026-03-06T18:00:00-05:00" and answer["end"] == "2026-03-09T09:00:00-04:00"
    gaps = api_for(lead).get(f"{BASE}/rotas/{rota_id}/gaps/").json()
    assert gaps and all(gap["user"] is None for gap in gaps)


@pytest.mark.parametrize(("at", "message"), [("yesterday", "ISO 8601"), ("2026-01-05T13:00:00", "offset")])
def test_a_bad_instant_is_a_clear_400(rota, viewer, api_for, at, message):
    response = api_for(viewer).get(f"{BASE}/rotas/{rota.pk}/oncall/", {"at": at})
    assert response.status_code == 400 and message in response.json()["at"][0]


@pytest.mark.parametrize(
    ("payload", "field", "message"),
    [
        ({"name": "Ghost", "time_zone": "Europe/Paris", "layers": []}, "layers", "nobody"),
        ({"name": "Ghost", "time_zone": "Europe/Paris",
          "layers": [{"member_ids": [], "starts_on": "2026-01-05", "handoff_time": "09:00"}]}, "member_ids", "nobody"),
        ({"name": "Mars", "time_zone": "Mars/Olympus",
          "layers": [{"member_ids": [0], "starts_on": "2026-01-05", "handoff_time": "09:00"}]}, "time_zone", "Unknown time zone"),
    ],
)
def test_bad_rotas_are_refused_and_nothing_is_saved(organization, lead, api_for, payload, field, message):
    response = api_for(lead).post(f"{BASE}/rotas/", payload, format="json")
    assert response.status_code == 400
    assert message in str(response.json()[field])
    assert not Rota.objects.for_organization(organization).exists()


def test_overlapping_overrides_are_refused(rota, lead, executive, api_for):
    api = api_for(lead)
    first = {"rota_id": rota.pk, "user_id": executive.pk, "starts_at": "2026-02-01T08:00:00Z", "ends_at": "2026-02-01T20:00:00Z"}
    assert api.post(f"{BASE}/rota-overrides/", first, format="json").status_code == 201
    response = api.post(f"{BASE}/rota-overrides/", {**first, "starts_at": "2026-02-01T19:00:00Z",
                                                    "ends_at": "2026-02-02T08:00:00Z"}, format="json")
    assert response.status_code == 400 and "overlaps" in response.json()["detail"]
    assert RotaOverride.objects.for_organization(rota.organization).count() == 1
    answer = api.get(f"{BASE}/rotas/{rota.pk}/oncall/", {"at": "2026-02-01T12:00:00Z"}).json()
    assert answer["user"]["id"] == executive.pk


def test_agents_ask_swaps_and_page_but_only_leads_change_rotas(rota, agent, lead, api_for):
    agent_api = api_for(agent)
    override = {"rota_id": rota.pk, "user_id": agent.pk, "starts_at": "2026-02-01T08:00:00Z", "ends_at": "2026-02-01T20:00:00Z"}
    assert agent_api.post(f"{BASE}/rota-overrides/", override, format="json").status_code == 403
    swap = agent_api.post(f"{BASE}/rota-swaps/", {"rota_id": rota.pk, "covered_by_id": lead.pk,
                                                  "starts_at": "2026-01-05T08:00:00Z", "ends_at": "2026-01-06T08:00:00Z"},
                          format="json")
    assert swap.status_code == 201, swap.json()
    assert agent_api.post(f"{BASE}/rota-swaps/{swap.json()['id']}/accept/").status_code == 400  # only the person asked
    assert api_for(lead).post(f"{BASE}/rota-swaps/{swap.json()['id']}/accept/").json()["status"] == "accepted"
    assert agent_api.get(f"{BASE}/rotas/{rota.pk}/oncall/", {"at": "2026-01-05T12:00:00Z"}).json()["user"]["id"] == lead.pk


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.VIEWER])
def test_executives_and_viewers_read_only(organization, rota, api_for, role):
    reader = member(organization, role)
    api = api_for(reader)
    assert api.get(f"{BASE}/rotas/").status_code == 200
    assert api.get(f"{BASE}/alerts/").status_code == 200
    assert api.post(f"{BASE}/alerts/", {"title": "x"}, format="json").status_code == 403
    assert api.delete(f"{BASE}/rotas/{rota.pk}/").status_code == 403


def test_a_manual_page_is_acknowledged_then_resolved(organization, climbing_policy, agent, api_for):
    api = api_for(agent)
    created = api.post(f"{BASE}/alerts/", {"title": "Vol AD1234 annulé", "severity": "critical"}, format="json")
    assert created.status_code == 201
    alert_id = created.json()["id"]
    assert api.post(f"{BASE}/alerts/{alert_id}/acknowledge/").json()["status"] == "acknowledged"
    assert api.post(f"{BASE}/alerts/{alert_id}/resolve/").json()["status"] == "resolved"
    detail = api.get(f"{BASE}/alerts/{alert_id}/").json()
    assert [entry["kind"] for entry in detail["log"]] == ["triggered", "acknowledged", "resolved"]
    assert Alert.objects.for_organization(organization).get().resolved_by == agent


def test_a_looping_policy_is_a_400(lead, api_for):
    response = api_for(lead).post(f"{BASE}/escalation-policies/", {
        "name": "Loop", "steps": [{"notify": "leads", "wait_minutes": 0}], "repeat": 5}, format="json")
    assert response.status_code == 400 and "loops" in response.json()["steps"][0]


def test_contact_methods_are_personal(organization, agent, backup, api_for):
    mine = api_for(agent).post(f"{BASE}/contact-methods/", {"kind": "email", "address": "agent@airdemo.example"}, format="json")
    assert mine.status_code == 201
    assert api_for(backup).get(f"{BASE}/contact-methods/{mine.json()['id']}/").status_code == 404
    assert api_for(backup).get(f"{BASE}/contact-methods/").json() == []
    rule = api_for(backup).post(f"{BASE}/notification-rules/", {"contact_method_id": mine.json()["id"]}, format="json")
    assert rule.status_code == 404


def test_the_schema_describes_the_oncall_routes(admin_user, client):
    client.force_login(admin_user)
    schema = client.get("/api/schema/").content.decode()
    assert "/api/v1/o/{organization_slug}/rotas/{id}/oncall/" in schema


def test_errors_speak_french_to_a_french_browser(lead, api_for):
    response = api_for(lead).post(f"{BASE}/escalation-policies/", {
        "name": "Boucle", "steps": [{"notify": "leads", "wait_minutes": 0}], "repeat": 5}, format="json",
        HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 400 and "sinon elle boucle" in response.json()["steps"][0]
