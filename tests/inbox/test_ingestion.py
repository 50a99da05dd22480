"""The ingestion pipeline against real PostgreSQL: each rule, and its cost in queries."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts import live
from inbox.models import (
    Activity,
    Contact,
    Conversation,
    ConversationStatus,
    DeadLetter,
    InboxSettings,
    Message,
    Priority,
    RoutingRule,
)
from inbox.services import UnparsableItem, dead_letter_replay, mentions_ingest
from tests.factories import ChannelFactory, TagFactory, TeamFactory, platform_item

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@pytest.fixture
def channel(organization):
    return ChannelFactory(organization=organization, handle="@AirDemo")


@pytest.fixture
def events(monkeypatch):
    sent = []
    monkeypatch.setattr(live, "broadcast_now", lambda **kwargs: sent.append(kwargs))
    return sent


def ingest(channel, items, now=T0 + timedelta(minutes=1)):
    return mentions_ingest(channel=channel, items=items, now=now)


def test_a_mention_becomes_a_new_conversation_with_contact_classification_and_clock(channel, organization):
    result = ingest(channel, [platform_item("t1", "Mon vol AD1234 est annulé, c'est honteux !", followers=1200)])
    assert result.created == 1 and len(result.new_conversation_ids) == 1
    conversation = Conversation.objects.for_organization(organization).get()
    assert conversation.status == ConversationStatus.NEW
    assert conversation.contact.handle == "@camille" and conversation.contact.followers == 1200
    assert conversation.language == "fr" and conversation.sentiment < 0
    assert conversation.sla_due_at == T0 + timedelta(hours=2)  # normal priority, 24/7 by default
    message = conversation.messages.get()
    assert message.external_id == "t1" and message.raw == {"id": "t1"}
    assert list(conversation.activities.values_list("verb", flat=True)) == ["created"]


def test_the_same_item_from_a_poll_and_a_webhook_gives_one_message(channel, organization):
    first = ingest(channel, [platform_item("t1")])
    again = ingest(channel, [platform_item("t1"), platform_item("t2", thread="t1", parent="t1")])
    assert first.created == 1
    assert again.created == 1 and again.duplicates == 1
    assert Message.objects.for_organization(organization).count() == 2


def test_duplicates_inside_one_batch_are_dropped(channel, organization):
    result = ingest(channel, [platform_item("t1"), platform_item("t1")])
    assert result.created == 1 and result.duplicates == 1


def test_two_channels_of_one_organization_see_the_same_post_once(channel, organization):
    other = ChannelFactory(organization=organization, handle="@AirDemoHelp")
    ingest(channel, [platform_item("t1")])
    assert ingest(other, [platform_item("t1")]).duplicates == 1


def test_another_organization_may_ingest_the_same_post(channel, other_organization):
    ingest(channel, [platform_item("t1")])
    rival = ChannelFactory(organization=other_organization)
    assert ingest(rival, [platform_item("t1")]).created == 1


def test_replies_join_their_root_conversation(channel, organization):
    ingest(channel, [platform_item("root", thread="root")])
    # A reply found through its parent, one through the platform's thread id, in a later batch.
    ingest(channel, [
        platform_item("r1", "toujours rien ?", author="u2", parent="root"),
        platform_item("r2", "any update?", author="u3", thread="root", at=T0 + timedelta(seconds=5)),
    ])
    conversation = Conversation.objects.for_organization(organization).get()
    assert conversation.message_count == 3
    assert sorted(conversation.messages.values_list("external_id", flat=True)) == ["r1", "r2", "root"]


def test_a_reply_and_its_root_in_the_same_batch_thread_together(channel, organization):
    ingest(channel, [
        platform_item("r1", "et ma valise ?", author="u2", parent="root", at=T0 + timedelta(seconds=30)),
        platform_item("root", thread="root"),
    ])
    assert Conversation.objects.for_organization(organization).count() == 1
    conversation = Conversation.objects.for_organization(organization).get()
    assert conversation.message_count == 2
    assert conversation.preview == "et ma valise ?"
    assert conversation.contact.external_id == "u1"  # the root's author


def test_private_messages_join_the_thread_with_that_person(channel, organization):
    ingest(channel, [platform_item("dm1", "Bonjour", kind="private_message", private=True, author="u9")])
    ingest(channel, [platform_item("dm2", "Vous êtes là ?", kind="private_message", private=True, author="u9",
                                   at=T0 + timedelta(minutes=3))])
    ingest(channel, [platform_item("dm3", "Hello", kind="private_message", private=True, author="u10")])
    threads = Conversation.objects.for_organization(organization).order_by("pk")
    assert [c.message_count for c in threads] == [2, 1]
    assert all(c.is_private for c in threads)


def test_a_closed_conversation_reopens_on_a_new_inbound_message_with_a_new_clock(channel, organization):
    ingest(channel, [platform_item("t1", thread="t1")])
    conversation = Conversation.objects.for_organization(organization).get()
    Conversation.objects.for_organization(organization).update(
        status=ConversationStatus.CLOSED, closed_at=T0, sla_stopped_at=T0 + timedelta(minutes=5))
    later = T0 + timedelta(hours=5)
    result = ingest(channel, [platform_item("t2", thread="t1", author="u1", at=later)], now=later)
    conversation.refresh_from_db()
    assert result.reopened_conversation_ids == [conversation.pk]
    assert conversation.status == ConversationStatus.OPEN and conversation.closed_at is None
    assert conversation.sla_stopped_at is None and conversation.sla_due_at == later + timedelta(hours=2)
    assert "reopened" in conversation.activities.values_list("verb", flat=True)


def test_a_pending_conversation_wakes_up_and_its_clock_resumes(channel, organization):
    ingest(channel, [platform_item("t1", thread="t1")])
    conversation = Conversation.objects.for_organization(organization).get()
    # Paused after 30 minutes of waiting: 90 minutes remain.
    Conversation.objects.for_organization(organization).update(
        status=ConversationStatus.PENDING, sla_running_since=None, sla_paused_at=T0 + timedelta(minutes=30),
        sla_elapsed_seconds=1800, sla_due_at=None)
    back = T0 + timedelta(hours=3)
    ingest(channel, [platform_item("t2", thread="t1", at=back)], now=back)
    conversation.refresh_from_db()
    assert conversation.status == ConversationStatus.OPEN
    assert conversation.sla_due_at == back + timedelta(minutes=90)


def test_business_hours_delay_the_due_time(channel, organization):
    InboxSettings.objects.create(organization=organization, sla_policy={
        "time_zone": "Europe/Paris",
        "business_hours": {day: [["09:00", "12:30"], ["13:30", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    })
    sunday_night = datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # Sunday 02:00 in Paris
    ingest(channel, [platform_item("t1", at=sunday_night)], now=sunday_night)
    conversation = Conversation.objects.for_organization(organization).get()
    # Monday 09:00 Paris (08:00 UTC) + 2 working hours.
    assert conversation.sla_due_at == datetime(2026, 11, 23, 10, 0, tzinfo=UTC)


def test_routing_rules_set_team_tags_and_priority(channel, organization):
    care = TeamFactory(organization=organization, name="Service client")
    vip = TeamFactory(organization=organization, name="VIP")
    refund = TagFactory(organization=organization, name="remboursement")
    angry = TagFactory(organization=organization, name="colère")
    rule = RoutingRule.objects.create(organization=organization, name="Refunds", position=1,
                                      conditions={"keywords": ["rembourse", "refund"]}, team=care)
    rule.tags.add(refund)
    rule = RoutingRule.objects.create(organization=organization, name="Angry", position=2,
                                      conditions={"sentiment_below": -0.3}, priority=Priority.HIGH)
    rule.tags.add(angry)
    RoutingRule.objects.create(organization=organization, name="Influencers", position=3,
                               conditions={"min_followers": 50_000}, team=vip, priority=Priority.URGENT)
    RoutingRule.objects.create(organization=organization, name="English", position=4,
                               conditions={"languages": ["en"]}, is_active=False, priority=Priority.LOW)
    ingest(channel, [
        platform_item("a", "Quand serai-je REMBOURSÉ ? C'est inadmissible, honteux !", author="u1"),
        platform_item("b", "Can I change my seat on tomorrow's flight?", author="u2", followers=90_000),
        platform_item("c", "Je voudrais changer mon siège", author="u3"),
    ])
    by_author = {c.contact.external_id: c for c in Conversation.objects.for_organization(organization).select_related("contact")}
    a, b, c = by_author["u1"], by_author["u2"], by_author["u3"]
    assert a.team == care and a.priority == Priority.HIGH
    assert set(a.tags.values_list("name", flat=True)) == {"remboursement", "colère"}
    assert a.sla_due_at == T0 + timedelta(hours=1)  # the high-priority target
    assert b.team == vip and b.priority == Priority.URGENT
    assert c.team is None and c.priority == Priority.NORMAL and not c.tags.exists()
    assert a.activities.filter(verb="routed").get().data == {"rules": ["Refunds", "Angry"]}


@pytest.mark.parametrize("text", ["ok thanks", "ok merci", "Thanks for the lovely flight 👏", "Super, merci beaucoup !"])
def test_a_polite_thank_you_from_a_big_account_is_routed_but_never_made_urgent(channel, organization, text):
    vip = TeamFactory(organization=organization, name="VIP")
    RoutingRule.objects.create(organization=organization, name="Influencers", position=1,
                               conditions={"min_followers": 50_000}, team=vip, priority=Priority.URGENT)
    ingest(channel, [platform_item("t", text, author="star", followers=2_000_000),
                     platform_item("q", "Mon vol est annulé, je fais comment ?", author="star2", followers=2_000_000)])
    by_author = {c.contact.external_id: c for c in Conversation.objects.for_organization(organization).select_related("contact")}
    assert by_author["star"].team == vip and by_author["star"].priority == Priority.NORMAL
    assert by_author["star2"].team == vip and by_author["star2"].priority == Priority.URGENT


def test_unparsable_items_are_kept_as_dead_letters_and_the_rest_goes_through(channel, organization):
    broken = platform_item("", "no id")
    result = ingest(channel, [
        platform_item("ok1"),
        broken,
        UnparsableItem(payload={"weird": True}, reason="No 'id' in the tweet"),
    ])
    assert result.created == 1 and result.dead_letters == 2
    letters = DeadLetter.objects.for_organization(organization).order_by("pk")
    assert [letter.reason for letter in letters] == [
        "The item has no platform id, so it could not be told apart from others.",
        "No 'id' in the tweet",
    ]


def test_dead_letters_can_be_replayed(channel, organization):
    ingest(channel, [UnparsableItem(payload={"id": "late", "text": "Bagage perdu"}, reason="parser bug")])
    letter = DeadLetter.objects.for_organization(organization).get()
    dead_letter_replay(dead_letter=letter, parse=lambda payload: platform_item(payload["id"], payload["text"]))
    letter.refresh_from_db()
    assert letter.replayed_at is not None
    assert Message.objects.for_organization(organization).get().text == "Bagage perdu"
    # A failing parser keeps the letter with the error shown.
    ingest(channel, [UnparsableItem(payload={}, reason="empty")])
    letter = DeadLetter.objects.for_organization(organization).filter(replayed_at__isnull=True).get()
    dead_letter_replay(dead_letter=letter, parse=lambda payload: payload["id"])
    letter.refresh_from_db()
    assert letter.replayed_at is None and "KeyError" in letter.replay_error


@pytest.mark.django_db(transaction=True)
def test_one_live_event_per_batch_after_commit(organization, events):
    channel = ChannelFactory(organization=organization)
    ingest(channel, [platform_item(f"t{i}", author=f"u{i}") for i in range(25)])
    assert len(events) == 1
    event = events[0]
    assert event["organization_id"] == organization.pk and event["topic"] == "inbox"
    assert event["event"]["type"] == "inbox.updated" and event["event"]["messages"] == 25
    assert len(event["event"]["new_conversation_ids"]) == 25


@pytest.mark.django_db(transaction=True)
def test_nothing_is_broadcast_for_a_batch_of_duplicates(organization, events):
    channel = ChannelFactory(organization=organization)
    ingest(channel, [platform_item("t1")])
    events.clear()
    ingest(channel, [platform_item("t1")])
    assert events == []


def test_query_count_does_not_grow_with_the_batch(channel, organization):
    ingest(channel, [platform_item(f"seed{i}", thread=f"seed{i}", author=f"s{i}") for i in range(10)])

    def batch(n, prefix):
        items = [platform_item(f"{prefix}{i}", author=f"{prefix}a{i}") for i in range(n)]
        items += [platform_item(f"{prefix}r{i}", parent=f"seed{i % 10}", author=f"{prefix}b{i}") for i in range(n // 4)]
        return items

    with CaptureQueriesContext(connection) as small:
        ingest(channel, batch(8, "x"))
    with CaptureQueriesContext(connection) as large:
        ingest(channel, batch(400, "y"))
    assert len(large) == len(small)
    assert len(large) <= 20
    assert Contact.objects.for_organization(organization).count() == 10 + 8 + 2 + 400 + 100


def test_activity_history_is_kept_per_conversation(channel, organization):
    ingest(channel, [platform_item("t1")])
    conversation = Conversation.objects.for_organization(organization).get()
    activity = Activity.objects.for_organization(organization).get(conversation=conversation)
    assert activity.verb == "created" and activity.data == {"channel": "@AirDemo"}


def test_what_customers_write_becomes_searchable_on_the_conversation(channel, organization):
    from inbox.selectors import ConversationFilters, conversation_list

    ingest(channel, [platform_item("root", "Ma valise est restée à Orly", thread="root")])
    ingest(channel, [platform_item("r1", "Toujours aucun remboursement", thread="root", parent="root",
                                   at=T0 + timedelta(minutes=5))])
    conversation = Conversation.objects.for_organization(organization).get()
    assert conversation.search_text == "Ma valise est restée à Orly\nToujours aucun remboursement"

    def found(q):
        return list(conversation_list(organization=organization, filters=ConversationFilters(q=q)))

    assert found("valises orly") == [conversation]
    assert found("rembourse") == [conversation]
    assert found("croissant") == []
