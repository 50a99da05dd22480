"""Changes other apps make to many conversations at once through the inbox's registries.

The crisis desk puts in-scope mentions in its queue (a tag, and a raised priority) while mentions
pour in, and re-times every running first-response clock when its mode switches the
organization's targets. Both are done in a few statements per batch, not a round trip per
conversation, and send one live event.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

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


def conversations_retarget(*, organization, previous_policy: sla.SlaPolicy, now: datetime | None = None,
                           limit: int = 20_000) -> int:
    """Re-time every running first-response clock of the organization's active conversations after its
    targets changed (crisis mode on or off). Time already waited is measured with `previous_policy`
    (last night's closed hours stay closed), the rest with the current policy. Returns how many changed."""
    now = now or timezone.now()
    policy = clocks.policy_for(organization)
    changed = 0
    last_pk = 0
    while changed < limit:
        with transaction.atomic():
            batch = list(Conversation.objects.for_organization(organization).select_for_update(of=("self",))
                         .filter(pk__gt=last_pk, status__in=ACTIVE_STATUSES, sla_started_at__isnull=False,
                                 sla_stopped_at__isnull=True).order_by("pk")[:RETARGET_BATCH])
            if not batch:
                break
            last_pk = batch[-1].pk
            for conversation in batch:
                clocks.retarget(conversation, policy=policy, previous_policy=previous_policy, at=now)
            Conversation.objects.for_organization(organization).bulk_update(batch, clocks.SLA_FIELDS)
            changed += len(batch)
            _broadcast(batch, reason="sla")
    return changed
