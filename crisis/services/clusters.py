"""Storm replies: mentions in a crisis grouped into clusters of the same question, and one answer
sent to everyone in a cluster, personalised, paced per platform, through the inbox's exactly-once send.

- `clusters_assign` runs after each ingested batch (an ingestion listener, crisis/apps.py): mentions
  in the active crisis's scope join the cluster of the same question, or start one. Candidates come
  from the clusters' LSH buckets (a GIN index), so a mention costs a few index probes whatever the
  number of clusters (crisis/clustering.py explains the grouping).
- `cluster_reply_start` checks the answer (placeholders, then the response guides, as the inbox's
  reply service will ask them for each person) and writes one item per person; it sends nothing.
- `cluster_replies_advance` (a beat tick; the drill calls it on its simulated clock) hands the next
  due items to the inbox's reply service at each account's pace (crisis/pacing.py). Each hand-over
  is one transaction: the item, claimed FOR UPDATE SKIP LOCKED, turns QUEUED together with the inbox
  reply it creates. A worker killed before the commit leaves the item PENDING and no reply; after it,
  the reply exists once and the inbox's send posts it once (its own fence, look-up of interrupted
  sends). Nobody is answered twice, whoever dies when.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from inbox import reply_guard
from inbox import selectors as inbox_selectors
from inbox.services import reply_compose
from inbox.services.ingestion import IngestedMention

from .. import clustering, pacing
from ..mode import scope_of
from ..models import (
    ClusterMention,
    ClusterReply,
    ClusterReplyItem,
    ClusterReplyStatus,
    Crisis,
    CrisisStatus,
    EventKind,
    ItemState,
    StormCluster,
)
from . import cell

logger = logging.getLogger(__name__)

PLACEHOLDERS = ("first_name", "handle")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
LABEL_LENGTH = 280
# How many items one advance hands over at most, across all replies (a beat tick stays short).
ADVANCE_LIMIT = 200


# --- grouping ---------------------------------------------------------------------------------------

def _lock_crisis_clusters(crisis_id: int) -> None:
    # Two batches of the same crisis clustered at once would each start "the same question" twice.
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [zlib.crc32(b"storm-clusters") - 2**31, crisis_id])


def clusters_assign(*, organization_id: int, mentions: Iterable[IngestedMention]) -> int:
    """Place the batch's in-scope mentions into the active crisis's clusters. Returns how many were placed."""
    mentions = [m for m in mentions if m.conversation_id]
    if not mentions:
        return 0
    crisis = (Crisis.objects.for_organization(organization_id).filter(status=CrisisStatus.ACTIVE)
              .only("pk", "organization_id", "channel_ids", "keywords", "topic_ids").first())
    if crisis is None:
        return 0
    return clusters_assign_to(crisis=crisis, mentions=mentions)


def clusters_assign_to(*, crisis: Crisis, mentions: Iterable[IngestedMention]) -> int:
    """Place mentions into this crisis's clusters, whether or not it is still active (the demo and the
    drill fill a finished crisis after the fact). A conversation already clustered is left where it is."""
    organization_id = crisis.organization_id
    # The crisis's scope, the same rule that puts mentions in the crisis queue (crisis/mode.py).
    scope = scope_of(crisis)
    wanted = [m for m in mentions if m.conversation_id
              and scope.matches(text=m.text, channel_id=m.channel_id, tag_ids=m.tag_ids)]
    if not wanted:
        return 0
    placed = 0
    changed: set[int] = set()
    with transaction.atomic():
        _lock_crisis_clusters(crisis.pk)
        known = set(ClusterMention.objects.for_organization(organization_id).filter(
            crisis=crisis, conversation_id__in=[m.conversation_id for m in wanted]).values_list("conversation_id", flat=True))
        for mention in wanted:
            if mention.conversation_id in known:
                continue  # a follow-up in a conversation already clustered
            cluster = _place(crisis, mention)
            if cluster is None:
                continue
            known.add(mention.conversation_id)
            changed.add(cluster.pk)
            placed += 1
    if changed:
        cell.broadcast(crisis, "clusters", cluster_ids=sorted(changed))
    return placed


def _place(crisis: Crisis, mention: IngestedMention) -> StormCluster | None:
    language = mention.language if mention.language in clustering.SUPPORTED_LANGUAGES else \
        clustering.guess_language(mention.text)
    words = clustering.features(mention.text, language)
    if not words:
        return None
    keys = clustering.band_keys(words, language)
    # The GIN index finds the clusters sharing a bucket; those sharing the most are checked first.
    shared = RawSQL("cardinality(ARRAY(SELECT unnest(band_keys) INTERSECT SELECT unnest(%s::bigint[])))", (keys,))
    candidates = (StormCluster.objects.for_organization(crisis.organization_id)
                  .filter(crisis=crisis, language=language, band_keys__overlap=keys).annotate(shared=shared)
                  .order_by("-shared", "-count", "pk").only("pk", "words")[:clustering.CANDIDATES])
    cluster = clustering.best_match(words, ((c, c.words) for c in candidates))
    at = mention.created_at
    if cluster is None:
        cluster = StormCluster.objects.create(
            organization_id=crisis.organization_id, crisis=crisis, label=mention.text[:LABEL_LENGTH],
            language=language, words=sorted(words), band_keys=keys, count=0, created_at=at, last_mention_at=at)
    ClusterMention.objects.create(
        organization_id=crisis.organization_id, crisis=crisis, cluster=cluster, conversation_id=mention.conversation_id,
        external_id=mention.external_id[:300], channel_id=mention.channel_id,
        author_handle=mention.author_handle[:200], author_name=mention.author_name[:200], text=mention.text[:2000],
        created_at=at)
    StormCluster.objects.for_organization(crisis.organization_id).filter(pk=cluster.pk).update(
        count=F("count") + 1, last_mention_at=at)
    return cluster


def on_mentions_ingested(organization_id: int, mentions: list[IngestedMention]) -> None:
    clusters_assign(organization_id=organization_id, mentions=mentions)


# A storm is usually declared minutes after it started: what came in before is clustered too.
BACKFILL_CONVERSATIONS = 5000


def clusters_backfill(*, crisis: Crisis, limit: int = BACKFILL_CONVERSATIONS) -> int:
    """Cluster the conversations that arrived since the crisis started, oldest first (through the
    inbox's selectors, the first mention's text as the preview holds it). Idempotent."""
    filters = inbox_selectors.ConversationFilters(status=[], sort="created")
    conversations = (inbox_selectors.conversation_list(organization=crisis.organization_id, filters=filters)
                     .filter(created_at__gte=crisis.started_at).select_related("contact")
                     .order_by("created_at", "pk")[:limit])
    mentions = [IngestedMention(created_at=c.created_at, text=c.preview, negative=False, reach=c.reach,
                                channel_id=c.channel_id, tag_ids=frozenset(), conversation_id=c.pk,
                                language=c.language, author_handle=c.contact.handle, author_name=c.contact.name)
                for c in conversations if c.preview]
    return clusters_assign_to(crisis=crisis, mentions=mentions)


def _on_crisis(crisis: Crisis, kind: str) -> None:
    if kind != "declared":
        return
    crisis_id = crisis.pk

    def backfill() -> None:
        # After the declaration commits, and never failing it: the live listener clusters what comes next.
        try:
            clusters_backfill(crisis=Crisis.objects.unscoped().get(pk=crisis_id))
        except Exception:  # noqa: BLE001 - logged; the crisis is declared either way
            logger.exception("clustering crisis %s's earlier mentions failed", crisis_id)

    transaction.on_commit(backfill)


def connect() -> None:
    """Called once from crisis/apps.py: cluster mentions as they are ingested, and those before a declaration."""
    from inbox.services.ingestion import register_ingestion_listener

    register_ingestion_listener(on_mentions_ingested)
    cell.register_crisis_listener(_on_crisis)


# --- the answer ------------------------------------------------------------------------------------

def first_name(name: str, handle: str) -> str:
    """What {first_name} becomes: the first word of the person's display name, else their handle."""
    words = (name or "").strip().split()
    if words and any(ch.isalpha() for ch in words[0]):
        return words[0]
    return (handle or "").lstrip("@") or _("there")


