"""Missed first-response targets: recorded once per clock, then handed to whoever listens.

The crisis app (alerts, escalation) registers a listener instead of the inbox knowing about it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from accounts.live import broadcast_on_commit

from ..models import Activity, ActivityVerb, Conversation, SlaBreach

logger = logging.getLogger(__name__)

BreachListener = Callable[[list[SlaBreach]], None]
_listeners: list[BreachListener] = []


def register_breach_listener(listener: BreachListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


@transaction.atomic
def sla_breaches_record(*, now: datetime | None = None, limit: int = 2000) -> list[SlaBreach]:
    now = now or timezone.now()
    # One sweep across organizations; SKIP LOCKED lets two beat ticks overlap harmlessly.
    due = list(
        Conversation.objects.unscoped()
        .select_for_update(skip_locked=True)
        .filter(sla_stopped_at__isnull=True, sla_paused_at__isnull=True, sla_due_at__lt=now, sla_breached_at__isnull=True)
        .order_by("sla_due_at")[:limit]
    )
    if not due:
        return []
    breaches = [
        SlaBreach(organization_id=c.organization_id, conversation=c, priority=c.priority, due_at=c.sla_due_at, breached_at=now)
        for c in due
    ]
    SlaBreach.objects.bulk_create(breaches, ignore_conflicts=True)
    Conversation.objects.unscoped().filter(pk__in=[c.pk for c in due]).update(sla_breached_at=now)
    Activity.objects.bulk_create([
        Activity(organization_id=c.organization_id, conversation=c, verb=ActivityVerb.SLA_BREACHED, created_at=now,
                 data={"due_at": c.sla_due_at.isoformat()})
        for c in due
    ])
    by_org: dict[int, list[int]] = {}
    for c in due:
        by_org.setdefault(c.organization_id, []).append(c.pk)
    for organization_id, ids in by_org.items():
        broadcast_on_commit(organization_id=organization_id, topic="inbox",
                            event={"type": "sla.breached", "conversation_ids": ids})
    for listener in _listeners:
        transaction.on_commit(lambda listener=listener: listener(breaches))
    return breaches
