"""Alerts: raised (or joined by a repeat of the same open condition), acknowledged, resolved.

Every change is written to the alert's log and pushed, after commit, to the organization's
`alerts` topic (the banner on every page).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.live import broadcast_on_commit
from accounts.models import Organization, User

from .. import escalation
from ..models import (
    Alert,
    AlertLogEntry,
    AlertSeverity,
    AlertSource,
    AlertStatus,
    AttemptStatus,
    EscalationPolicy,
    NotificationAttempt,
    RoutingRule,
)
from ..models.alerts import SEVERITY_RANK


def log(alert: Alert, kind: str, /, *, at: datetime | None = None, actor: User | None = None, **data: Any) -> AlertLogEntry:
    entry = log_entry(alert, kind, at=at, actor=actor, **data)
    entry.save(force_insert=True)
    return entry


def log_entry(alert: Alert, kind: str, /, *, at: datetime | None = None, actor: User | None = None,
              **data: Any) -> AlertLogEntry:
    """An unsaved log entry, for writing several in one statement."""
    return AlertLogEntry(organization_id=alert.organization_id, alert=alert, kind=kind,
                         created_at=at or timezone.now(), actor=actor, data=data)


def alert_event(alert: Alert, kind: str) -> dict[str, Any]:
    return {"type": f"alert.{kind}", "alert_id": alert.pk, "status": alert.status, "title": alert.title,
            "severity": alert.severity, "source": alert.source}


def _broadcast(alert: Alert, kind: str) -> None:
    broadcast_on_commit(organization_id=alert.organization_id, topic="alerts", event=alert_event(alert, kind))


def policy_for(*, organization: Organization, source: str, severity: str) -> EscalationPolicy | None:
    """The policy of the first routing rule matching the source and (at least) the severity."""
    rank = SEVERITY_RANK[severity]
    for rule in RoutingRule.objects.for_organization(organization).select_related("policy").order_by("position", "pk"):
        if (not rule.sources or source in rule.sources) and rank >= SEVERITY_RANK[rule.min_severity]:
            return rule.policy
    return None


def alert_raise(*, organization: Organization, source: str, severity: str, title: str, details: str = "",
                dedup_key: str | None = None, data: dict[str, Any] | None = None, actor: User | None = None,
                now: datetime | None = None) -> tuple[Alert, bool]:
    """Raise an alert, or join the open one with the same dedup key. Returns (alert, created)."""
    if source not in AlertSource.values:
        raise ValidationError({"source": _("Unknown alert source.")})
    if severity not in AlertSeverity.values:
        raise ValidationError({"severity": _("Choose a severity: low, high or critical.")})
    if not title.strip():
        raise ValidationError({"title": _("Say in a few words what is happening.")})
    now = now or timezone.now()
    # A manual page is always new; conditions the app detects repeat and must join.
    key = dedup_key or f"{source}:{uuid.uuid4().hex}"
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return _raise_or_join(organization=organization, source=source, severity=severity, title=title.strip(),
                                      details=details, key=key, data=data or {}, actor=actor, now=now)
        except IntegrityError:
            continue  # another process opened the same condition between our read and write: join it
    raise ValidationError(_("This alert could not be recorded, try again."))


def _raise_or_join(*, organization, source, severity, title, details, key, data, actor, now) -> tuple[Alert, bool]:
    existing = (Alert.objects.for_organization(organization).select_for_update()
                .filter(dedup_key=key).exclude(status=AlertStatus.RESOLVED).first())
    if existing is not None:
        existing.occurrences += 1
        existing.save(update_fields=["occurrences"])
        log(existing, "joined", at=now, actor=actor, title=title)
        _broadcast(existing, "updated")
        return existing, False
    policy = policy_for(organization=organization, source=source, severity=severity)
    snapshot = escalation.parse_policy(steps=policy.steps, repeat=policy.repeat).to_json() if policy else {}
    alert = Alert.objects.create(
        organization=organization, source=source, severity=severity, title=title, details=details, dedup_key=key,
        policy=policy, policy_snapshot=snapshot, escalation_step=0, next_escalation_at=now if policy else None,
        triggered_at=now, created_by=actor, data=data,
    )
    log(alert, "triggered", at=now, actor=actor, policy=policy.name if policy else None)
    if policy is None:
        log(alert, "no_policy", at=now)
    _broadcast(alert, "triggered")
    return alert, True


def _lock(alert: Alert) -> Alert:
    return Alert.objects.for_organization(alert.organization_id).select_for_update().get(pk=alert.pk)


@transaction.atomic
def alert_acknowledge(*, alert: Alert, actor: User, via: str = "app") -> Alert:
    """Stop the climb. Acknowledging twice (two links clicked) changes nothing the second time."""
    alert = _lock(alert)
    if alert.status != AlertStatus.TRIGGERED:
        return alert
    now = timezone.now()
    alert.status, alert.acknowledged_at, alert.acknowledged_by = AlertStatus.ACKNOWLEDGED, now, actor
    alert.next_escalation_at = None
    alert.save(update_fields=["status", "acknowledged_at", "acknowledged_by", "next_escalation_at"])
    # A crisis notice tells each member of the cell: one acknowledging stops only their own notices.
    _skip_waiting_notifications(alert, now, user=actor if alert.source == AlertSource.CRISIS_DECLARED else None)
    log(alert, "acknowledged", at=now, actor=actor, via=via)
    _broadcast(alert, "acknowledged")
    return alert


@transaction.atomic
def alert_resolve(*, alert: Alert, actor: User | None, note: str = "") -> Alert:
    alert = _lock(alert)
    if alert.status == AlertStatus.RESOLVED:
        return alert
    now = timezone.now()
    alert.status, alert.resolved_at, alert.resolved_by = AlertStatus.RESOLVED, now, actor
    alert.next_escalation_at = None
    alert.save(update_fields=["status", "resolved_at", "resolved_by", "next_escalation_at"])
    _skip_waiting_notifications(alert, now)
    log(alert, "resolved", at=now, actor=actor, note=note)
    _broadcast(alert, "resolved")
    return alert


def _skip_waiting_notifications(alert: Alert, now: datetime, user: User | None = None) -> None:
    waiting = NotificationAttempt.objects.for_organization(alert.organization_id).filter(
        alert=alert, status=AttemptStatus.PENDING)
    if user is not None:
        waiting = waiting.filter(user=user)
    waiting.update(status=AttemptStatus.SKIPPED, attempted_at=now)
