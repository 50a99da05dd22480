"""Declaring and closing a crisis, its cell, and its timeline.

Every change writes a line on the crisis timeline (`event_record`) and is pushed, after commit, to
the organization's `crisis` topic, which the crisis room listens to. Crisis mode itself (tighter SLA,
crisis queue, reply restrictions) follows from there being an active crisis: see `crisis/mode.py`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.live import broadcast_on_commit
from accounts.models import Membership, Organization, User

from ..models import (
    Alert,
    CellRole,
    Crisis,
    CrisisEvent,
    CrisisMember,
    CrisisSeverity,
    CrisisStatus,
    EventKind,
    WatchTopic,
)

# Listeners told after a crisis is declared or closed (crisis mode, notifications to the cell):
# callables (crisis, kind) with kind "declared" or "closed", run inside the transaction.
_crisis_listeners: list = []


def register_crisis_listener(listener) -> None:
    if listener not in _crisis_listeners:
        _crisis_listeners.append(listener)


def _tell(crisis: Crisis, kind: str) -> None:
    for listener in _crisis_listeners:
        listener(crisis, kind)


def crisis_event(crisis: Crisis, kind: str, **extra: Any) -> dict[str, Any]:
    return {"type": f"crisis.{kind}", "crisis_id": crisis.pk, **extra}


def broadcast(crisis: Crisis, kind: str, **extra: Any) -> None:
    broadcast_on_commit(organization_id=crisis.organization_id, topic="crisis", event=crisis_event(crisis, kind, **extra))


def event_record(*, crisis: Crisis, kind: str, actor: User | None = None, text: str = "",
                 data: dict[str, Any] | None = None, at: datetime | None = None) -> CrisisEvent:
    """Write one line on the timeline and push it to the room."""
    if kind not in EventKind.values:
        raise ValidationError({"kind": _("Unknown kind of timeline entry.")})
    event = CrisisEvent.objects.create(organization_id=crisis.organization_id, crisis=crisis, kind=kind,
                                       at=at or timezone.now(), actor=actor, text=text[:5000], data=data or {})
    broadcast(crisis, "timeline", event_id=event.pk, entry=kind)
    return event


def _member_ids(organization: Organization, user_ids: Iterable[int]) -> set[int]:
    wanted = {int(pk) for pk in user_ids}
    found = set(Membership.objects.for_organization(organization).filter(user_id__in=wanted)
                .values_list("user_id", flat=True))
    if wanted - found:
        raise ValidationError({"cell": _("Everyone in the cell must be a member of this organization.")})
    return found


def _clean_cell(organization: Organization, cell: Iterable[tuple[int, str]], declared_by: User | None) -> list[tuple[int, str]]:
    pairs: dict[int, str] = {}
    for user_id, role in cell:
        if role not in CellRole.values:
            raise ValidationError({"cell": _("Unknown role in the crisis cell: %(role)s.") % {"role": role}})
        pairs.setdefault(int(user_id), role)  # one role per person: the first given
    _member_ids(organization, pairs)
    if declared_by is not None and declared_by.pk not in pairs and CellRole.CRISIS_LEAD not in pairs.values():
        pairs[declared_by.pk] = CellRole.CRISIS_LEAD  # whoever declares leads until someone else is named
    return list(pairs.items())


def _clean_scope(organization: Organization, topic_ids, keywords, channel_ids) -> tuple[list[int], list[str], list[int]]:
    from inbox import selectors as inbox_selectors

    topics = sorted(set(WatchTopic.objects.for_organization(organization).filter(pk__in=[int(t) for t in topic_ids])
                        .values_list("pk", flat=True)))
    if len(topics) != len(set(topic_ids)):
        raise ValidationError({"topic_ids": _("One of these watch topics does not exist.")})
    words = sorted({str(word).strip().casefold()[:80] for word in keywords if str(word).strip()})
    if len(words) > 50:
        raise ValidationError({"keywords": _("At most 50 keywords.")})
    channels = sorted({int(c) for c in channel_ids})
    known = {channel.pk for channel in inbox_selectors.channel_list(organization=organization)}
    if set(channels) - known:
        raise ValidationError({"channel_ids": _("One of these channels does not exist.")})
    return topics, words, channels


def crisis_declare(*, organization: Organization, actor: User | None, title: str,
                   severity: int = CrisisSeverity.SERIOUS, topic_ids: Iterable[int] = (), keywords: Iterable[str] = (),
                   channel_ids: Iterable[int] = (), cell: Iterable[tuple[int, str]] = (), from_alert: Alert | None = None,
                   now: datetime | None = None, is_drill: bool = False) -> Crisis:
    """Declare a crisis: crisis mode switches on, the cell is named and told.

    From a spike alert, the storm's start is the alert's trigger time and the alert's topic is in
    scope; the detection, page and acknowledgment are copied onto the timeline.
    """
    now = now or timezone.now()
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the crisis a title people will recognise.")})
    try:
        severity = int(severity)
    except (TypeError, ValueError):
        severity = 0
    if severity not in CrisisSeverity.values:
        raise ValidationError({"severity": _("Choose a severity from 1 (minor) to 4 (critical).")})
    topic_ids = list(topic_ids)
    if from_alert is not None:
        if from_alert.organization_id != organization.pk:
            raise ValidationError({"from_alert": _("This alert does not exist.")})
        if topic_id := (from_alert.data or {}).get("topic_id"):
            topic_ids.append(topic_id)
    topics, words, channels = _clean_scope(organization, topic_ids, keywords, channel_ids)
    members = _clean_cell(organization, cell, actor)
    started_at = _storm_start(from_alert) if from_alert is not None else now
    try:
        with transaction.atomic():
            crisis = Crisis.objects.create(
                organization=organization, title=title[:200], severity=severity, topic_ids=topics, keywords=words,
                channel_ids=channels, started_at=started_at, declared_at=now, declared_by=actor,
                from_alert=from_alert, is_drill=is_drill)
            CrisisMember.objects.bulk_create([
                CrisisMember(organization=organization, crisis=crisis, user_id=user_id, role=role, added_at=now,
                             joined_at=now if actor is not None and user_id == actor.pk else None)
                for user_id, role in members])
            if from_alert is not None:
                _copy_alert_history(crisis, from_alert)
            event_record(crisis=crisis, kind=EventKind.DECLARED, actor=actor, at=now, text=crisis.title,
                         data={"severity": severity})
            _tell(crisis, "declared")
            broadcast(crisis, "declared")
    except IntegrityError:
        raise ValidationError(_("A crisis is already open for this organization: join its room instead.")) from None
    return crisis


def _copy_alert_history(crisis: Crisis, alert: Alert) -> None:
    """The alert's own log (detected, paged, acknowledged, escalated) as the first timeline lines."""
    from ..models import AlertLogEntry

    kinds = {"triggered": EventKind.DETECTED, "notified": EventKind.PAGED, "acknowledged": EventKind.ACKNOWLEDGED,
             "escalated": EventKind.ESCALATED}
    seen: set[str] = set()
    for entry in AlertLogEntry.objects.for_organization(crisis.organization_id).filter(alert=alert).order_by("created_at", "pk"):
        kind = kinds.get(entry.kind)
        # The first page and acknowledgment are what the report times; later repeats add nothing.
        if kind is None or (kind in (EventKind.DETECTED, EventKind.PAGED, EventKind.ACKNOWLEDGED) and kind in seen):
            continue
        seen.add(kind)
        CrisisEvent.objects.create(organization_id=crisis.organization_id, crisis=crisis, kind=kind,
                                   at=entry.created_at, actor=entry.actor,
                                   text=alert.title if kind == EventKind.DETECTED else "",
                                   data={"alert_id": alert.pk, **{k: v for k, v in (entry.data or {}).items()
                                                                   if isinstance(v, (str, int, float, bool))}})


