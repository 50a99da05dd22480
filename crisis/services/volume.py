"""Mention volume spikes page the on-call person (through the organization's routing rules)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Organization
from inbox import selectors as inbox_selectors

from .. import volume
from ..models import AlertSeverity, AlertSource
from .alerts import alert_raise


def volume_spikes_check(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    recent = inbox_selectors.inbound_counts(since=now - volume.WINDOW, until=now)
    baseline = inbox_selectors.inbound_counts(since=now - volume.WINDOW - volume.BASELINE, until=now - volume.WINDOW)
    spikes = 0
    for organization in Organization.objects.filter(pk__in=list(recent)):
        count = recent[organization.pk]
        if not volume.is_spike(recent=count, baseline_total=baseline.get(organization.pk, 0)):
            continue
        spikes += 1
        with translation.override(organization.language):
            title = _("Mention spike: %(count)s mentions in 5 minutes") % {"count": count}
        alert_raise(organization=organization, source=AlertSource.VOLUME_SPIKE, severity=AlertSeverity.CRITICAL,
                    title=title, dedup_key="volume_spike", data={"count": count}, now=now)
    return spikes
