"""The statements API: the whole flow, bad input in words, roles, and another organization's statements (404)."""

from __future__ import annotations

import pytest

from accounts.roles import Role
from crisis.models import Statement, StatementStatus
from crisis.services import cell
from crisis.services import statements as svc
from tests.factories import member

BASE = "/api/v1/o/airdemo"
HOLDING = "We are aware of the situation and fully mobilised."


@pytest.fixture
def crisis(organization, agent):
    return cell.crisis_declare(organization=organization, actor=agent, title="Strike at CDG", severity=3)


def test_draft_submit_approve_with_an_executive_then_publish(crisis, agent, lead, executive, api_for):
    created = api_for(agent).post(f"{BASE}/statements/", {"text": HOLDING, "title": "Holding line"}, format="json")
    assert created.status_code == 201, created.json()
    statement = created.json()
    assert statement["status"] == "draft" and statement["versions"][0]["text"] == HOLDING
    pk = statement["id"]
    assert api_for(agent).post(f"{BASE}/statements/{pk}/submit/").json()["status"] == "in_review"
    answer = api_for(lead).post(f"{BASE}/statements/{pk}/approve/", {"version": 1}, format="json").json()
    assert answer["status"] == "in_review" and "executive" in answer["waiting_for"]
    answer = api_for(executive).post(f"{BASE}/statements/{pk}/approve/", {"version": 1}, format="json").json()
    assert answer["status"] == "approved"
    assert [a["as_executive"] for a in answer["versions"][0]["approvals"]] == [False, True]
    answer = api_for(executive).post(f"{BASE}/statements/{pk}/publish/", {"channel_ids": []}, format="json")
    assert answer.status_code == 200 and answer.json()["status"] == "published"
    listed = api_for(agent).get(f"{BASE}/statements/", {"crisis": crisis.pk}).json()
    assert [s["id"] for s in listed["results"]] == [pk]


def test_revising_resets_approvals_and_an_old_version_is_refused(crisis, agent, lead, api_for):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    svc.statement_approve(statement=statement, actor=lead)
    revised = api_for(agent).post(f"{BASE}/statements/{statement.pk}/revise/", {"text": HOLDING + " Sorry."},
                                  format="json").json()
    assert revised["current_version"] == 2 and revised["versions"][0]["approvals"] == []
    refused = api_for(lead).post(f"{BASE}/statements/{statement.pk}/approve/", {"version": 1}, format="json")
    assert refused.status_code == 400 and "version 2 is the one to review" in refused.json()["detail"]


@pytest.mark.parametrize("path, body, words", [
    ("", {"text": ""}, "text"),
    ("", {"text": "a" * 6000}, "text"),
    ("", {"text": "ok", "channel_ids": ["x"]}, "channel_ids"),
    ("", {"text": "ok", "channel_ids": [999999]}, "does not exist"),
    ("reject/", {"reason": ""}, "Say why"),
    ("approve/", {"version": "two"}, "version"),
])
def test_bad_input_answers_400_in_words(crisis, agent, lead, api_for, path, body, words):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    svc.statement_submit(statement=statement, actor=agent)
    url = f"{BASE}/statements/" + (f"{statement.pk}/{path}" if path else "")
    answer = api_for(lead).post(url, body, format="json")
    assert answer.status_code == 400 and words in str(answer.json()), answer.json()


def test_roles_decide_what_is_allowed(crisis, organization, agent, lead, viewer, api_for):
    statement = svc.statement_draft(crisis=crisis, actor=lead, text=HOLDING)
    svc.statement_submit(statement=statement, actor=lead)
    assert api_for(agent).post(f"{BASE}/statements/{statement.pk}/approve/").status_code == 403
    assert api_for(viewer).post(f"{BASE}/statements/", {"text": HOLDING}, format="json").status_code == 403
    assert api_for(viewer).get(f"{BASE}/statements/{statement.pk}/").status_code == 200


def test_another_organization_sees_none_of_it(crisis, agent, outsider, other_organization, api_for):
    statement = svc.statement_draft(crisis=crisis, actor=agent, text=HOLDING)
    api = api_for(outsider)
    assert api.get(f"{BASE}/statements/").status_code == 404
    assert api.get(f"{BASE}/statements/{statement.pk}/").status_code == 404
    assert api.post(f"{BASE}/statements/{statement.pk}/submit/").status_code == 404
    own = f"/api/v1/o/{other_organization.slug}/statements/"
    assert api.get(own).json()["results"] == []
    for path in (f"{statement.pk}/", f"{statement.pk}/submit/", f"{statement.pk}/approve/", f"{statement.pk}/publish/"):
        method = api.get if path.count("/") == 1 else api.post
        assert method(own + path).status_code == 404, path
    assert api.post(own, {"text": HOLDING}, format="json").status_code == 400  # no crisis there: nothing leaks
    assert Statement.objects.for_organization(crisis.organization).get().status == StatementStatus.DRAFT


def test_no_active_crisis_is_a_400(organization, agent, api_for):
    member(organization, Role.LEAD)
    answer = api_for(agent).post(f"{BASE}/statements/", {"text": HOLDING}, format="json")
    assert answer.status_code == 400 and "No crisis is active" in answer.json()["detail"]
