"""Inbox events become alerts: missed first-response targets and channel health changes.

The inbox calls these through its registries (`register_breach_listener`,
`register_health_listener`; new mentions through `register_ingestion_listener`, counted for
detection) after its own transaction commits; the crisis app never reaches into
inbox tables. A listener failing must not fail the inbox write that caused it, so it logs.
"""

from __future__ import annotations

import logging

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from inbox.services.breaches import register_breach_listener
from inbox.services.channels import register_health_listener
from inbox.services.ingestion import register_ingestion_listener

from ..models import Alert, AlertSeverity, AlertSource, AlertStatus
from .alerts import alert_raise, alert_resolve
from .detection import on_mentions_ingested

logger = logging.getLogger(__name__)

# Inbox priorities (0 low ... 3 urgent) to alert severities.
BREACH_SEVERITY = {3: AlertSeverity.CRITICAL, 2: AlertSeverity.HIGH}
PRIORITY_NAMES = {0: "low", 1: "normal", 2: "high", 3: "urgent"}
PRIORITY_LABELS = {0: gettext_lazy("low priority"), 1: gettext_lazy("normal priority"),
                   2: gettext_lazy("high priority"), 3: gettext_lazy("urgent priority")}


def on_sla_breaches(breaches) -> None:
    """One open alert per organization and priority: a storm of breaches joins it instead of paging again."""
    for breach in breaches:
        try:
            priority = PRIORITY_NAMES.get(breach.priority, "normal")
            with translation.override(breach.organization.language):
                title = _("Replies overdue (%(priority)s)") % {
                    "priority": PRIORITY_LABELS.get(breach.priority, PRIORITY_LABELS[1])}
            alert_raise(
                organization=breach.organization,
                source=AlertSource.SLA_BREACH,
                severity=BREACH_SEVERITY.get(breach.priority, AlertSeverity.LOW),
                title=title,
                details=f"conversation {breach.conversation_id}, due {breach.due_at.isoformat()}",
                dedup_key=f"sla_breach:{priority}",
                data={"conversation_id": breach.conversation_id, "priority": priority},
                now=breach.breached_at,
            )
        except Exception:  # noqa: BLE001 - see module docstring
            logger.exception("SLA breach of conversation %s did not become an alert", breach.conversation_id)


def on_channel_health(channel, status: str, reason: str) -> None:
    key = f"channel:{channel.pk}"
    try:
        # Any report of a working channel (connected, resumed, answering again) or of a paused one
        # ends the trouble: only a channel in trouble is an alert.
        back_to_normal = status in ("healthy", "disabled")
        if back_to_normal:
            open_alert = (Alert.objects.for_organization(channel.organization_id)
                          .filter(dedup_key=key).exclude(status=AlertStatus.RESOLVED).first())
            if open_alert is not None:
                alert_resolve(alert=open_alert, actor=None, note=reason)
            return
        severity = AlertSeverity.LOW if status == "rate_limited" else AlertSeverity.HIGH
        alert_raise(
            organization=channel.organization, source=AlertSource.CHANNEL_HEALTH, severity=severity,
            title=f"{channel.get_platform_display()} {channel.handle}: {channel.get_status_display()}",
            details=reason, dedup_key=key, data={"channel_id": channel.pk, "status": status},
        )
    except Exception:  # noqa: BLE001 - see module docstring
        logger.exception("health change of channel %s did not become an alert", channel.pk)


def connect() -> None:
    register_breach_listener(on_sla_breaches)
    register_health_listener(on_channel_health)
    register_ingestion_listener(on_mentions_ingested)