def personalise(text: str, *, name: str, handle: str) -> str:
    values = {"first_name": first_name(name, handle), "handle": "@" + handle.lstrip("@") if handle else ""}
    return _PLACEHOLDER.sub(lambda match: values.get(match.group(1), match.group(0)), text)


def check_placeholders(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("Write the answer, or pick an approved statement or template.")})
    unknown = sorted({m.group(1) for m in _PLACEHOLDER.finditer(text) if m.group(1) not in PLACEHOLDERS})
    if unknown:
        raise ValidationError({"text": _(
            "%(unknown)s cannot be filled in for each person: only {first_name} and {handle} can. "
            "Replace the others with the actual words.") % {"unknown": ", ".join(f"{{{u}}}" for u in unknown)}})
    return text


class _DryRun(Exception):
    pass


def _guides_verdict(*, organization_id: int, conversation, actor: User, text: str, guidance: dict) -> reply_guard.Verdict:
    """The guides' answer for one person, as the reply service will ask it, without keeping what a
    "hold for approval" would write (the savepoint is rolled back)."""
    verdict = reply_guard.Verdict()
    try:
        with transaction.atomic():
            verdict = reply_guard.check(reply_guard.ReplyAttempt(
                organization_id=organization_id, conversation_id=conversation.pk, channel_id=conversation.channel_id,
                author_id=actor.pk, text=text, is_private=conversation.is_private, guidance=dict(guidance)))
            raise _DryRun
    except _DryRun:
        pass
    return verdict


