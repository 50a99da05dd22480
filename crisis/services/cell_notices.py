"""Telling the crisis cell that a crisis was declared, through each member's notification rules.

The notice is an alert (source "crisis_declared") so that it travels the on-call pipeline people
already set up: in the app at once, then e-mail, SMS or chat as their rules say. It never goes
through an escalation policy: it pages exactly the cell. It differs from a page in one way: each
member is told until *they* join the room (or the crisis closes); one member acknowledging stops
nobody else's notices (see `notifications._claim` and `alerts.alert_acknowledge`).
"""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.live import broadcast_on_commit
from accounts.notifications import notify

from ..mode import room_path
from ..models import Alert, AlertSeverity, AlertSource, AlertStatus, Crisis, CrisisMember, NotificationAttempt
from .alerts import alert_resolve, log
from .notifications import plan_notifications

KIND = "crisis_declared"


def notice_key(crisis: Crisis) -> str:
    return f"{KIND}:{crisis.pk}"


def cell_notify(*, crisis: Crisis, now=None) -> Alert | None:
    """Notify every member of the cell who is not in the room yet (whoever declared already is)."""
    now = now or timezone.now()
    organization = crisis.organization
    members = list(CrisisMember.objects.for_organization(crisis.organization_id).filter(crisis=crisis)
                   .select_related("user"))
    waiting = [m for m in members if m.joined_at is None]
    link = room_path(crisis)
    with translation.override(organization.language):
        title = _("Crisis declared: %(title)s (severity %(severity)s)") % {"title": crisis.title,
                                                                          "severity": crisis.severity}
    alert = Alert.objects.create(
        organization=organization, source=AlertSource.CRISIS_DECLARED,
        severity=AlertSeverity.CRITICAL if crisis.severity >= 3 else AlertSeverity.HIGH, title=title[:200],
        dedup_key=notice_key(crisis), triggered_at=now, created_by=crisis.declared_by,
        data={"crisis_id": crisis.pk, "url": link})
    log(alert, "triggered", at=now, actor=crisis.declared_by, policy=None)
    user_ids = [m.user_id for m in waiting]
    if not user_ids:
        return alert
    attempts, events = plan_notifications(alert=alert, user_ids=user_ids, step_number=1, now=now)
    NotificationAttempt.objects.bulk_create(attempts)
    log(alert, "notified", at=now, kind="in_app", users=user_ids, outcome="sent", error="")
    for organization_id, topic, event in events:
        broadcast_on_commit(organization_id=organization_id, topic=topic, event=event)
    for member in waiting:
        # The bell, in each person's own language: it stays when the live page is gone.
        with translation.override(member.user.language or organization.language):
            text = _("Crisis declared: %(title)s. You are %(role)s in the cell: join the room.") % {
                "title": crisis.title, "role": member.get_role_display()}
        notify(organization_id=crisis.organization_id, recipient=member.user, kind=KIND, title=text, link=link)
    return alert


def cell_notice_close(*, crisis: Crisis) -> None:
    """The crisis is over: its notice is resolved, so nobody is told to join a closed room."""
    notice = (Alert.objects.for_organization(crisis.organization_id).filter(dedup_key=notice_key(crisis))
              .exclude(status=AlertStatus.RESOLVED).first())
    if notice is not None:
        alert_resolve(alert=notice, actor=crisis.closed_by, note=crisis.closing_summary[:200])


def notice_wanted(*, alert: Alert, user_id: int) -> bool:
    """Whether a waiting notice of the crisis still needs to reach this person."""
    if alert.status == AlertStatus.RESOLVED:
        return False
    return CrisisMember.objects.for_organization(alert.organization_id).filter(
        crisis_id=(alert.data or {}).get("crisis_id"), user_id=user_id, joined_at__isnull=True,
        crisis__status="active").exists()
