"""The ingestion pipeline: every inbound item from every platform enters the inbox here, once.

Polls, webhooks and dead-letter replays all call `mentions_ingest` with a batch of normalized
items for one channel. In one transaction, with few queries whatever the batch size, it drops
duplicates, upserts contacts, threads each item into its conversation, classifies, routes new
conversations, runs the first-response clocks and records activity; after commit it sends one
live event per batch and hands the batch's new mentions (in memory, no query) to the ingestion
listeners (`register_ingestion_listener`: the crisis desk's counters).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, NamedTuple
from urllib.parse import urlsplit

import psycopg
from django.db import DataError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext

from accounts.live import broadcast_on_commit

from ..classification import NEGATIVE_THRESHOLD, classify_many
from ..connectors.base import ItemKind, PlatformItem
from ..connectors.serialization import item_to_json
from ..models import (
    SEARCH_TEXT_LIMIT,
    Activity,
    ActivityVerb,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    ConversationTag,
    DeadLetter,
    Direction,
    Message,
    Priority,
    RoutingRule,
)
from ..routing import CompiledRule, RoutingInput, compile_rule, route
from . import clocks
from .bulk import copy_insert, unnest_insert, writable_fields

logger = logging.getLogger(__name__)

PREVIEW_LENGTH = 280
# Per-item bounds: one 1 MB mention once stalled ingestion for its whole organization and platform
# (language detection and scoring grow faster than the text, under the ingestion lock).
TEXT_LIMIT = 20_000  # characters of a message's stored text; the full text stays in its raw payload
CONTEXT_LIMIT = 5_000  # characters of the platform context shown above a thread
CLASSIFY_LIMIT = 2_000  # characters language detection and sentiment scoring read
ID_LIMIT = 300  # the platform ids' column width
# Errors that belong to one item (a value PostgreSQL refuses, a field of the wrong type): the batch
# is written again item by item and only that one is dead-lettered. Anything else (PostgreSQL
# down, a lost connection) fails the whole batch, so that the poll is retried and nothing is lost.
# (COPY goes to psycopg directly, so its errors are psycopg's own, not Django's wrappers.)
ITEM_ERRORS = (DataError, IntegrityError, psycopg.DataError, psycopg.IntegrityError, ValueError, TypeError,
               AttributeError, KeyError, UnicodeError)


@dataclass(frozen=True)
class UnparsableItem:
    """What a connector could not turn into a PlatformItem: kept as a dead letter, never dropped."""

    payload: dict[str, Any]
    reason: str


@dataclass
class IngestResult:
    created: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    conversation_ids: list[int] = field(default_factory=list)
    new_conversation_ids: list[int] = field(default_factory=list)
    reopened_conversation_ids: list[int] = field(default_factory=list)
    mentions: list[IngestedMention] = field(default_factory=list)


@dataclass(frozen=True)
class IngestedMention:
    """What a listener learns of a new inbound mention, without querying: enough to count it."""

    created_at: datetime
    text: str
    negative: bool
    reach: int  # the author's followers, or the post's reach when the platform gives no followers
    channel_id: int
    tag_ids: frozenset[int]  # tags its routing gave to a new conversation
    reshares: int = 0  # re-shares the platform counted on it when fetched (PlatformItem.reshares)
    # Where it landed and who wrote it: the crisis desk's storm clusters group people, not counts.
    conversation_id: int = 0
    external_id: str = ""
    language: str = ""
    author_handle: str = ""
    author_name: str = ""


IngestionListener = Callable[[int, list[IngestedMention]], None]
_ingestion_listeners: list[IngestionListener] = []


def register_ingestion_listener(listener: IngestionListener) -> None:
    """`listener(organization_id, mentions)` runs after the batch commits; it must be cheap (the
    batch's counts, not a query per mention) and its failure never fails the ingestion."""
    if listener not in _ingestion_listeners:
        _ingestion_listeners.append(listener)


def _notify_ingestion_listeners(organization_id: int, mentions: list[IngestedMention]) -> None:
    for listener in list(_ingestion_listeners):
        try:
            listener(organization_id, mentions)
        except Exception:  # noqa: BLE001 - see register_ingestion_listener
            logger.exception("ingestion listener %r failed on %s mentions", listener, len(mentions))


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: Any) -> Any:
    """`value` without what PostgreSQL cannot store: NUL characters are dropped and lone surrogates
    become U+FFFD. A platform's text may carry them (JSON allows "\\u0000"); refused by the database,
    they would fail the whole batch, and every later poll that fetches it again, for good."""
    if isinstance(value, str):
        if not _UNSTORABLE.search(value):
            return value
        return _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else "\ufffd", value)
    if isinstance(value, dict):
        pairs = [(_storable(key), _storable(item), key, item) for key, item in value.items()]
        if all(new_key is key and new_item is item for new_key, new_item, key, item in pairs):
            return value  # the usual case: nothing to clean, nothing copied
        return {new_key: new_item for new_key, new_item, _, _ in pairs}
    if isinstance(value, list | tuple):
        items = [_storable(item) for item in value]
        return value if all(new is old for new, old in zip(items, value, strict=True)) else type(value)(items)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        changes = {}
        for field_ in dataclasses.fields(value):
            current = getattr(value, field_.name)
            cleaned = _storable(current)
            if cleaned is not current:
                changes[field_.name] = cleaned
        return dataclasses.replace(value, **changes) if changes else value
    return value