def _storm_start(alert: Alert) -> datetime:
    """When the storm began: the minute the detector found abnormal (in the alert's data), else the
    alert's own time. Never after the alert: a storm cannot start after it was noticed."""
    from django.utils.dateparse import parse_datetime

    try:
        began = parse_datetime(str((alert.data or {}).get("started_at") or ""))
    except ValueError:
        began = None
    if began is None or timezone.is_naive(began):
        return alert.triggered_at
    return min(began, alert.triggered_at)


def _lock(crisis: Crisis) -> Crisis:
    return Crisis.objects.for_organization(crisis.organization_id).select_for_update().get(pk=crisis.pk)


@transaction.atomic
def crisis_close(*, crisis: Crisis, actor: User | None, summary: str = "", now: datetime | None = None) -> Crisis:
    """Close the crisis: normal mode returns. Closing twice changes nothing the second time."""
    crisis = _lock(crisis)
    if crisis.status == CrisisStatus.CLOSED:
        return crisis
    now = now or timezone.now()
    crisis.status, crisis.closed_at, crisis.closed_by = CrisisStatus.CLOSED, now, actor
    crisis.closing_summary = (summary or "").strip()[:5000]
    crisis.save(update_fields=["status", "closed_at", "closed_by", "closing_summary"])
    event_record(crisis=crisis, kind=EventKind.CLOSED, actor=actor, at=now, text=crisis.closing_summary)
    _tell(crisis, "closed")
    broadcast(crisis, "closed")
    return crisis


@transaction.atomic
def crisis_set_severity(*, crisis: Crisis, actor: User | None, severity: int) -> Crisis:
    crisis = _lock(crisis)
    if int(severity) not in CrisisSeverity.values:
        raise ValidationError({"severity": _("Choose a severity from 1 (minor) to 4 (critical).")})
    if crisis.severity != int(severity):
        crisis.severity = int(severity)
        crisis.save(update_fields=["severity"])
        event_record(crisis=crisis, kind=EventKind.SEVERITY, actor=actor, data={"severity": crisis.severity})
    return crisis


def member_add(*, crisis: Crisis, user_id: int, role: str, actor: User | None) -> CrisisMember:
    if role not in CellRole.values:
        raise ValidationError({"role": _("Unknown role in the crisis cell: %(role)s.") % {"role": role}})
    _member_ids(crisis.organization, [user_id])
    member, _created = CrisisMember.objects.for_organization(crisis.organization_id).update_or_create(
        crisis=crisis, user_id=user_id, defaults={"role": role, "organization_id": crisis.organization_id},
        create_defaults={"role": role, "organization_id": crisis.organization_id, "added_at": timezone.now()})
    broadcast(crisis, "cell")
    return member


def member_join(*, crisis: Crisis, user: User, now: datetime | None = None) -> CrisisMember | None:
    """Someone opened the room: record it once on the timeline and keep their presence fresh."""
    now = now or timezone.now()
    member = CrisisMember.objects.for_organization(crisis.organization_id).filter(crisis=crisis, user=user).first()
    if member is None:
        return None
    first = member.joined_at is None
    member.joined_at = member.joined_at or now
    member.last_seen_at = now
    member.save(update_fields=["joined_at", "last_seen_at"])
    if first:
        event_record(crisis=crisis, kind=EventKind.MEMBER_JOINED, actor=user, at=now,
                     data={"role": member.role})
    broadcast(crisis, "presence", user_id=user.pk)
    return member
