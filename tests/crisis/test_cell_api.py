"""The crisis cell's API: list, detail, declare, close; another organization's crises do not exist."""

import pytest

from accounts.roles import Role
from crisis import selectors
from crisis.models import AlertSeverity, AlertSource, CellRole
from crisis.services import alerts as alert_services
from crisis.services import cell
from tests.factories import member

pytestmark = pytest.mark.django_db

BASE = "/api/v1/o/airdemo"


def test_declare_list_detail_and_close(organization, agent, executive, api_for):
    api = api_for(agent)
    alert, _ = alert_services.alert_raise(organization=organization, source=AlertSource.VOLUME_SPIKE,
                                          severity=AlertSeverity.HIGH, title="Spike")
    created = api.post(f"{BASE}/crises/", {
        "title": "Grève CDG", "severity": 3, "keywords": ["Grève"], "from_alert_id": alert.pk,
        "cell": [{"user_id": executive.pk, "role": CellRole.EXECUTIVE}]}, format="json")
    assert created.status_code == 201, created.json()
    body = created.json()
    assert body["severity"] == 3 and body["keywords"] == ["grève"] and body["from_alert_id"] == alert.pk
    assert body["room_url"] == f"/o/airdemo/crisis/{body['id']}/" and body["queue_tag"] == f"crisis-{body['id']}"
    assert {(m["user_id"], m["role"]) for m in body["members"]} == {(agent.pk, "crisis_lead"),
                                                                     (executive.pk, "executive")}
    assert [c["id"] for c in api.get(f"{BASE}/crises/").json()["results"]] == [body["id"]]
    assert api.get(f"{BASE}/crises/{body['id']}/").json()["status"] == "active"
    again = api.post(f"{BASE}/crises/", {"title": "Second"}, format="json")
    assert again.status_code == 400 and "already open" in str(again.json())
    closed = api.post(f"{BASE}/crises/{body['id']}/close/", {"summary": "Fini"}, format="json")
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert selectors.active_crisis(organization=organization) is None


@pytest.mark.parametrize("payload", [
    {}, {"title": "X", "severity": 7}, {"title": "X", "cell": [{"user_id": 1, "role": "king"}]},
    {"title": "X", "topic_ids": ["a"]}, {"title": "X", "from_alert_id": 2**40}, {"title": "X", "channel_ids": [999999]},
    {"title": "X", "keywords": "not a list"},
])
def test_bad_declarations_answer_400_in_words(organization, agent, api_for, payload):
    answer = api_for(agent).post(f"{BASE}/crises/", payload, format="json")
    assert answer.status_code == 400, answer.json()


def test_roles(organization, agent, backup, viewer, api_for):
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Grève CDG")
    assert api_for(viewer).get(f"{BASE}/crises/").status_code == 200
    assert api_for(viewer).post(f"{BASE}/crises/", {"title": "X"}, format="json").status_code == 403
    # An agent outside the crisis's lead role cannot close it; a lead can.
    assert api_for(backup).post(f"{BASE}/crises/{crisis.pk}/close/", {}, format="json").status_code == 403
    lead = member(organization, Role.LEAD, email="lead2@airdemo.example")
    assert api_for(lead).post(f"{BASE}/crises/{crisis.pk}/close/", {}, format="json").status_code == 200


def test_another_organizations_crises_do_not_exist(organization, other_organization, agent, outsider, api_for):
    theirs = cell.crisis_declare(organization=other_organization, actor=outsider, title="Theirs")
    their_alert, _ = alert_services.alert_raise(organization=other_organization, source=AlertSource.VOLUME_SPIKE,
                                                severity=AlertSeverity.HIGH, title="Their spike")
    api = api_for(agent)
    assert api.get(f"{BASE}/crises/").json()["results"] == []
    assert api.get(f"{BASE}/crises/{theirs.pk}/").status_code == 404
    assert api.post(f"{BASE}/crises/{theirs.pk}/close/", {}, format="json").status_code == 404
    assert api.get("/api/v1/o/rival/crises/").status_code == 404
    answer = api.post(f"{BASE}/crises/", {"title": "X", "from_alert_id": their_alert.pk}, format="json")
    assert answer.status_code == 400
    theirs.refresh_from_db()
    assert theirs.status == "active"