def _problem(item: PlatformItem) -> str | None:
    if not item.external_id:
        return "The item has no platform id, so it could not be told apart from others."
    if max(len(item.external_id), len(item.thread_external_id or ""), len(item.parent_external_id or "")) > ID_LIMIT:
        return f"The item's platform ids are longer than {ID_LIMIT} characters."
    if item.kind not in ItemKind.ALL:
        return f"Unknown kind of item {item.kind!r}."
    if not item.author or not item.author.external_id:
        return "The item has no author id."
    if item.text is None:
        return "The item has no text."
    if item.created_at is None or item.created_at.tzinfo is None:
        return "The item's time has no time zone."
    return None


def _truncated(text: str, limit: int) -> str:
    mark = gettext("[truncated: %(count)s more characters]") % {"count": f"{len(text) - limit:,}"}
    return f"{text[:limit]}\n{mark}"


def _bounded(item: PlatformItem) -> PlatformItem:
    """Stored sizes capped with a visible mark; the full text is kept in the raw payload."""
    if len(item.text) <= TEXT_LIMIT and len(item.context_text) <= CONTEXT_LIMIT:
        return item
    raw = dict(item.raw)
    changes: dict[str, Any] = {}
    if len(item.text) > TEXT_LIMIT:
        raw["full_text"] = item.text
        changes["text"] = _truncated(item.text, TEXT_LIMIT)
    if len(item.context_text) > CONTEXT_LIMIT:
        raw["full_context_text"] = item.context_text
        changes["context_text"] = _truncated(item.context_text, CONTEXT_LIMIT)
    return replace(item, raw=raw, **changes)


def dead_letter_key(payload: Any) -> str:
    """The platform id in a dead letter's payload when it has one, else a digest of the payload: the
    same item fetched again finds its dead letter. (Frozen copy in migration 0007.)"""
    if isinstance(payload, dict):
        for name in ("external_id", "id", "uri", "mid", "comment_id"):
            value = payload.get(name)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                value = str(value).strip()
                if len(value) <= ID_LIMIT - 20:
                    return f"id:{value}"
    canonical = json.dumps(payload, sort_keys=True, default=str, ensure_ascii=True)
    return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()


def _payload_of(item: Any) -> dict[str, Any]:
    if isinstance(item, PlatformItem):
        # The normalized form (raw payload included), so that a replay can read it back as is.
        try:
            return item_to_json(item)
        except Exception:  # noqa: BLE001 - a broken item must still be kept, in whatever shape
            return {"external_id": item.external_id, "text": str(item.text), "raw": item.raw}
    return item if isinstance(item, dict) else {"repr": repr(item)[:2000]}


