"""A normal day of an airline-like brand in the demo organization: a few hundred conversations in
French and English across channels, some answered, some waiting, a few angry threads. Idempotent:
an organization that already has conversations is left as it is."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from accounts.demo import DemoPeople

from .connectors.base import ItemKind, PlatformAuthor, PlatformItem
from .demo_texts import MentionTextGenerator
from .models import (
    Channel,
    Conversation,
    ConversationStatus,
    DeliveryState,
    Direction,
    Message,
    MessageKind,
    Priority,
    RoutingRule,
    Tag,
)
from .sandbox import graph_api, mastodon_api, x_api
from .services import (
    conversation_assign,
    conversation_set_status,
    conversation_tag,
    mentions_ingest,
    note_add,
)
from .services.replies import message_mark_sent

CONVERSATIONS = 320
SEED = 2011  # the year the Air France and Chrysler stories happened


# Where `make run` starts the sandbox when PLATFORM_SANDBOX_URL is not given.
DEFAULT_SANDBOX_URL = "http://127.0.0.1:8100"


def _channels(people: DemoPeople) -> list[Channel]:
    from .demo_traffic import demo_channels_connect

    demo_channels_connect(people.organization, people.users["admin"],
                          base_url=settings.PLATFORM_SANDBOX_URL or DEFAULT_SANDBOX_URL)
    return list(Channel.objects.for_organization(people.organization).exclude(platform="web").order_by("pk"))


def _routing(people: DemoPeople) -> None:
    organization = people.organization
    rules = RoutingRule.objects.for_organization(organization)
    if rules.exists():
        return
    tags = {name: Tag.objects.create(organization=organization, name=name, colour=colour)
            for name, colour in [("bagage", "#8250df"), ("remboursement", "#bf8700"), ("retard", "#cf222e"),
                                 ("compliment", "#1a7f37"), ("influence", "#0969da")]}
    care = people.teams["Service client"]
    marketing = people.teams["Marketing"]
    for position, (name, conditions, team, tag_names, priority) in enumerate([
        ("Bagages", {"keywords": ["valise", "bagage", "baggage", "luggage", "suitcase"]}, care, ["bagage"], None),
        ("Remboursements", {"keywords": ["rembourse", "remboursement", "refund", "avoir"]}, care, ["remboursement"], None),
        ("Retards", {"keywords": ["retard", "delay", "delayed", "annulé", "cancelled"]}, care, ["retard"], None),
        ("Très en colère", {"sentiment_below": -0.6}, care, [], Priority.HIGH),
        ("Grande audience", {"min_followers": 20000}, None, ["influence"], Priority.URGENT),
        ("Compliments", {"sentiment_below": 1.0, "keywords": ["merci", "thanks", "bravo", "great"]}, marketing, ["compliment"], None),
    ]):
        rule = RoutingRule.objects.create(organization=organization, name=name, position=position,
                                          conditions=conditions, team=team, priority=priority)
        rule.tags.set([tags[t] for t in tag_names])


def seed(people: DemoPeople) -> None:
    organization = people.organization
    _routing(people)
    channels = _channels(people)
    if Conversation.objects.for_organization(organization).exists():
        return
    with transaction.atomic():
        _conversations(people, channels)


# Seeded posts carry ids of the shape each platform gives (numbers for X, "<post>_<comment>" on
# Facebook, at:// URIs on Bluesky...), in ranges the sandbox never hands out, so that the sandbox can
# be told about them (`known_posts`) and replies to them go out like replies to live traffic.
X_POSTS = 1_800_000_000_000_000_000
X_PEOPLE = 1_700_000_000_000_000_000
FACEBOOK_PEOPLE = 26_000_000_000_000
FACEBOOK_POSTS = 900_000
INSTAGRAM_COMMENTS = 17_850_000_000_000_000
INSTAGRAM_PEOPLE = 17_845_000_000_000_000
INSTAGRAM_MEDIA = 17_950_000_000_000_000
MASTODON_STATUSES = 112_000_000_000_000_000
# Messenger answers only within 24 hours of the person's last message.
MESSENGER_WINDOW_MINUTES = 60 * 20


def _seeded_author(platform: str, n: int, handle: str, name: str, followers: int) -> PlatformAuthor:
    external_id = {
        "x": str(X_PEOPLE + n), "facebook": str(FACEBOOK_PEOPLE + n), "instagram": str(INSTAGRAM_PEOPLE + n),
        "mastodon": f"{handle}@{mastodon_api.INSTANCE}", "bluesky": f"did:plc:demo{n:020d}",
    }[platform]
    shown = {"mastodon": f"@{handle}@{mastodon_api.INSTANCE}", "bluesky": f"@{handle}.bsky.social",
             "facebook": ""}.get(platform, f"@{handle}")
    return PlatformAuthor(external_id=external_id, handle=shown, name=name, followers=followers)


def _seeded_ids(platform: str, n: int, author: PlatformAuthor, private: bool) -> tuple[str, str]:
    """(the item's id, its thread's id) for the n-th seeded item, as the platform would give them.

    Each seeded comment is under a post of its own: the day's conversations stay apart."""
    if platform == "x":
        if private:
            low, high = sorted([int(x_api.BRAND_USER["id"]), int(author.external_id)])
            return str(X_POSTS + n), f"{low}-{high}"
        return str(X_POSTS + n), str(X_POSTS + n)
    if platform == "facebook":
        if private:
            return f"m_demo{n:06d}", f"dm:{author.external_id}"
        return f"{FACEBOOK_POSTS + n}_{n}", f"{graph_api.PAGE['id']}_{FACEBOOK_POSTS + n}"
    if platform == "instagram":
        return str(INSTAGRAM_COMMENTS + n), str(INSTAGRAM_MEDIA + n)
    if platform == "mastodon":
        return str(MASTODON_STATUSES + n), str(MASTODON_STATUSES + n)
    uri = f"at://{author.external_id}/app.bsky.feed.post/3ldemo{n:07d}"
    return uri, uri


