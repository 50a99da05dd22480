from config.resilience import redis_recently_down

from .notifications import unread_count
from .roles import Permission, role_can
from .selectors import memberships_of


def current_organization(request):
    """The organization shown in the header, the switcher's choices, and what the role allows."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    membership = getattr(request, "membership", None)
    context = {"my_memberships": memberships_of(user=user)}
    if membership is not None:
        context["current_organization"] = membership.organization
        context["current_role"] = membership.role
        context["can"] = {permission.value: role_can(membership.role, permission) for permission in Permission}
        context["unread_notifications"] = unread_count(organization_id=membership.organization_id, user=user)
    return context


def live_outage(request):
    """Whether this page was served while Redis was failing: it then says it may be stale."""
    return {"live_outage": redis_recently_down()}