def _safe_url(url: str) -> str:
    """Only web links are kept: a feed or a platform could hand over a javascript: one."""
    url = (url or "")[:500]
    return url if urlsplit(url).scheme in ("http", "https") else ""


def _thread_key(item: PlatformItem) -> str:
    if item.thread_external_id:
        return item.thread_external_id
    if item.is_private or item.kind == ItemKind.PRIVATE_MESSAGE:
        return f"dm:{item.author.external_id}"
    return item.external_id


def _lock_platform(organization_id: int, platform: str) -> None:
    # A poll and a webhook (or two channels watching the same post) may deliver the same item at
    # once: serializing ingestion per organization and platform makes the duplicate check exact.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [f"ingest:{organization_id}:{platform}"])


def _compiled_rules(organization_id: int) -> list[CompiledRule]:
    rules = (
        RoutingRule.objects.for_organization(organization_id).filter(is_active=True).prefetch_related("tags")
    )
    return [
        compile_rule(
            rule_id=rule.pk, name=rule.name, conditions=rule.conditions, team_id=rule.team_id,
            tag_ids=[tag.pk for tag in rule.tags.all()], priority=rule.priority, stop_processing=rule.stop_processing,
        )
        for rule in rules
    ]


class _ContactRef(NamedTuple):
    pk: int
    followers: int


_CONTACT_COLUMNS = ("organization_id", "platform", "external_id", "handle", "name", "avatar_url", "profile_url",
                    "followers", "verified", "first_seen_at", "last_seen_at")
_CONTACT_UPSERT = (
    "ON CONFLICT (organization_id, platform, external_id) DO UPDATE SET handle = EXCLUDED.handle, "
    "name = EXCLUDED.name, avatar_url = EXCLUDED.avatar_url, profile_url = EXCLUDED.profile_url, "
    "followers = EXCLUDED.followers, verified = EXCLUDED.verified, last_seen_at = EXCLUDED.last_seen_at"
)


def _upsert_contacts(channel: Channel, items: Sequence[PlatformItem], now: datetime) -> dict[str, _ContactRef]:
    latest: dict[str, PlatformItem] = {}
    for item in items:
        latest[item.author.external_id] = item
    rows = []
    for author_id, item in latest.items():
        author = item.author
        rows.append((
            channel.organization_id, channel.platform, author_id, author.handle[:200], author.name[:200],
            _safe_url(author.avatar_url), _safe_url(author.profile_url), max(0, author.followers or 0), bool(author.verified),
            now, now,
        ))
    ids = dict(unnest_insert(Contact, _CONTACT_COLUMNS, rows, suffix=_CONTACT_UPSERT, returning="external_id, id"))
    return {row[2]: _ContactRef(ids[row[2]], row[7]) for row in rows}


def _known_external_ids(organization_id: int, platform: str, external_ids: list[str]) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id FROM inbox_message WHERE organization_id = %s AND platform = %s "
            "AND external_id = ANY(%s::varchar[]) AND external_id IS NOT NULL",
            [organization_id, platform, external_ids],
        )
        return {row[0] for row in cursor.fetchall()}