def _conversations(people: DemoPeople, channels: list[Channel]) -> None:
    rng = random.Random(SEED)
    texts = MentionTextGenerator(SEED)
    now = timezone.now()
    per_channel: dict[int, list[PlatformItem]] = {c.pk: [] for c in channels}
    roots: list[tuple[Channel, PlatformItem, str]] = []
    for n in range(CONVERSATIONS):
        channel = rng.choice(channels)
        text, language = texts.angry() if rng.random() < 0.08 else texts.normal()
        handle, name = texts.author(language=language)
        private = channel.platform in ("x", "facebook") and rng.random() < 0.15
        minutes = rng.randint(5, 60 * 30)
        if private and channel.platform == "facebook":
            minutes = min(minutes, MESSENGER_WINDOW_MINUTES)
        author = _seeded_author(channel.platform, n, handle, name, texts.followers())
        external_id, thread_id = _seeded_ids(channel.platform, n, author, private)
        item = PlatformItem(
            external_id=external_id, kind=ItemKind.PRIVATE_MESSAGE if private else (
                ItemKind.COMMENT if channel.platform in ("facebook", "instagram") else ItemKind.MENTION),
            text=text, author=author, created_at=now - timedelta(minutes=minutes), is_private=private,
            thread_external_id=thread_id, language_hint=language, reach=rng.randint(0, 40), raw={"demo": True},
        )
        per_channel[channel.pk].append(item)
        roots.append((channel, item, language))
    # Follow-ups in some threads ("toujours rien ?").
    for n, (channel, root, language) in enumerate(rng.sample(roots, 60), start=CONVERSATIONS):
        text, _ = texts.reply(language=language)
        external_id, _ = _seeded_ids(channel.platform, n, root.author, root.is_private)
        per_channel[channel.pk].append(PlatformItem(
            external_id=external_id, kind=root.kind if root.is_private else ItemKind.REPLY,
            text=text, author=root.author, created_at=min(now, root.created_at + timedelta(minutes=rng.randint(20, 200))),
            thread_external_id=root.thread_external_id,
            parent_external_id=None if root.is_private else root.external_id, is_private=root.is_private,
            language_hint=language, raw={"demo": True},
        ))
    for channel in channels:
        if per_channel[channel.pk]:
            mentions_ingest(channel=channel, items=per_channel[channel.pk], now=now)

    agents = [people.users["agent"], people.users["backup"], people.users["lead"]]
    conversations = list(Conversation.objects.for_organization(people.organization).select_related("channel", "contact"))
    rng.shuffle(conversations)
    for index, conversation in enumerate(conversations):
        share = index / len(conversations)
        if share < 0.55:  # answered and closed
            agent = rng.choice(agents)
            _answer(conversation, agent, rng)
            conversation_set_status(conversation=conversation, status=ConversationStatus.CLOSED, actor=agent)
        elif share < 0.75:  # being handled
            agent = rng.choice(agents)
            conversation_assign(conversation=conversation, assignee=agent, actor=people.users["lead"])
            if rng.random() < 0.4:
                _answer(conversation, agent, rng)
                conversation_set_status(conversation=conversation, status=ConversationStatus.PENDING, actor=agent)
        elif share < 0.8:
            conversation_tag(conversation=conversation, add=["à rappeler"], actor=people.users["agent"])
            note_add(conversation=conversation, author=people.users["agent"],
                     text="Client déjà venu la semaine dernière, voir l'historique. @lead pour avis.")
        # the rest stays new: the morning's work


