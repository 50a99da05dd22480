"""The crisis room's API: curves, timeline, tasks and sources; read-only executives; other organizations 404."""

from __future__ import annotations

import pytest
from django.utils import timezone

from crisis.models import CellRole, CrisisTask, EventKind, InfoSource, MentionBucket
from crisis.services import cell
from crisis.services import room as room_services
from tests.factories import OrganizationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def crisis(organization, agent, executive):
    return cell.crisis_declare(organization=organization, actor=agent, title="Storm",
                               cell=[(executive.pk, CellRole.EXECUTIVE)])


def base(crisis, slug=None):
    return f"/api/v1/o/{slug or crisis.organization.slug}/crises/{crisis.pk}/room"


def test_the_cell_works_through_the_api(crisis, agent, executive, api_for):
    api = api_for(agent)
    minute = timezone.now().replace(second=0, microsecond=0)
    MentionBucket.objects.create(organization=crisis.organization, topic_id=0, minute=minute, mentions=5, negative=1)
    series = api.get(f"{base(crisis)}/series/").json()
    assert series["points"][-1] == [int(minute.timestamp()), 5, 1] and series["total"] == 5

    created = api.post(f"{base(crisis)}/tasks/", {"title": "Brief the CEO", "owner_id": executive.pk}, format="json")
    assert created.status_code == 201 and created.json()["owner_id"] == executive.pk
    task_id = created.json()["id"]
    done = api.patch(f"{base(crisis)}/tasks/{task_id}/", {"done": True, "owner_id": None}, format="json")
    assert done.status_code == 200 and done.json()["done_at"] and done.json()["owner_id"] is None

    source = api.post(f"{base(crisis)}/sources/", {"label": "FAQ", "url": "https://faq.example/"}, format="json")
    assert source.status_code == 201
    assert api.get(f"{base(crisis)}/sources/").json()[0]["url"] == "https://faq.example/"
    assert api.delete(f"{base(crisis)}/sources/{source.json()['id']}/").status_code == 204

    note = api.post(f"{base(crisis)}/timeline/", {"kind": "note", "text": "Press call at 10"}, format="json")
    assert note.status_code == 201
    kinds = [entry["kind"] for entry in api.get(f"{base(crisis)}/timeline/").json()]
    assert kinds[-3:] == [EventKind.TASK, EventKind.TASK, EventKind.NOTE]


def test_executives_read_but_do_not_write(crisis, executive, api_for):
    api = api_for(executive)
    assert api.get(f"{base(crisis)}/timeline/").status_code == 200
    assert api.post(f"{base(crisis)}/tasks/", {"title": "x"}, format="json").status_code == 403
    assert api.post(f"{base(crisis)}/timeline/", {"kind": "note", "text": "x"}, format="json").status_code == 403


@pytest.mark.parametrize("body", [{"kind": "declared", "text": "x"}, {"kind": "note", "text": ""}, ["not", "an", "object"],
                                  {"kind": "pinned_post", "text": "x"}, {"kind": "note", "text": "bad\x00"}])
def test_bad_timeline_entries_answer_400(crisis, agent, api_for, body):
    assert api_for(agent).post(f"{base(crisis)}/timeline/", body, format="json").status_code == 400


def test_another_organizations_crisis_answers_404_on_list_detail_and_writes(crisis, api_for):
    other = OrganizationFactory(slug="elsewhere")
    api = api_for(member(other, "admin", email="stranger@elsewhere.example"))
    task = room_services.task_create(crisis=crisis, actor=crisis.declared_by, title="Theirs")
    source = room_services.source_add(crisis=crisis, actor=crisis.declared_by, label="Theirs", url="https://t.example")
    for slug in ("elsewhere", crisis.organization.slug):
        root = base(crisis, slug)
        for path in ("series/", "timeline/", "tasks/", "sources/", f"tasks/{task.pk}/", f"sources/{source.pk}/"):
            assert api.get(f"{root}/{path}").status_code == 404, (slug, path)
        assert api.post(f"{root}/tasks/", {"title": "x"}, format="json").status_code == 404
        assert api.post(f"{root}/sources/", {"label": "x", "url": "https://x.example"}, format="json").status_code == 404
        assert api.post(f"{root}/timeline/", {"kind": "note", "text": "x"}, format="json").status_code == 404
        assert api.patch(f"{root}/tasks/{task.pk}/", {"done": True}, format="json").status_code == 404
        assert api.delete(f"{root}/sources/{source.pk}/").status_code == 404
    assert CrisisTask.objects.for_organization(crisis.organization).get().done_at is None
    assert InfoSource.objects.for_organization(crisis.organization).count() == 1