def mentions_ingest(
    *, channel: Channel, items: Sequence[PlatformItem | UnparsableItem], now: datetime | None = None
) -> IngestResult:
    """Ingest a batch; one broken item never takes the batch (or the poll's cursor) down with it:
    what PostgreSQL cannot store is cleaned, what still fails is dead-lettered on its own."""
    now = now or timezone.now()
    organization_id = channel.organization_id
    result = IngestResult()

    rejected: list[tuple[Any, str]] = []
    candidates: list[PlatformItem] = []
    seen_in_batch: set[str] = set()
    for item in items:
        item = _storable(item)
        if isinstance(item, UnparsableItem):
            rejected.append((item.payload, item.reason))
            continue
        if not isinstance(item, PlatformItem):
            rejected.append((_payload_of(item), "Not a platform item."))
            continue
        try:
            problem = _problem(item)
            if not problem:
                item = _bounded(item)
        except ITEM_ERRORS as error:
            rejected.append((_payload_of(item), f"The item could not be read ({error.__class__.__name__}: {error})."))
            continue
        if problem:
            rejected.append((_payload_of(item), problem))
            continue
        if item.external_id in seen_in_batch:
            result.duplicates += 1
            continue
        seen_in_batch.add(item.external_id)
        candidates.append(item)

    with transaction.atomic():
        if candidates:
            _lock_platform(organization_id, channel.platform)
            known = _known_external_ids(organization_id, channel.platform, [item.external_id for item in candidates])
            fresh = sorted((item for item in candidates if item.external_id not in known), key=lambda i: i.created_at)
            result.duplicates += len(candidates) - len(fresh)
            if fresh:
                _write_isolating_failures(channel, fresh, now, result, rejected)
            # After the insert: an edit whose original never reached the inbox is new and edited at once.
            edited_in = _record_edits(organization_id, channel.platform, [item for item in candidates if item.edited])
            result.conversation_ids = list(dict.fromkeys([*result.conversation_ids, *edited_in]))
        if rejected:
            _record_dead_letters(channel, rejected, now)
            result.dead_letters = len(rejected)

    if result.mentions and _ingestion_listeners:
        mentions = result.mentions
        transaction.on_commit(lambda: _notify_ingestion_listeners(organization_id, mentions))
    if result.conversation_ids:
        broadcast_on_commit(
            organization_id=organization_id,
            topic="inbox",
            event={
                "type": "inbox.updated",
                "channel_id": channel.pk,
                "conversation_ids": result.conversation_ids,
                "new_conversation_ids": result.new_conversation_ids,
                "messages": result.created,
            },
        )
    return result


def _write(channel: Channel, fresh: list[PlatformItem], now: datetime, result: IngestResult) -> None:
    classifications = classify_many([item.text[:CLASSIFY_LIMIT] for item in fresh],
                                    language_hints=[item.language_hint for item in fresh])
    contacts = _upsert_contacts(channel, fresh, now)
    _thread(channel, fresh, classifications, contacts, now, result)


def _write_isolating_failures(channel: Channel, fresh: list[PlatformItem], now: datetime, result: IngestResult,
                              rejected: list[tuple[Any, str]]) -> None:
    """The batch in one go; if one item makes it fail, again item by item (each in its savepoint),
    so that the others are ingested and only the culprit is dead-lettered."""
    attempt = IngestResult()
    try:
        with transaction.atomic():
            _write(channel, fresh, now, attempt)
    except ITEM_ERRORS as error:
        if len(fresh) == 1:
            rejected.append((_payload_of(fresh[0]), f"PostgreSQL could not store the item: {error}"))
            return
        logger.warning("ingestion batch of %s items on channel %s failed (%s): retrying item by item",
                       len(fresh), channel.pk, error)
        for item in fresh:
            _write_isolating_failures(channel, [item], now, result, rejected)
        return
    result.created += attempt.created
    result.new_conversation_ids += attempt.new_conversation_ids
    result.reopened_conversation_ids += attempt.reopened_conversation_ids
    result.conversation_ids = sorted({*result.conversation_ids, *attempt.conversation_ids})
    result.mentions += attempt.mentions


_DEAD_LETTER_COLUMNS = ("organization_id", "channel_id", "item_key", "payload", "reason", "times_seen", "last_seen_at")
_DEAD_LETTER_UPSERT = (
    "ON CONFLICT (organization_id, channel_id, item_key) DO UPDATE SET "
    "times_seen = inbox_deadletter.times_seen + EXCLUDED.times_seen, last_seen_at = EXCLUDED.last_seen_at, "
    "payload = EXCLUDED.payload, reason = EXCLUDED.reason"
)


def dead_letters_record(*, channel: Channel, rejected: Sequence[tuple[Any, str]], now: datetime | None = None) -> None:
    """Keep what could not be ingested, as (payload, reason) pairs: one dead letter per item and
    channel, counted when the same item comes again."""
    with transaction.atomic():
        _record_dead_letters(channel, list(rejected), now or timezone.now())


