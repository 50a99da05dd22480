"""The crisis room page: what it shows, who may write in it, and another organization's crisis (404)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from crisis.mode import report_path
from crisis.models import CellRole, CrisisEvent, CrisisTask, EventKind, InfoSource, MentionBucket
from crisis.services import cell
from crisis.services import room as room_services
from inbox import services as inbox_services
from tests.config.test_french_everywhere import html_english_left
from tests.factories import ChannelFactory, ContactFactory, ConversationFactory, OrganizationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def crisis(organization, agent, executive):
    return cell.crisis_declare(organization=organization, actor=agent, title="AD1234 cancelled", severity=3,
                               cell=[(executive.pk, CellRole.EXECUTIVE)])


def url(name, crisis, **extra):
    return reverse(name, kwargs={"organization_slug": crisis.organization.slug, "pk": crisis.pk, **extra})


def test_the_room_shows_the_cell_its_curves_and_marks_the_visitor_present(crisis, executive, client_for):
    minute = timezone.now().replace(second=0, microsecond=0)
    MentionBucket.objects.create(organization=crisis.organization, topic_id=0, minute=minute, mentions=42, negative=30)
    page = client_for(executive).get(url("crisis-room", crisis))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-total="42"' in html and 'id="room-last-minute" data-testid="room-last-minute">42<' in html
    assert f'data-user-id="{executive.pk}"' in html  # joined by opening the page
    assert "uPlot-1.6.32.iife.min.js" in html and "<script>" not in html and "style=" not in html
    assert CrisisEvent.objects.for_organization(crisis.organization).filter(kind=EventKind.MEMBER_JOINED,
                                                                            actor=executive).count() == 1


def test_an_executive_reads_without_write_controls_and_cannot_write(crisis, executive, client_for):
    client = client_for(executive)
    html = client.get(url("crisis-room", crisis)).content.decode()
    assert 'data-testid="room-readonly"' in html
    assert "room-task-form" not in html and "room-source-form" not in html and "room-entry-form" not in html
    assert client.post(url("crisis-room-tasks", crisis), {"title": "Call the airport"}).status_code == 403
    assert client.post(url("crisis-room-sources", crisis), {"label": "FAQ", "url": "https://x.example"}).status_code == 403
    assert client.post(url("crisis-room-timeline", crisis), {"kind": "note", "text": "hm"}).status_code == 403
    # Presence is not a write in the room: executives keep theirs fresh too.
    assert client.post(url("crisis-room-presence", crisis)).status_code == 200


def test_the_cell_writes_tasks_sources_and_decisions_from_the_page(crisis, agent, executive, client_for):
    client = client_for(agent)
    due = (timezone.localtime() - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M")
    answer = client.post(url("crisis-room-tasks", crisis), {"title": "Call the airport", "owner": executive.pk,
                                                            "due_at": due}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and 'data-testid="task-overdue"' in answer.content.decode()
    task = CrisisTask.objects.for_organization(crisis.organization).get()
    assert task.owner == executive
    answer = client.post(url("crisis-room-task", crisis, task_pk=task.pk), {"action": "done"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "room-task-done" in answer.content.decode()
    answer = client.post(url("crisis-room-sources", crisis), {"label": "Status page", "url": "https://status.example/"},
                         HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "https://status.example/" in answer.content.decode()
    answer = client.post(url("crisis-room-timeline", crisis), {"kind": "decision", "text": "Refund everyone"},
                         HTTP_HX_REQUEST="true")
    assert answer.status_code == 200 and "Refund everyone" in answer.content.decode()
    source = InfoSource.objects.for_organization(crisis.organization).get()
    plain = client.post(url("crisis-room-source", crisis, source_pk=source.pk))
    assert plain.status_code == 302 and not InfoSource.objects.for_organization(crisis.organization).exists()


def test_bad_input_answers_400_with_the_reason_in_the_panel(crisis, agent, client_for):
    client = client_for(agent)
    answer = client.post(url("crisis-room-sources", crisis), {"label": "FAQ", "url": "javascript:alert(1)"},
                         HTTP_HX_REQUEST="true")
    assert answer.status_code == 400 and "https://" in answer.content.decode()
    answer = client.post(url("crisis-room-tasks", crisis), {"title": "x", "due_at": "tomorrow-ish"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 400 and "date and time" in answer.content.decode()
    answer = client.post(url("crisis-room-timeline", crisis), {"kind": "declared", "text": "x"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 400 and "decision, note or pinned post" in answer.content.decode()


def test_the_series_endpoint_answers_the_minutes_since_the_start(crisis, agent, client_for):
    minute = timezone.now().replace(second=0, microsecond=0)
    MentionBucket.objects.create(organization=crisis.organization, topic_id=0, minute=minute, mentions=7, negative=2)
    body = client_for(agent).get(url("crisis-room-series", crisis)).json()
    assert body["points"][-1] == [int(minute.timestamp()), 7, 2] and body["total"] == 7
    assert len(body["points"]) == 11  # ten minutes before the start, and the start's own


def test_a_closed_crisis_is_a_read_only_record_with_its_report_link(crisis, agent, client_for):
    cell.crisis_close(crisis=crisis, actor=agent, summary="Over")
    client = client_for(agent)
    html = client.get(url("crisis-room", crisis)).content.decode()
    assert f'href="{report_path(crisis)}"' in html
    assert "room-task-form" not in html
    answer = client.post(url("crisis-room-tasks", crisis), {"title": "Too late"}, HTTP_HX_REQUEST="true")
    assert answer.status_code == 400 and "closed" in answer.content.decode()


def test_the_queue_panel_shows_the_crisis_queue_and_the_posts_that_matter(crisis, agent, client_for):
    channel = ChannelFactory(organization=crisis.organization)
    loud = ContactFactory(organization=crisis.organization, handle="@aero_news", followers=480_000)
    quiet = ContactFactory(organization=crisis.organization, handle="@paul", followers=12)
    now = timezone.now()
    shared = ConversationFactory(organization=crisis.organization, channel=channel, contact=quiet, reach=900,
                                 last_inbound_at=now, created_at=now - timedelta(minutes=3), preview="Everyone RT this")
    influential = ConversationFactory(organization=crisis.organization, channel=channel, contact=loud, reach=3,
                                      last_inbound_at=now, created_at=now - timedelta(minutes=1))
    ConversationFactory(organization=crisis.organization, channel=channel, reach=10_000, last_inbound_at=now)  # not tagged
    for conversation in (shared, influential):
        inbox_services.conversation_tag(conversation=conversation, add=[f"crisis-{crisis.pk}"], actor=agent)
    html = client_for(agent).get(url("crisis-room-posts", crisis)).content.decode()
    assert 'id="room-queue-size">2<' in html
    lists = html.split("Most influential authors")
    assert lists[0].index("@paul") < len(lists[0]) and "@aero_news" in lists[1].split("</ol>")[0][:400]
    assert "Everyone RT this" in lists[0]


def test_another_organizations_crisis_answers_404_everywhere(crisis, client_for):
    other = OrganizationFactory(slug="elsewhere")
    stranger = member(other, "admin", email="stranger@elsewhere.example")
    client = client_for(stranger)
    task = room_services.task_create(crisis=crisis, actor=crisis.declared_by, title="Theirs")
    source = room_services.source_add(crisis=crisis, actor=crisis.declared_by, label="Theirs", url="https://t.example")
    # Their own slug with our crisis id, and our slug: both 404.
    for slug in ("elsewhere", crisis.organization.slug):
        kwargs = {"organization_slug": slug, "pk": crisis.pk}
        for name in ("crisis-room", "crisis-room-series", "crisis-room-timeline", "crisis-room-tasks",
                     "crisis-room-sources", "crisis-room-posts", "crisis-room-presence"):
            assert client.get(reverse(name, kwargs=kwargs)).status_code == 404, (slug, name)
        for name, extra, data in (("crisis-room-tasks", {}, {"title": "x"}),
                                  ("crisis-room-sources", {}, {"label": "x", "url": "https://x.example"}),
                                  ("crisis-room-timeline", {}, {"kind": "note", "text": "x"}),
                                  ("crisis-room-presence", {}, {}),
                                  ("crisis-room-task", {"task_pk": task.pk}, {"action": "done"}),
                                  ("crisis-room-source", {"source_pk": source.pk}, {})):
            assert client.post(reverse(name, kwargs={**kwargs, **extra}), data).status_code == 404, (slug, name)
    assert CrisisTask.objects.for_organization(crisis.organization).get().done_at is None
    assert InfoSource.objects.for_organization(crisis.organization).count() == 1


def test_a_task_of_another_crisis_is_not_found_in_this_room(crisis, agent, organization, client_for):
    cell.crisis_close(crisis=crisis, actor=agent)
    second = cell.crisis_declare(organization=organization, actor=agent, title="Second")
    stale = CrisisTask.objects.create(organization=organization, crisis=crisis, title="Old", created_at=timezone.now())
    answer = client_for(agent).post(url("crisis-room-task", second, task_pk=stale.pk), {"action": "done"})
    assert answer.status_code == 404


def test_the_room_in_french_has_no_english_left(organization, client_for):
    organization.language = "fr"
    organization.save(update_fields=["language"])
    lead = member(organization, "lead", email="chef@airdemo.example", full_name="Camille Chef", language="fr")
    reader = member(organization, "executive", email="dir@airdemo.example", full_name="Dana Direction", language="fr")
    crisis = cell.crisis_declare(organization=organization, actor=lead, title="Grève à CDG",
                                 cell=[(reader.pk, CellRole.EXECUTIVE)])
    room_services.task_create(crisis=crisis, actor=lead, title="Appeler l'aéroport", owner_id=reader.pk,
                              due_at=timezone.now() - timedelta(minutes=1))
    room_services.source_add(crisis=crisis, actor=lead, label="Page d'état", url="https://etat.example/")
    room_services.room_entry_add(crisis=crisis, actor=lead, kind="decision", text="Rembourser tout le monde")
    room_services.room_entry_add(crisis=crisis, actor=lead, kind="pinned_post", text="Le message épinglé",
                                 url="https://x.example/1")
    with translation.override("fr"):
        for person in (lead, reader):
            html = client_for(person).get(url("crisis-room", crisis)).content.decode()
            assert html_english_left(html) == [], person
        bad = client_for(lead).post(url("crisis-room-sources", crisis), {"label": "x", "url": "ftp://x"},
                                    HTTP_HX_REQUEST="true")
        assert bad.status_code == 400 and html_english_left(bad.content.decode()) == []
        cell.crisis_close(crisis=crisis, actor=lead)
        html = client_for(lead).get(url("crisis-room", crisis)).content.decode()
        assert html_english_left(html) == []