@transaction.atomic
def cluster_reply_start(*, cluster: StormCluster, actor: User, text: str, now: datetime | None = None,
                        guidance: dict | None = None) -> ClusterReply:
    """Answer everyone in the cluster not answered yet by an earlier cluster reply. Returns at once;
    `cluster_replies_advance` sends, at each account's pace."""
    now = now or timezone.now()
    text = check_placeholders(text)
    guidance = {k: v for k, v in (guidance or {}).items() if k in ("template", "guide_version")}
    cluster = StormCluster.objects.for_organization(cluster.organization_id).select_for_update().select_related(
        "crisis").get(pk=cluster.pk)
    crisis = cluster.crisis
    if crisis.status != CrisisStatus.ACTIVE:
        raise ValidationError(_("This crisis is closed: answer people from the inbox."))
    if ClusterReply.objects.for_organization(cluster.organization_id).filter(
            cluster=cluster, status=ClusterReplyStatus.RUNNING).exists():
        raise ValidationError(_("An answer to this cluster is still being sent: wait until it is done."))
    answered = set(ClusterReplyItem.objects.for_organization(cluster.organization_id).filter(
        reply__cluster=cluster).exclude(state=ItemState.FAILED).values_list("conversation_id", flat=True))
    people = [m for m in ClusterMention.objects.for_organization(cluster.organization_id).filter(cluster=cluster)
              .order_by("created_at", "pk") if m.conversation_id not in answered]
    if not people:
        raise ValidationError(_("Everyone in this cluster has been answered already."))
    conversations = inbox_selectors.conversations_by_ids(organization=cluster.organization_id,
                                                         ids=[p.conversation_id for p in people])
    people = [p for p in people if p.conversation_id in conversations]
    if not people:
        raise ValidationError(_("The conversations of this cluster no longer exist."))

    # The guides judge the answer as they will for each person: asked once here, for the first one,
    # so that a blocked or unapproved answer is refused now rather than failing 300 times.
    sample = people[0]
    verdict = _guides_verdict(organization_id=cluster.organization_id, conversation=conversations[sample.conversation_id],
                              actor=actor, text=personalise(text, name=sample.author_name, handle=sample.author_handle),
                              guidance=guidance)
    if verdict.action == reply_guard.BLOCK:
        raise ValidationError({"text": verdict.message or _("The response guides refuse this answer.")})
    if verdict.action == reply_guard.CONFIRM:
        raise ValidationError({"text": "; ".join(f["message"] for f in verdict.findings) or verdict.message})
    if verdict.action == reply_guard.HOLD:
        raise ValidationError({"text": _(
            "The response guides want each of these replies approved first: pick an approved statement or "
            "template to answer a whole cluster.")})

    reply = ClusterReply.objects.create(
        organization_id=cluster.organization_id, crisis=crisis, cluster=cluster, actor=actor, text=text,
        guidance=guidance, total=len(people), started_at=now)
    ClusterReplyItem.objects.bulk_create([
        ClusterReplyItem(organization_id=cluster.organization_id, reply=reply, conversation_id=p.conversation_id,
                         channel_id=conversations[p.conversation_id].channel_id,
                         platform=conversations[p.conversation_id].channel.platform,
                         author_handle=p.author_handle, author_name=p.author_name)
        for p in people])
    cell.event_record(crisis=crisis, kind=EventKind.CLUSTER_REPLY, actor=actor, at=now,
                      text=_("%(who)s answers %(count)s people asking “%(label)s”") % {
                          "who": actor.display_name, "count": len(people), "label": cluster.label[:120]},
                      data={"action": "started", "cluster_id": cluster.pk, "count": len(people), "reply_id": reply.pk})
    _progress(reply)
    return reply