def _record_dead_letters(channel: Channel, rejected: list[tuple[Any, str]], now: datetime) -> None:
    """One dead letter per item and channel: seen again, it is counted, not repeated."""
    by_key: dict[str, list[Any]] = {}
    for payload, reason in rejected:
        payload = _storable(payload if isinstance(payload, dict) else {"repr": repr(payload)[:2000]})
        key = dead_letter_key(payload)
        if key in by_key:
            by_key[key][3:6] = [payload, _storable(reason), by_key[key][5] + 1]
        else:
            by_key[key] = [channel.organization_id, channel.pk, key, payload, _storable(reason), 1, now]
    unnest_insert(DeadLetter, _DEAD_LETTER_COLUMNS, list(by_key.values()), suffix=_DEAD_LETTER_UPSERT)


def _version(raw: dict[str, Any]) -> int:
    """Which version of a post a raw payload holds (X: each edit has a larger id)."""
    value = str((raw or {}).get("id", ""))
    return int(value) if value.isdigit() else 0


def _record_edits(organization_id: int, platform: str, edits: Sequence[PlatformItem]) -> list[int]:
    """An edited post stays one message, under its original id: it takes the latest text and shows as
    edited. An older version read late (a back-fill reaching it after the edit) changes nothing.
    Answers the conversations whose messages changed."""
    changed: list[int] = []
    for item in edits:
        messages = Message.objects.unscoped().filter(organization_id=organization_id, platform=platform,
                                                     external_id=item.external_id)
        for message in messages.only("pk", "conversation_id", "text", "edited", "raw"):
            if (message.edited and message.text == item.text) or _version(message.raw) > _version(item.raw):
                continue
            Message.objects.unscoped().filter(pk=message.pk).update(text=item.text, edited=True, raw=item.raw)
            changed.append(message.conversation_id)
            # The inbox row shows the latest words, and search finds the new ones too.
            conversation = Conversation.objects.unscoped().only("preview", "search_text").get(pk=message.conversation_id)
            fields = {}
            if conversation.preview == message.text[:PREVIEW_LENGTH]:
                fields["preview"] = item.text[:PREVIEW_LENGTH]
            if len(conversation.search_text) < SEARCH_TEXT_LIMIT:
                fields["search_text"] = f"{conversation.search_text}\n{item.text}"[:SEARCH_TEXT_LIMIT]
            if fields:
                Conversation.objects.unscoped().filter(pk=conversation.pk).update(**fields)
    return changed


def _conversations_of_messages(organization_id: int, platform: str, external_ids: set[str]) -> dict[str, Any]:
    if not external_ids:
        return {}
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT external_id, conversation_id FROM inbox_message WHERE organization_id = %s AND platform = %s "
            "AND external_id = ANY(%s::varchar[]) AND external_id IS NOT NULL",
            [organization_id, platform, list(external_ids)],
        )
        return dict(cursor.fetchall())


_MESSAGE_COLUMNS = ("organization_id", "conversation_id", "channel_id", "direction", "kind", "platform", "external_id",
                    "parent_external_id", "is_private", "text", "url", "author_contact_id", "created_at", "language",
                    "sentiment", "raw")
_ACTIVITY_COLUMNS = ("organization_id", "conversation_id", "verb", "created_at", "data")
_TAG_COLUMNS = ("organization_id", "conversation_id", "tag_id")


def _insert_conversations(organization_id: int, channel: Channel, conversations: list[Conversation]) -> None:
    """Insert new conversations of one channel and give them their ids.

    COPY, then one indexed read of the ids by thread key (unique per organization and channel):
    cheaper than INSERT ... RETURNING with thirty arrays to encode.
    """
    fields = writable_fields(Conversation)
    columns = tuple(f.attname for f in fields if not getattr(f, "auto_now", False))
    copy_insert(Conversation, columns, ([getattr(c, name) for name in columns] for c in conversations))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT thread_key, id FROM inbox_conversation WHERE organization_id = %s AND channel_id = %s "
            "AND thread_key = ANY(%s::varchar[])",
            [organization_id, channel.pk, [c.thread_key for c in conversations]],
        )
        ids = dict(cursor.fetchall())
    for conversation in conversations:
        conversation.pk = ids[conversation.thread_key]
        conversation._state.adding = False
        conversation._state.db = connection.alias


