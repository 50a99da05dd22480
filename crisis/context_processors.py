from accounts.roles import Permission, role_can

from . import selectors


def open_alerts(request):
    """The banner on every page of an organization: its open alerts, newest first."""
    membership = getattr(request, "membership", None)
    if membership is None or not role_can(membership.role, Permission.VIEW_ONCALL):
        return {}
    alerts = selectors.open_alerts(organization=membership.organization)
    return {"open_alerts": alerts[:3], "open_alert_count": alerts.count()}