# --- sending ---------------------------------------------------------------------------------------

def _pace_scale() -> float:
    return float(getattr(settings, "VIGIE_CLUSTER_PACE_SCALE", 1.0))


def _lock_channel(channel_id: int) -> None:
    # One account's pace is decided by one advance at a time (two workers would both see a free slot).
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [zlib.crc32(b"cluster-pace") - 2**31, channel_id])


def _recent_posts(organization_id: int, channel_id: int, platform: str, now: datetime) -> list[datetime]:
    window = pacing.longest_window(platform, scale=_pace_scale())
    return list(ClusterReplyItem.objects.for_organization(organization_id).filter(
        channel_id=channel_id, queued_at__isnull=False, queued_at__gt=now - window, queued_at__lte=now)
        .values_list("queued_at", flat=True))


def _hand_over(reply: ClusterReply, channel_id: int, platform: str, now: datetime) -> bool:
    """Claim the next waiting person of this reply on this account, if the account's pace allows it
    now, and queue their inbox reply, in one transaction. False when nothing could go."""
    with transaction.atomic():
        _lock_channel(channel_id)
        recent = _recent_posts(reply.organization_id, channel_id, platform, now)
        if pacing.next_slot(platform, recent, now, scale=_pace_scale()) > now:
            return False
        item = (ClusterReplyItem.objects.for_organization(reply.organization_id).select_for_update(skip_locked=True)
                .filter(reply=reply, channel_id=channel_id, state=ItemState.PENDING).order_by("pk").first())
        if item is None:
            return False
        item.queued_at = now
        conversation = inbox_selectors.conversations_by_ids(organization=reply.organization_id,
                                                            ids=[item.conversation_id]).get(item.conversation_id)
        text = personalise(reply.text, name=item.author_name, handle=item.author_handle)
        outcome = None
        error = ""
        if conversation is None:
            error = _("This conversation no longer exists.")
        else:
            try:
                with transaction.atomic():
                    outcome = reply_compose(conversation=conversation, author=reply.actor, text=text,
                                            guidance=dict(reply.guidance))
            except ValidationError as refused:
                error = " ".join(refused.messages)
        if isinstance(outcome, reply_guard.HeldReply):
            error, outcome = outcome.message, None
        if outcome is None:
            item.state, item.error, item.settled_at = ItemState.FAILED, error[:2000], now
            item.save(update_fields=["state", "error", "queued_at", "settled_at"])
            ClusterReply.objects.for_organization(reply.organization_id).filter(pk=reply.pk).update(failed=F("failed") + 1)
        else:
            item.state, item.message_id = ItemState.QUEUED, outcome.pk
            item.save(update_fields=["state", "message_id", "queued_at"])
            ClusterReply.objects.for_organization(reply.organization_id).filter(pk=reply.pk).update(queued=F("queued") + 1)
    return True