def _thread(channel, fresh, classifications, contacts, now, result: IngestResult) -> None:
    organization_id = channel.organization_id
    parent_ids = {item.parent_external_id for item in fresh if item.parent_external_id}
    conversation_of_message: dict[str, Any] = _conversations_of_messages(organization_id, channel.platform, parent_ids)

    keys = {_thread_key(item) for item in fresh}
    existing_by_key = {
        conversation.thread_key: conversation
        # Locked (in id order, like every other writer) so that a reply marked sent, a priority
        # change or the breach sweep landing meanwhile is not overwritten by this batch's update.
        for conversation in Conversation.objects.for_organization(organization_id).filter(
            channel=channel, thread_key__in=keys).select_for_update().order_by("pk")
    }
    parent_conversation_ids = set(conversation_of_message.values()) - {c.pk for c in existing_by_key.values()}
    existing_by_id = {c.pk: c for c in existing_by_key.values()}
    if parent_conversation_ids:
        for conversation in (Conversation.objects.for_organization(organization_id)
                             .filter(pk__in=parent_conversation_ids).select_for_update().order_by("pk")):
            existing_by_id[conversation.pk] = conversation

    policy = clocks.policy_for(channel.organization)
    rules = _compiled_rules(organization_id)
    new_by_key: dict[str, Conversation] = {}
    routed_tags: dict[str, set[int]] = {}
    routed_names: dict[str, list[str]] = {}
    touched_existing: dict[int, list[tuple[PlatformItem, Any]]] = {}
    placement: list[tuple[PlatformItem, Any, Conversation]] = []

    for item, classification in zip(fresh, classifications, strict=True):
        at = min(item.created_at, now)
        parent_conversation = conversation_of_message.get(item.parent_external_id) if item.parent_external_id else None
        if isinstance(parent_conversation, Conversation):  # parent arrived earlier in this batch
            conversation = parent_conversation
        elif parent_conversation is not None:
            conversation = existing_by_id[parent_conversation]
        else:
            key = _thread_key(item)
            conversation = existing_by_key.get(key) or new_by_key.get(key)
            if conversation is None:
                contact = contacts[item.author.external_id]
                decision = route(rules, RoutingInput(
                    text=item.text, language=classification.language, sentiment=classification.sentiment,
                    followers=contact.followers, channel_id=channel.pk, kind=item.kind,
                    needs_answer=classification.needs_answer,
                ))
                conversation = Conversation(
                    organization_id=organization_id, channel=channel, contact_id=contact.pk, thread_key=key,
                    is_private=item.is_private, status=ConversationStatus.NEW,
                    team_id=decision.team_id,
                    priority=decision.priority if decision.priority is not None else Priority.NORMAL,
                    language=classification.language, sentiment=classification.sentiment,
                    preview=item.text[:PREVIEW_LENGTH], context_text=item.context_text,
                    message_count=0, reach=item.reach, created_at=at, last_message_at=at, last_inbound_at=at,
                )
                clocks.start(conversation, policy=policy, at=at)
                new_by_key[key] = conversation
                routed_tags[key] = decision.tag_ids
                routed_names[key] = decision.matched_rules
        conversation_of_message[item.external_id] = conversation
        placement.append((item, classification, conversation))
        if conversation.pk is not None:
            touched_existing.setdefault(conversation.pk, []).append((item, classification))
        else:
            conversation.message_count += 1
            if len(conversation.search_text) < SEARCH_TEXT_LIMIT:
                joined = f"{conversation.search_text}\n{item.text}" if conversation.search_text else item.text
                conversation.search_text = joined[:SEARCH_TEXT_LIMIT]
            if at > conversation.last_message_at:
                conversation.last_message_at = conversation.last_inbound_at = at
                conversation.preview = item.text[:PREVIEW_LENGTH]
                conversation.sentiment = classification.sentiment
            conversation.reach = max(conversation.reach, item.reach)

    if new_by_key:
        _insert_conversations(organization_id, channel, list(new_by_key.values()))
        tag_rows = [
            (organization_id, conversation.pk, tag_id)
            for key, conversation in new_by_key.items() for tag_id in routed_tags[key]
        ]
        if tag_rows:
            unnest_insert(ConversationTag, _TAG_COLUMNS, tag_rows, suffix="ON CONFLICT DO NOTHING")

    reopened, activities = _update_existing(existing_by_id, touched_existing, policy, now)

    inbound, platform, channel_id = Direction.INBOUND.value, channel.platform, channel.pk
    copy_insert(Message, _MESSAGE_COLUMNS, (
        (organization_id, conversation.pk, channel_id, inbound, item.kind, platform, item.external_id,
         item.parent_external_id or "", item.is_private, item.text, _safe_url(item.url),
         contacts[item.author.external_id].pk, item.created_at, classification.language, classification.sentiment,
         item.raw)
        for item, classification, conversation in placement
    ))

    channel_data = {"channel": channel.handle}
    for key, conversation in new_by_key.items():
        activities.append((organization_id, conversation.pk, ActivityVerb.CREATED.value, conversation.created_at,
                           channel_data))
        if routed_names[key]:
            activities.append((organization_id, conversation.pk, ActivityVerb.ROUTED.value, conversation.created_at,
                               {"rules": routed_names[key]}))
    if activities:
        copy_insert(Activity, _ACTIVITY_COLUMNS, activities)

    result.created = len(placement)
    result.mentions = [
        IngestedMention(created_at=item.created_at, text=item.text, negative=classification.sentiment < NEGATIVE_THRESHOLD,
                        reach=contacts[item.author.external_id].followers or item.reach, channel_id=channel_id,
                        tag_ids=frozenset(routed_tags.get(conversation.thread_key, ())), reshares=item.reshares,
                        conversation_id=conversation.pk, external_id=item.external_id, language=classification.language,
                        author_handle=item.author.handle or "", author_name=item.author.name or "")
        for item, classification, conversation in placement
    ]
    result.new_conversation_ids = [c.pk for c in new_by_key.values()]
    result.reopened_conversation_ids = reopened
    result.conversation_ids = sorted({c.pk for _, _, c in placement})


