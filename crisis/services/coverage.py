"""Gaps in on-call coverage for the next 14 days become an alert ahead of time, and resolve when filled."""

from __future__ import annotations

import logging

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .. import selectors
from ..models import Alert, AlertSeverity, AlertSource, AlertStatus, Rota
from .alerts import alert_raise, alert_resolve

logger = logging.getLogger(__name__)


def coverage_gaps_check(*, now=None) -> int:
    """Raise (or keep open) one low alert per rota with a gap ahead; resolve it once covered."""
    now = now or timezone.now()
    with_gaps = 0
    for rota in Rota.objects.unscoped().select_related("organization").order_by("pk"):
        gaps = selectors.coverage_gaps(rota=rota, now=now)
        key = f"rota_gap:{rota.pk}"
        if not gaps:
            open_alert = Alert.objects.for_organization(rota.organization).filter(dedup_key=key).exclude(
                status=AlertStatus.RESOLVED).first()
            if open_alert is not None:
                alert_resolve(alert=open_alert, actor=None, note="covered")
            continue
        with_gaps += 1
        first = gaps[0]
        with translation.override(rota.organization.language):
            title = _("Nobody on call in %(rota)s from %(start)s") % {
                "rota": rota.name, "start": timezone.localtime(first.start, selectors.rota_math.zone_for(rota.time_zone)).strftime("%Y-%m-%d %H:%M")}
        alert_raise(organization=rota.organization, source=AlertSource.COVERAGE_GAP, severity=AlertSeverity.LOW,
                    title=title, details=f"{len(gaps)} gap(s) in the next 14 days", dedup_key=key,
                    data={"rota_id": rota.pk, "gaps": [[g.start.isoformat(), g.end.isoformat()] for g in gaps[:20]]},
                    now=now)
    return with_gaps
