"""Replies held for approval on urgent conversations page the approvers through the escalation policy.

The response guides call these through `playbooks.approval_listeners` after their own transaction
commits; the crisis desk never reads the guides' tables. One alert per approval (its dedup key), so
that hearing of the same held reply twice pages once, and deciding it (approved or rejected) resolves
the alert so that nobody is paged for a reply that already left or was turned down.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Organization
from playbooks.approval_listeners import register_approval_decided_listener, register_approval_listener

from ..models import Alert, AlertSeverity, AlertSource, AlertStatus
from .alerts import alert_raise, alert_resolve

logger = logging.getLogger(__name__)

# Only urgent conversations page; their waiting reply is as pressing as an urgent missed target.
URGENT_SEVERITY = AlertSeverity.HIGH


def _key(approval_id: int) -> str:
    return f"approval:{approval_id}"


def on_approval_requested(*, organization_id: int, approval_id: int, conversation_id: int, urgent: bool) -> None:
    if not urgent:
        return  # the approval queue and its live updates are enough for the rest
    try:
        organization = Organization.objects.get(pk=organization_id)
        queue = reverse("playbooks-approvals", kwargs={"organization_slug": organization.slug})
        url = f"{settings.PUBLIC_URL.rstrip('/')}{queue}"
        with translation.override(organization.language):
            title = _("A reply on an urgent conversation waits for approval")
            details = _("Approve or reject it in the approval queue: %(url)s") % {"url": url}
        alert_raise(organization=organization, source=AlertSource.APPROVAL_WAITING, severity=URGENT_SEVERITY,
                    title=title, details=details, dedup_key=_key(approval_id),
                    data={"approval_id": approval_id, "conversation_id": conversation_id, "url": url})
    except Exception:  # noqa: BLE001 - see module docstring: the held reply stays held regardless
        logger.exception("approval %s waiting on an urgent conversation did not page", approval_id)


def on_approval_decided(*, organization_id: int, approval_id: int, conversation_id: int, status: str) -> None:
    try:
        open_alert = (Alert.objects.for_organization(organization_id).filter(dedup_key=_key(approval_id))
                      .exclude(status=AlertStatus.RESOLVED).first())
        if open_alert is not None:
            alert_resolve(alert=open_alert, actor=None, note=f"reply {status}")
    except Exception:  # noqa: BLE001 - see module docstring
        logger.exception("alert of approval %s not resolved after it was %s", approval_id, status)


def connect() -> None:
    register_approval_listener(on_approval_requested)
    register_approval_decided_listener(on_approval_decided)