_UPDATE_SQL = """
UPDATE inbox_conversation AS c SET
    status = v.status, snoozed_until = v.snoozed_until, closed_at = v.closed_at,
    last_message_at = v.last_message_at, last_inbound_at = v.last_inbound_at,
    message_count = c.message_count + v.added, preview = v.preview, sentiment = v.sentiment,
    language = v.language, reach = GREATEST(c.reach, v.reach),
    sla_target_seconds = v.sla_target_seconds, sla_started_at = v.sla_started_at,
    sla_elapsed_seconds = v.sla_elapsed_seconds, sla_running_since = v.sla_running_since,
    sla_paused_at = v.sla_paused_at, sla_stopped_at = v.sla_stopped_at, sla_due_at = v.sla_due_at,
    sla_breached_at = v.sla_breached_at, updated_at = v.updated_at,
    search_text = CASE WHEN length(c.search_text) >= %s THEN c.search_text
                       ELSE left(c.search_text || E'\n' || v.search_text, %s) END
FROM unnest(
    %s::bigint[], %s::text[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[],
    %s::int[], %s::text[], %s::float8[], %s::text[], %s::int[],
    %s::int[], %s::timestamptz[], %s::float8[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[],
    %s::timestamptz[], %s::timestamptz[], %s::timestamptz[], %s::text[]
) AS v(id, status, snoozed_until, closed_at, last_message_at, last_inbound_at,
       added, preview, sentiment, language, reach,
       sla_target_seconds, sla_started_at, sla_elapsed_seconds, sla_running_since, sla_paused_at, sla_stopped_at,
       sla_due_at, sla_breached_at, updated_at, search_text)
WHERE c.id = v.id AND c.organization_id = %s
"""