def _settle(reply: ClusterReply, now: datetime) -> bool:
    """Copy the inbox replies' outcomes onto the items; finish the reply when nobody is left. True if
    anything changed."""
    queued = dict(ClusterReplyItem.objects.for_organization(reply.organization_id).filter(
        reply=reply, state=ItemState.QUEUED).values_list("message_id", "pk"))
    changed = False
    if queued:
        states = inbox_selectors.message_states(organization=reply.organization_id, ids=list(queued))
        done = {ItemState.SENT: [], ItemState.FAILED: []}
        for message_id, item_id in queued.items():
            state = states.get(message_id)
            if state == "sent":
                done[ItemState.SENT].append(item_id)
            elif state in ("failed", None):  # failed, or deleted with its conversation
                done[ItemState.FAILED].append(item_id)
        with transaction.atomic():
            for state, ids in done.items():
                if not ids:
                    continue
                moved = ClusterReplyItem.objects.for_organization(reply.organization_id).filter(
                    pk__in=ids, state=ItemState.QUEUED).update(state=state, settled_at=now)
                if moved:
                    changed = True
                    counter = "sent" if state == ItemState.SENT else "failed"
                    ClusterReply.objects.for_organization(reply.organization_id).filter(pk=reply.pk).update(
                        **{counter: F(counter) + moved, "queued": F("queued") - moved})
    with transaction.atomic():
        locked = ClusterReply.objects.for_organization(reply.organization_id).select_for_update().select_related(
            "crisis", "cluster").get(pk=reply.pk)
        left = ClusterReplyItem.objects.for_organization(reply.organization_id).filter(
            reply=locked, state__in=(ItemState.PENDING, ItemState.QUEUED)).exists()
        if locked.status == ClusterReplyStatus.RUNNING and not left:
            locked.status, locked.finished_at = ClusterReplyStatus.FINISHED, now
            locked.save(update_fields=["status", "finished_at"])
            cell.event_record(
                crisis=locked.crisis, kind=EventKind.CLUSTER_REPLY, actor=locked.actor, at=now,
                text=_("%(sent)s of %(total)s people answered about “%(label)s”") % {
                    "sent": locked.sent, "total": locked.total, "label": locked.cluster.label[:120]},
                data={"action": "finished", "cluster_id": locked.cluster_id, "count": locked.sent,
                      "failed": locked.failed, "reply_id": locked.pk})
            changed = True
        if changed:
            _progress(locked)
    return changed


def _progress(reply: ClusterReply) -> None:
    reply.refresh_from_db(fields=["status", "total", "queued", "sent", "failed", "finished_at"])
    cell.broadcast(reply.crisis, "cluster_progress", reply_id=reply.pk, cluster_id=reply.cluster_id,
                   status=reply.status, total=reply.total, queued=reply.queued, sent=reply.sent, failed=reply.failed,
                   waiting=reply.total - reply.queued - reply.sent - reply.failed)


def cluster_replies_advance(*, now: datetime | None = None, limit: int = ADVANCE_LIMIT,
                            organization_id: int | None = None) -> int:
    """Hand the next due people of every running cluster reply to the inbox's send, at each account's
    pace, and settle the ones the inbox has sent. Returns how many were handed over.

    `organization_id` limits the step to one organization: a drill runs on a clock ahead of real time
    and must not advance anybody else's replies."""
    now = now or timezone.now()
    handed = 0
    running = ClusterReply.objects.unscoped().filter(status=ClusterReplyStatus.RUNNING)
    if organization_id is not None:
        running = running.filter(organization_id=organization_id)
    running = list(running.select_related("crisis", "actor").order_by("started_at", "pk"))
    for reply in running:
        waiting = defaultdict(str)
        for channel_id, platform in (ClusterReplyItem.objects.for_organization(reply.organization_id)
                                     .filter(reply=reply, state=ItemState.PENDING)
                                     .values_list("channel_id", "platform").distinct()):
            waiting[channel_id] = platform
        moved = 0
        for channel_id, platform in sorted(waiting.items()):
            while handed < limit and _hand_over(reply, channel_id, platform, now):
                handed += 1
                moved += 1
        try:
            changed = _settle(reply, now)
        except IntegrityError:  # pragma: no cover - a concurrent advance settled it first
            logger.warning("cluster reply %s settled concurrently", reply.pk)
            changed = False
        if moved and not changed:
            with transaction.atomic():
                _progress(reply)
    return handed
