"""Poison and huge mentions, and dead letters counted once per item (issue 9, items 8-10)."""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from inbox.models import Channel, DeadLetter, Message
from inbox.services import UnparsableItem, mentions_ingest
from inbox.services.ingestion import CLASSIFY_LIMIT, TEXT_LIMIT
from inbox.tasks import poll_channel
from tests.factories import ChannelFactory, platform_item

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def texts_of(channel) -> dict[str, str]:
    return dict(Message.objects.for_organization(channel.organization_id).filter(channel=channel)
                .values_list("external_id", "text"))


@pytest.mark.django_db
def test_nul_bytes_and_lone_surrogates_are_cleaned_and_the_good_items_of_the_batch_go_through(organization):
    channel = ChannelFactory(organization=organization)
    result = mentions_ingest(channel=channel, now=T0, items=[
        replace(platform_item("nul", "mon vol\x00 est annulé", author="a1"), raw={"id": "nul", "note": "a\x00b"}),
        platform_item("surrogate", "bagage perdu \ud83d tout seul", author="a2", handle="@x\udc00y"),
        platform_item("good", "merci pour votre aide", author="a3"),
    ])

    assert (result.created, result.dead_letters) == (3, 0)
    stored = texts_of(channel)
    assert stored == {"nul": "mon vol est annulé", "surrogate": "bagage perdu \ufffd tout seul",
                      "good": "merci pour votre aide"}
    assert Message.objects.for_organization(organization).get(external_id="nul").raw["note"] == "ab"


@pytest.mark.django_db
def test_an_item_postgresql_refuses_is_dead_lettered_alone_and_the_others_are_ingested(organization):
    channel = ChannelFactory(organization=organization)
    # A reach beyond PostgreSQL's integer range: only found when the batch is written.
    far = replace(platform_item("far-reach", "?", author="a1"), reach=2**40)
    result = mentions_ingest(channel=channel, now=T0, items=[
        platform_item("before", "premier", author="a2"), far, platform_item("after", "dernier", author="a3")])

    assert (result.created, result.dead_letters) == (2, 1)
    assert set(texts_of(channel)) == {"before", "after"}
    letter = DeadLetter.objects.for_organization(organization).get()
    assert letter.item_key == "id:far-reach" and "PostgreSQL could not store the item" in letter.reason


@pytest.mark.django_db(transaction=True)
def test_a_poll_bringing_poison_mentions_ingests_everything_and_moves_its_cursor(organization, sandbox):
    from tests.inbox.test_tasks import sandbox_channel

    # X's JSON may carry what PostgreSQL cannot store (Bluesky's CBOR records cannot).
    sandbox.inject_x_mention("@vigie_brand avant \x00 le vol", author="nul")
    sandbox.inject_x_mention("@vigie_brand valise \ud800 perdue", author="surrogate")
    sandbox.inject_x_mention("@vigie_brand tout va bien", author="good")
    channel = sandbox_channel(organization, sandbox, platform="x")

    assert poll_channel(channel.pk) == 3
    assert sorted(texts_of(channel).values()) == [
        "@vigie_brand avant  le vol", "@vigie_brand tout va bien", "@vigie_brand valise \ufffd perdue"]
    channel.refresh_from_db()
    assert channel.poll_cursor and channel.last_poll_error == ""
    # The cursor moved past them: the next poll brings only what is new.
    sandbox.inject_x_mention("@vigie_brand encore un", author="later")
    assert poll_channel(channel.pk) == 1
    assert Message.objects.for_organization(organization).count() == 4


@pytest.mark.django_db
def test_a_1_mb_mention_is_ingested_in_bounded_time_beside_ordinary_ones(organization):
    channel = ChannelFactory(organization=organization)
    huge_text = "Mon vol AD1234 est annulé, personne ne répond et je suis furieux. " * 16_000  # ~1 MB
    assert len(huge_text.encode()) > 1_000_000
    ordinary = [platform_item(f"ordinary{n}", author=f"o{n}") for n in range(50)]
    mentions_ingest(channel=channel, now=T0, items=[platform_item("warm-up", author="w")])  # lazy loads

    started = time.perf_counter()
    result = mentions_ingest(channel=channel, now=T0, items=[*ordinary[:25], platform_item(
        "huge", huge_text, author="big", thread="huge"), *ordinary[25:]])
    elapsed = time.perf_counter() - started
    print(f"\n1 MB mention + 50 ordinary ones ingested in {elapsed:.3f} s")

    assert result.created == 51
    assert elapsed < 2.0
    huge = Message.objects.for_organization(organization).get(external_id="huge")
    assert len(huge.text) < TEXT_LIMIT + 100 and huge.text.startswith(huge_text[:TEXT_LIMIT])
    assert huge.text.endswith(f"[truncated: {len(huge_text) - TEXT_LIMIT:,} more characters]")
    assert huge.raw["full_text"] == huge_text  # the full payload is kept
    assert huge.language == "fr" and huge.sentiment < 0  # classified on its first CLASSIFY_LIMIT characters
    assert CLASSIFY_LIMIT < TEXT_LIMIT
    assert len(huge.conversation.preview) <= 280


@pytest.mark.django_db
def test_the_same_unparsable_item_fetched_again_is_one_dead_letter_with_a_count(organization):
    channel = ChannelFactory(organization=organization)
    other_channel = ChannelFactory(organization=organization)
    for minute in range(3):
        mentions_ingest(channel=channel, now=T0 + timedelta(minutes=minute), items=[
            UnparsableItem(payload={"id": "broken-1", "text": "?"}, reason=f"no author (try {minute})"),
            platform_item("", "no id either", author="x"),
        ])
    mentions_ingest(channel=other_channel, now=T0, items=[
        UnparsableItem(payload={"id": "broken-1", "text": "?"}, reason="no author")])

    letters = DeadLetter.objects.for_organization(organization).filter(channel=channel).order_by("pk")
    assert [(letter.item_key[:7], letter.times_seen) for letter in letters] == [("id:brok", 3), ("sha256:", 3)]
    first = letters[0]
    assert first.reason == "no author (try 2)" and first.last_seen_at == T0 + timedelta(minutes=2)
    assert first.created_at < first.last_seen_at or first.created_at  # kept from the first sighting
    # Another channel's sighting of the same item is its own dead letter.
    assert DeadLetter.objects.for_organization(organization).filter(channel=other_channel).get().times_seen == 1
    # The same item twice in one batch counts twice.
    mentions_ingest(channel=other_channel, now=T0, items=[
        UnparsableItem(payload={"id": "broken-1"}, reason="a"), UnparsableItem(payload={"id": "broken-1"}, reason="b")])
    assert DeadLetter.objects.for_organization(organization).get(channel=other_channel).times_seen == 3
    assert Channel.objects.for_organization(organization).count() == 2