def _update_existing(existing_by_id, touched, policy, now) -> tuple[list[int], list[tuple]]:
    """New inbound messages in known conversations: wake them up and keep their clocks honest."""
    if not touched:
        return [], []
    reopened: list[int] = []
    activities: list[tuple] = []  # rows in _ACTIVITY_COLUMNS order
    columns: list[list[Any]] = [[] for _ in range(21)]
    organization_id = None
    for conversation_id, entries in touched.items():
        conversation = existing_by_id[conversation_id]
        organization_id = conversation.organization_id
        latest_item, latest_class = max(entries, key=lambda e: e[0].created_at)
        first_at = min(min(e[0].created_at for e in entries), now)
        latest_at = min(latest_item.created_at, now)
        status = conversation.status
        if status == ConversationStatus.CLOSED:
            status = ConversationStatus.OPEN
            conversation.closed_at = None
            clocks.start(conversation, policy=policy, at=first_at)
            reopened.append(conversation_id)
            activities.append((organization_id, conversation_id, ActivityVerb.REOPENED.value, first_at,
                               {"by": "customer"}))
        elif status in (ConversationStatus.PENDING, ConversationStatus.SNOOZED):
            status = ConversationStatus.OPEN
            conversation.snoozed_until = None
            # A late poll may bring messages older than the pause: never count that time twice.
            clocks.resume(conversation, policy=policy, at=max(first_at, conversation.sla_paused_at or first_at))
        clock = clocks.clock_of(conversation)
        if clock is None or clock.is_stopped:
            # The customer wrote again after our answer (or after a close without one): they are
            # waiting for us once more.
            clocks.start(conversation, policy=policy, at=first_at)
        last_message_at = max(conversation.last_message_at, latest_at)
        newer = latest_at >= conversation.last_message_at
        values = [
            conversation_id, status, conversation.snoozed_until, conversation.closed_at, last_message_at,
            max(conversation.last_inbound_at or latest_at, latest_at), len(entries),
            latest_item.text[:PREVIEW_LENGTH] if newer else conversation.preview,
            latest_class.sentiment if newer else conversation.sentiment,
            (latest_class.language or conversation.language) if newer else conversation.language,
            max(e[0].reach for e in entries),
            conversation.sla_target_seconds, conversation.sla_started_at, conversation.sla_elapsed_seconds,
            conversation.sla_running_since, conversation.sla_paused_at, conversation.sla_stopped_at,
            conversation.sla_due_at, conversation.sla_breached_at, now,
            "\n".join(e[0].text for e in sorted(entries, key=lambda e: e[0].created_at)),
        ]
        for column, value in zip(columns, values, strict=True):
            column.append(value)
    with connection.cursor() as cursor:
        cursor.execute(_UPDATE_SQL, [SEARCH_TEXT_LIMIT, SEARCH_TEXT_LIMIT, *columns, organization_id])
    return reopened, activities


def dead_letter_replay(*, dead_letter: DeadLetter, parse) -> IngestResult:
    """Try a dead letter again with `parse(payload) -> PlatformItem` (the channel's connector)."""
    try:
        item = parse(dead_letter.payload)
    except Exception as error:  # noqa: BLE001 - the reason is shown to the admin who replays
        dead_letter.replay_error = f"{error.__class__.__name__}: {error}"
        dead_letter.save(update_fields=["replay_error"])
        return IngestResult(dead_letters=1)
    result = mentions_ingest(channel=dead_letter.channel, items=[item])
    if result.dead_letters:
        dead_letter.refresh_from_db(fields=["reason", "times_seen", "last_seen_at", "payload"])
        dead_letter.replay_error = f"Still not ingestible: {dead_letter.reason}"
        dead_letter.save(update_fields=["replay_error"])
    else:
        dead_letter.replayed_at = timezone.now()
        dead_letter.replay_error = ""
        dead_letter.save(update_fields=["replayed_at", "replay_error"])
    return result


