"""The crisis room's services and reads: timeline entries, tasks, sources, presence, the live curves,
and the composer's one-click sources."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from crisis import room_selectors, selectors
from crisis.models import CellRole, EventKind, MentionBucket
from crisis.services import cell
from crisis.services import room as room_services
from inbox import composer
from inbox.services import mentions_ingest
from tests.factories import ChannelFactory, ConversationFactory, MessageFactory, platform_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def crisis(organization, agent, executive):
    return cell.crisis_declare(organization=organization, actor=agent, title="Storm",
                               cell=[(executive.pk, CellRole.EXECUTIVE)])


@pytest.fixture
def pushed(monkeypatch):
    """Live events as they leave for the organization's screens (after commit)."""
    events = []
    monkeypatch.setattr("accounts.live.broadcast_now",
                        lambda *, organization_id, topic, event: events.append((organization_id, topic, event)))
    return events


def test_a_task_is_created_assigned_and_done_once_with_its_timeline_lines(crisis, agent, executive, pushed,
                                                                          django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        task = room_services.task_create(crisis=crisis, actor=agent, title="Call the airport", owner_id=executive.pk,
                                         due_at=timezone.now() + timedelta(minutes=30))
        room_services.task_assign(crisis=crisis, task=task, actor=agent, owner_id=agent.pk)
        room_services.task_done(crisis=crisis, task=task, actor=agent)
        room_services.task_done(crisis=crisis, task=task, actor=agent)
    lines = [(e.kind, e.data.get("action")) for e in selectors.crisis_timeline(crisis=crisis) if e.kind == EventKind.TASK]
    assert lines == [(EventKind.TASK, "created"), (EventKind.TASK, "done")]
    task.refresh_from_db()
    assert task.owner == agent and task.done_at is not None
    kinds = [event["type"] for _org, topic, event in pushed if topic == "crisis"]
    assert kinds.count("crisis.tasks") == 3 and kinds.count("crisis.timeline") == 2


def test_a_task_owner_must_belong_to_the_organization(crisis, agent, outsider):
    with pytest.raises(ValidationError, match="members"):
        room_services.task_create(crisis=crisis, actor=agent, title="x", owner_id=outsider.pk)
    with pytest.raises(ValidationError, match="what has to be done"):
        room_services.task_create(crisis=crisis, actor=agent, title="   ")


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example/x", "status page", "https://", "x" * 600])
def test_sources_are_web_addresses(crisis, agent, url):
    with pytest.raises(ValidationError):
        room_services.source_add(crisis=crisis, actor=agent, label="Status", url=url)


def test_a_source_is_listed_once_and_removed(crisis, agent):
    source = room_services.source_add(crisis=crisis, actor=agent, label="Status", url="https://status.example/")
    with pytest.raises(ValidationError, match="already"):
        room_services.source_add(crisis=crisis, actor=agent, label="Again", url="https://status.example/")
    room_services.source_remove(crisis=crisis, source=source, actor=agent)
    assert not selectors.crisis_sources(crisis=crisis).exists()


def test_a_pinned_post_needs_its_address_and_decisions_go_on_the_timeline(crisis, agent):
    with pytest.raises(ValidationError, match="address"):
        room_services.room_entry_add(crisis=crisis, actor=agent, kind=EventKind.PINNED_POST, text="This one")
    with pytest.raises(ValidationError, match="decision, note or pinned post"):
        room_services.room_entry_add(crisis=crisis, actor=agent, kind=EventKind.DECLARED, text="Forged")
    entry = room_services.room_entry_add(crisis=crisis, actor=agent, kind=EventKind.DECISION, text="Refund all")
    assert entry.kind == EventKind.DECISION and entry.actor == agent


def test_a_closed_crisis_takes_no_more_writes(crisis, agent):
    task = room_services.task_create(crisis=crisis, actor=agent, title="Before")
    cell.crisis_close(crisis=crisis, actor=agent)
    for write in (lambda: room_services.task_create(crisis=crisis, actor=agent, title="After"),
                  lambda: room_services.task_done(crisis=crisis, task=task, actor=agent),
                  lambda: room_services.source_add(crisis=crisis, actor=agent, label="x", url="https://x.example"),
                  lambda: room_services.room_entry_add(crisis=crisis, actor=agent, kind="note", text="x")):
        with pytest.raises(ValidationError, match="closed"):
            write()


def test_presence_lasts_a_minute_after_the_last_heartbeat(crisis, executive):
    now = timezone.now()
    room_services.room_heartbeat(crisis=crisis, user=executive, now=now)
    room_services.room_heartbeat(crisis=crisis, user=executive, now=now + timedelta(seconds=20))
    assert [m.user for m in room_selectors.present_members(crisis=crisis, now=now + timedelta(seconds=70))] == [executive]
    assert room_selectors.present_members(crisis=crisis, now=now + timedelta(seconds=81)) == []
    joined = [e for e in selectors.crisis_timeline(crisis=crisis) if e.kind == EventKind.MEMBER_JOINED]
    assert len(joined) == 1


def test_the_curves_start_before_the_storm_and_stop_at_the_closing(crisis, agent):
    start = crisis.started_at.replace(second=0, microsecond=0)
    MentionBucket.objects.create(organization=crisis.organization, topic_id=0, minute=start - timedelta(minutes=5),
                                 mentions=3, negative=0)
    MentionBucket.objects.create(organization=crisis.organization, topic_id=7, minute=start, mentions=99, negative=99)
    closed = cell.crisis_close(crisis=crisis, actor=agent, now=crisis.started_at + timedelta(minutes=2))
    series = room_selectors.room_series(crisis=closed, now=crisis.started_at + timedelta(hours=5))
    assert series["closed"] and len(series["points"]) == 13  # 10 minutes before, the start, 2 after
    assert series["total"] == 3  # the organization overall (topic 0), not one watch topic


def test_ingested_mentions_reach_the_open_room_in_one_push_per_change(crisis, organization, pushed,
                                                                      django_capture_on_commit_callbacks):
    cache.clear()
    channel = ChannelFactory(organization=organization)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        mentions_ingest(channel=channel, items=[platform_item(f"m{n}", "Vol annulé !", author=f"a{n}", at=now)
                                                for n in range(6)], now=now)
    with django_capture_on_commit_callbacks(execute=True):
        assert room_services.room_series_push(now=now) == 1
        assert room_services.room_series_push(now=now) == 0  # nothing moved: nothing sent
    series = [event for _org, topic, event in pushed if event["type"] == "crisis.series"]
    assert len(series) == 1 and series[0]["crisis_id"] == crisis.pk
    assert series[0]["points"][-1][:2] == [int(now.replace(second=0, microsecond=0).timestamp()), 6]


def test_the_composer_offers_the_active_crisis_sources(crisis, organization, agent, client_for):
    room_services.source_add(crisis=crisis, actor=agent, label="Status page", url="https://status.example/")
    assert composer.reply_snippets(organization=organization) == [("Status page", "https://status.example/")]
    conversation = ConversationFactory(organization=organization)
    MessageFactory(conversation=conversation)
    page = client_for(agent).get(reverse("conversation", kwargs={"organization_slug": organization.slug,
                                                                 "pk": conversation.pk}))
    html = page.content.decode()
    assert 'class="reply-snippet" data-text="https://status.example/"' in html and "reply-snippets.js" in html
    cell.crisis_close(crisis=crisis, actor=agent)
    assert composer.reply_snippets(organization=organization) == []


def test_a_failing_snippet_provider_never_breaks_the_composer(organization, monkeypatch):
    def broken(*, organization):
        raise RuntimeError("down")

    monkeypatch.setattr(composer, "_providers", [broken, lambda *, organization: [("A", "b")]])
    assert composer.reply_snippets(organization=organization) == [("A", "b")]
