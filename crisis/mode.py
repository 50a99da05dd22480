"""Crisis mode: what changes for the organization while a crisis is active.

There is no switch to forget: the organization is in crisis mode exactly while it has an active
crisis row (at most one, `crisis_one_active_per_organization`). Everything below reads that row,
so closing the crisis ends the mode at once, with no cache to invalidate.

- Replies: the guides' linter asks `crisis_state` (registered with playbooks.crisis_mode) and, in
  crisis mode, only lets through replies to the crisis queue's conversations that follow an
  approved template or statement (other customers are answered as usual).
- First-response targets: `sla_factor` (registered with the inbox's policy adjusters) tightens them
  by severity, round the clock; declaring and closing re-time the running clocks.
- The crisis queue: the inbox's conversations carrying the crisis's queue tag (`queue_tag`), which
  the ingestion listener puts on new mentions in the crisis's scope (and the declaration on those
  that arrived since the storm began), raising them to high priority.
- The cell: told when the crisis is declared (`services/cell_notices.py`).

Both per-call hooks (the linter's and the policy's) cost one query on the partial unique index of
active crises, well under a millisecond: cheaper than keeping a cache correct across processes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from . import clustering

logger = logging.getLogger(__name__)

# First-response targets multiplied by this while a crisis of this severity is active (and counted
# round the clock). A minor crisis answers a quarter faster; a critical one four times faster: a
# 1-hour target becomes 15 minutes, which is what a desk at full strength can hold in a storm.
SLA_FACTOR = {1: 0.75, 2: 0.5, 3: 0.33, 4: 0.25}
# In-scope conversations are raised to high, not urgent: urgent replies held for approval page the
# approvers (crisis/services/approval_events.py), and a storm would page them hundreds of times.
QUEUE_PRIORITY = "high"
# The declaration catches up with mentions that came before it: since the storm began (the spike
# alert's time) and at least the last hour (a crisis declared by hand starts now), at most this
# many mentions, the newest first.
CATCH_UP_WINDOW = timedelta(hours=1)
CATCH_UP_LIMIT = 5000


def queue_tag(crisis) -> str:
    """The tag that puts a conversation in this crisis's queue (one per crisis, so reports stay apart)."""
    return f"crisis-{crisis.pk}"


def _path(name: str, crisis) -> str:
    return reverse(name, kwargs={"organization_slug": crisis.organization.slug, "pk": crisis.pk})


def room_path(crisis) -> str:
    """The crisis room's address (the room page, `crisis-room`): where the cell is sent."""
    return _path("crisis-room", crisis)


def report_path(crisis) -> str:
    """The crisis report's address (`crisis-report`)."""
    return _path("crisis-report", crisis)


# --- scope ----------------------------------------------------------------------------------------


def fold(text: str) -> str:
    """Case- and accent-folded: "Grève à CDG" and "greve a cdg" are the same words to the scope
    (the storm clusters' own folding, so both read a mention alike)."""
    return clustering.fold(text or "")


@dataclass(frozen=True)
class Scope:
    """Which mentions belong to a crisis: any of its keywords, channels, or watch topics (a topic's
    terms, routing tags or channels). An empty scope is the whole organization (an overall spike)."""

    keywords: tuple[str, ...] = ()
    channel_ids: frozenset[int] = frozenset()
    tag_ids: frozenset[int] = frozenset()

    @property
    def everything(self) -> bool:
        return not (self.keywords or self.channel_ids or self.tag_ids)

    def matches(self, *, text: str, channel_id: int, tag_ids: Iterable[int]) -> bool:
        if self.everything or channel_id in self.channel_ids or not self.tag_ids.isdisjoint(tag_ids):
            return True
        if not self.keywords:
            return False
        folded = fold(text)
        return any(word in folded for word in self.keywords)


def scope_of(crisis) -> Scope:
    """The crisis's scope with its topics read (one query) and every word folded once."""
    from .models import WatchTopic

    keywords = {fold(word) for word in crisis.keywords or ()}
    channels = {int(c) for c in crisis.channel_ids or ()}
    tags: set[int] = set()
    if crisis.topic_ids:
        for topic in WatchTopic.objects.for_organization(crisis.organization_id).filter(pk__in=crisis.topic_ids):
            keywords.update(fold(term) for term in topic.terms or ())
            channels.update(int(c) for c in topic.channel_ids or ())
            tags.update(int(t) for t in topic.tag_ids or ())
    return Scope(keywords=tuple(sorted(word for word in keywords if word)), channel_ids=frozenset(channels),
                 tag_ids=frozenset(tags))


def in_scope(scope: Scope, mentions) -> list[int]:
    """The conversations of these mentions (ingestion's IngestedMention) that the scope takes."""
    return list(dict.fromkeys(
        m.conversation_id for m in mentions
        if m.conversation_id and scope.matches(text=m.text, channel_id=m.channel_id, tag_ids=m.tag_ids)))


# --- what other apps ask --------------------------------------------------------------------------


