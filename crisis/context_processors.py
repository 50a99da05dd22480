from accounts.roles import Permission, role_can

from . import selectors
from .models import AlertSource


def open_alerts(request):
    """The banner on every page of an organization: its open alerts, newest first."""
    membership = getattr(request, "membership", None)
    if membership is None or not role_can(membership.role, Permission.VIEW_ONCALL):
        return {}
    # The crisis notice has its own banner (crisis mode) while the crisis lasts.
    alerts = selectors.open_alerts(organization=membership.organization).exclude(source=AlertSource.CRISIS_DECLARED)
    return {"open_alerts": alerts[:3], "open_alert_count": alerts.count(),
            **crisis_banner(membership.organization)}


def crisis_banner(organization) -> dict:
    """The crisis banner on every page: the active crisis (one indexed query) and its room."""
    from .mode import room_path

    active = selectors.active_crisis(organization=organization)
    if active is not None:
        active.organization = organization
        active.room_url = room_path(active)
    return {"active_crisis": active}
