"""Changes other apps make to many conversations at once through the inbox's registries.

The crisis desk puts in-scope mentions in its queue (a tag, and a raised priority) while mentions
pour in, and re-times every running first-response clock when its mode switches the
organization's targets. Both are done in a few statements per batch, not a round trip per
conversation, and send one live event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone

from accounts.live import broadcast_on_commit

from .. import sla
from ..models import ACTIVE_STATUSES, Activity, ActivityVerb, Conversation, ConversationTag, Priority
from . import clocks
from .conversations import _broadcast, _tags_named

QUEUE_BATCH = 1000
RETARGET_BATCH = 500


@transaction.atomic
def conversations_queue(*, organization_id: int, conversation_ids: Iterable[int], tag: str,
                        priority_at_least: str | None = None, now: datetime | None = None) -> list[int]:
    """Tag these conversations (the queue) and raise their priority to at least `priority_at_least`
    ("high", "urgent"...).

    Conversations already tagged are left alone, so a storm's thousandth mention in a thread costs
    nothing more. Returns the ids newly put in the queue.
    """
    wanted = sorted({int(pk) for pk in conversation_ids if pk})[:QUEUE_BATCH]
    if not wanted:
        return []
    floor = Priority.from_name(priority_at_least).value if priority_at_least else None
    now = now or timezone.now()
    (queue_tag,) = _tags_named(organization_id, [tag])
    already = set(ConversationTag.objects.for_organization(organization_id)
                  .filter(tag=queue_tag, conversation_id__in=wanted).values_list("conversation_id", flat=True))
    # Locked in id order, like ingestion and the bulk actions, so the three never wait in a circle.
    fresh = list(Conversation.objects.for_organization(organization_id).select_for_update(of=("self",))
                 .filter(pk__in=[pk for pk in wanted if pk not in already]).select_related("organization")
                 .order_by("pk"))
    if not fresh:
        return []
    ConversationTag.objects.bulk_create(
        [ConversationTag(organization_id=organization_id, conversation=c, tag=queue_tag) for c in fresh],
        ignore_conflicts=True)
    activities = [Activity(organization_id=organization_id, conversation=c, actor=None, verb=ActivityVerb.TAGGED,
                           data={"tags": [queue_tag.name]}, created_at=now) for c in fresh]
    raised = [c for c in fresh if floor is not None and c.priority < floor]
    if raised:
        policy = clocks.policy_for(fresh[0].organization)
        fields = {"priority", "updated_at"}
        for conversation in raised:
            activities.append(Activity(organization_id=organization_id, conversation=conversation, actor=None,
                                       verb=ActivityVerb.PRIORITY_CHANGED, created_at=now,
                                       data={"from": Priority(conversation.priority).name.lower(),
                                             "to": Priority(floor).name.lower()}))
            conversation.priority = floor
            fields.update(clocks.retarget(conversation, policy=policy, at=now))
        for conversation in fresh:
            conversation.updated_at = now
        Conversation.objects.for_organization(organization_id).bulk_update(raised, sorted(fields))
    Activity.objects.bulk_create(activities)
    Conversation.objects.for_organization(organization_id).filter(
        pk__in=[c.pk for c in fresh if c not in raised]).update(updated_at=now)
    _broadcast(fresh, reason="queued")
    return [c.pk for c in fresh]


_RETARGET_SQL = """
UPDATE inbox_conversation AS c SET
    sla_target_seconds = v.target, sla_elapsed_seconds = v.elapsed, sla_running_since = v.running_since,
    sla_paused_at = v.paused_at, sla_due_at = v.due_at
FROM unnest(%s::bigint[], %s::int[], %s::float8[], %s::timestamptz[], %s::timestamptz[], %s::timestamptz[])
    AS v(id, target, elapsed, running_since, paused_at, due_at)
WHERE c.organization_id = %s AND c.id = v.id AND c.sla_stopped_at IS NULL
"""
_CLOCK_COLUMNS = ("pk", "priority", *clocks.SLA_FIELDS)


def conversations_retarget(*, organization, previous_policy: sla.SlaPolicy, now: datetime | None = None,
                           limit: int = 50_000) -> int:
    """Re-time every running first-response clock of the organization's active conversations after its
    targets changed (crisis mode on or off). Time already waited is measured with `previous_policy`
    (last night's closed hours stay closed), the rest with the current policy. Returns how many changed.

    In batches, each its own transaction with one UPDATE from arrays: a storm's thousands of open
    conversations are re-timed in seconds, and ingestion waits on a batch's row locks only briefly.
    """
    now = now or timezone.now()
    policy = clocks.policy_for(organization)
    changed, last_pk = 0, 0
    while changed < limit:
        with transaction.atomic():
            rows = list(Conversation.objects.for_organization(organization).select_for_update()
                        .filter(pk__gt=last_pk, status__in=ACTIVE_STATUSES, sla_started_at__isnull=False,
                                sla_target_seconds__isnull=False, sla_stopped_at__isnull=True)
                        .order_by("pk").values_list(*_CLOCK_COLUMNS)[:RETARGET_BATCH])
            if not rows:
                break
            last_pk = rows[-1][0]
            columns: list[list] = [[], [], [], [], [], []]
            for pk, priority, *fields in rows:
                clock = sla.SlaClock.from_fields(dict(zip(clocks.SLA_FIELDS, fields, strict=True)))
                retimed = sla.clock_retarget(clock=clock, policy=policy, previous_policy=previous_policy,
                                             priority=clocks.priority_name(priority), at=now).to_fields()
                for column, value in zip(columns, (pk, retimed["sla_target_seconds"], retimed["sla_elapsed_seconds"],
                                                   retimed["sla_running_since"], retimed["sla_paused_at"],
                                                   retimed["sla_due_at"]), strict=True):
                    column.append(value)
            with connection.cursor() as cursor:
                cursor.execute(_RETARGET_SQL, [*columns, organization.pk])
            changed += len(rows)
            broadcast_on_commit(organization_id=organization.pk, topic="inbox", event={
                "type": "conversations.changed", "reason": "sla", "conversation_ids": columns[0]})
    return changed