def _active(organization_id: int, *fields: str):
    from .models import Crisis, CrisisStatus

    return (Crisis.objects.for_organization(organization_id).filter(status=CrisisStatus.ACTIVE)
            .only("pk", "organization", *fields).first())


def crisis_state(organization_id: int):
    """For the guides' linter (playbooks.crisis_mode): in crisis or not, and the approved statements."""
    from playbooks.crisis_mode import CrisisState

    from . import selectors

    crisis = _active(organization_id)
    if crisis is None:
        return CrisisState()
    return CrisisState(active=True, queue_tag=queue_tag(crisis),
                       statements=tuple(selectors.approved_statement_texts(organization_id=organization_id)))


def sla_factor(organization_id: int) -> float | None:
    """For the inbox's first-response policy: the active crisis's factor, or None in normal mode."""
    crisis = _active(organization_id, "severity")
    return SLA_FACTOR.get(crisis.severity) if crisis is not None else None


def on_mentions_ingested(organization_id: int, mentions) -> None:
    """Ingestion listener (after its batch committed): in-scope mentions join the crisis queue.

    Never raises: the mentions are already safe in the inbox, and a failure here must not stop the
    other listeners (the storm detector) either. One query when no crisis is active.
    """
    try:
        crisis = _active(organization_id, "topic_ids", "keywords", "channel_ids")
        if crisis is None:
            return
        queue(crisis=crisis, conversation_ids=in_scope(scope_of(crisis), mentions))
    except Exception:  # noqa: BLE001 - see the docstring
        logger.exception("crisis mode could not queue %s mentions of organization %s", len(mentions), organization_id)


def queue(*, crisis, conversation_ids: list[int], now: datetime | None = None) -> int:
    from inbox.services.queues import QUEUE_BATCH, conversations_queue

    queued = 0
    for start in range(0, len(conversation_ids), QUEUE_BATCH):
        queued += len(conversations_queue(organization_id=crisis.organization_id,
                                          conversation_ids=conversation_ids[start:start + QUEUE_BATCH],
                                          tag=queue_tag(crisis), priority_at_least=QUEUE_PRIORITY, now=now))
    return queued


def catch_up(*, crisis, now: datetime | None = None) -> int:
    """Put in the queue the in-scope mentions that arrived before the declaration. Returns how many
    conversations joined it."""
    from inbox import selectors as inbox_selectors

    since = min(crisis.started_at, crisis.declared_at - CATCH_UP_WINDOW)
    mentions = inbox_selectors.inbound_mentions_since(organization=crisis.organization_id, since=since,
                                                      limit=CATCH_UP_LIMIT)
    return queue(crisis=crisis, conversation_ids=in_scope(scope_of(crisis), mentions), now=now)


def retarget_clocks(*, crisis, kind: str, now: datetime | None = None) -> int:
    """Re-time the running first-response clocks: the time already waited counts under the policy
    that was in force (business hours before a declaration, the crisis's after it)."""
    from inbox.services import clocks
    from inbox.services.queues import conversations_retarget

    organization = crisis.organization
    previous = clocks.policy_for(organization, adjusted=False)
    if kind == "closed":
        previous = previous.tightened(SLA_FACTOR[crisis.severity], round_the_clock=True)
    return conversations_retarget(organization=organization, previous_policy=previous, now=now)


def switched(crisis_id: int, kind: str) -> None:
    """After a declaration or closing commits: re-time the clocks, catch up with the storm so far.

    Outside the declaration's transaction: a failure here is logged and never undoes the crisis
    (new mentions still join the queue as they arrive).
    """
    from .models import Crisis

    crisis = Crisis.objects.unscoped().select_related("organization").filter(pk=crisis_id).first()
    if crisis is None:
        return
    now = timezone.now()
    steps = [("re-timing the clocks", lambda: retarget_clocks(crisis=crisis, kind=kind, now=now))]
    if kind == "declared":
        steps.append(("catching up with the storm", lambda: catch_up(crisis=crisis, now=now)))
    for what, step in steps:
        try:
            step()
        except Exception:  # noqa: BLE001 - see the docstring
            logger.exception("crisis mode: %s failed after crisis %s was %s", what, crisis_id, kind)


def on_crisis(crisis, kind: str) -> None:
    """Crisis listener (inside the declaration's or closing's transaction)."""
    from .services import cell_notices

    if kind == "declared":
        cell_notices.cell_notify(crisis=crisis)
    elif kind == "closed":
        cell_notices.cell_notice_close(crisis=crisis)
    transaction.on_commit(lambda: switched(crisis.pk, kind))


def connect() -> None:
    """Called once from CrisisConfig.ready()."""
    from inbox.services.clocks import register_policy_adjuster
    from inbox.services.ingestion import register_ingestion_listener
    from playbooks.crisis_mode import register_crisis_state

    from .services.cell import register_crisis_listener

    register_crisis_state(crisis_state)
    register_policy_adjuster(sla_factor)
    register_ingestion_listener(on_mentions_ingested)
    register_crisis_listener(on_crisis)