def _answer(conversation: Conversation, agent, rng: random.Random) -> None:
    french = conversation.language != "en"
    text = rng.choice([
        "Bonjour, nous sommes désolés. Pouvez-vous nous écrire en message privé avec votre référence ? ^C",
        "Bonjour, merci pour votre message ! Nous regardons votre dossier tout de suite. ^C",
    ] if french else [
        "Hi, we're sorry about this. Could you send us a DM with your booking reference? ^A",
        "Thanks for reaching out! We're looking into it right now. ^A",
    ])
    limit = conversation.channel.reply_length_limit or 280
    message = conversation.messages.create(
        organization_id=conversation.organization_id, channel=conversation.channel, direction=Direction.OUTBOUND,
        kind=MessageKind.PRIVATE_MESSAGE if conversation.is_private else MessageKind.REPLY,
        platform=conversation.channel.platform, is_private=conversation.is_private, text=text[:limit],
        author_user=agent, created_at=conversation.last_message_at + timedelta(minutes=rng.randint(3, 90)),
        state=DeliveryState.QUEUED,
    )
    message_mark_sent(message=message, external_id=f"demo-reply-{message.pk}")


def known_posts() -> Iterator[dict[str, Any]]:
    """What the inbox holds that a platform must still know: every inbound message, oldest first, in
    the shape `inbox.sandbox.known.remember` takes. `platform_sandbox` hands them to a sandbox at
    start, so that replies to the seeded conversations, and to those of an earlier run, go out."""
    messages = (
        Message.objects.unscoped().filter(direction=Direction.INBOUND, external_id__isnull=False)
        .select_related("author_contact", "conversation").order_by("created_at", "pk")
        .only("platform", "external_id", "parent_external_id", "is_private", "text", "created_at",
              "author_contact__external_id", "author_contact__handle", "author_contact__name",
              "conversation__thread_key")
    )
    for message in messages.iterator(chunk_size=2000):
        contact = message.author_contact
        yield {
            "platform": message.platform, "id": message.external_id, "private": message.is_private,
            "text": message.text, "created_at": message.created_at.isoformat(),
            "author": {"id": contact.external_id if contact else "", "handle": contact.handle if contact else "",
                       "name": contact.name if contact else ""},
            "thread_id": message.conversation.thread_key, "parent_id": message.parent_external_id,
        }
