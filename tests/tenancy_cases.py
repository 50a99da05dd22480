"""What the route walk (tests/test_tenancy_routes.py) needs to attack each organization route.

For every route under /o/<slug>/ or /api/v1/o/<slug>/ whose URL names an object, one entry here
builds such an object inside the given (victim) organization and returns the URL kwargs that
point at it. A new route with an object in its URL and no entry here fails the walk.
"""

from collections.abc import Callable
from typing import Any

from accounts.models import Membership, Organization
from tests.factories import TeamFactory, member


def _team(organization: Organization) -> dict[str, Any]:
    return {"pk": TeamFactory(organization=organization, name="Victim team").pk}


def _membership(organization: Organization) -> dict[str, Any]:
    user = member(organization, email="victim-member@example.com")
    return {"pk": Membership.objects.for_organization(organization).get(user=user).pk}


OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {
    "team-detail": _team,
    "api:team-detail": _team,
    "api:member-detail": _membership,
    "api:member-password-reset": _membership,
    "member-detail": _membership,
}


def _invitation(organization: Organization) -> dict[str, Any]:
    from datetime import timedelta

    from django.utils import timezone

    from accounts.models import Invitation

    invitation = Invitation.objects.create(organization=organization, email="victim-invitee@example.com",
                                           token_digest=f"victim-{organization.pk}",
                                           expires_at=timezone.now() + timedelta(days=1))
    return {"pk": invitation.pk}


def _api_token(organization: Organization) -> dict[str, Any]:
    from accounts.models import ApiToken

    owner = member(organization, email=f"victim-token-owner-{organization.pk}@example.com")
    token = ApiToken.objects.create(organization=organization, user=owner, name="Victim token", prefix="vgt_victim",
                                    key_digest=f"victim-{organization.pk}")
    return {"pk": token.pk}


OBJECT_KWARGS.update({
    # Public, not an organization's: listed so the page walks (tests/config) can build the address.
    "password_reset_confirm": lambda organization: {"uidb64": "MQ", "token": "set-password"},
    "api:invitation-detail": _invitation,
    "api:api-token-detail": _api_token,
})

# Each area keeps its cases in its own module (tests/tenancy_cases_<area>.py) and they merge here.
from tests import tenancy_cases_channels, tenancy_cases_crisis, tenancy_cases_inbox, tenancy_cases_playbooks  # noqa: E402,E501

OBJECT_KWARGS.update(tenancy_cases_inbox.OBJECT_KWARGS)
OBJECT_KWARGS.update(tenancy_cases_channels.OBJECT_KWARGS)
OBJECT_KWARGS.update(tenancy_cases_crisis.OBJECT_KWARGS)
OBJECT_KWARGS.update(tenancy_cases_playbooks.OBJECT_KWARGS)
from tests import tenancy_cases_clusters  # noqa: E402

OBJECT_KWARGS.update(tenancy_cases_clusters.OBJECT_KWARGS)
from tests import tenancy_cases_statements  # noqa: E402

OBJECT_KWARGS.update(tenancy_cases_statements.OBJECT_KWARGS)

# Routes outside any organization: they must never show tenant data.
PUBLIC_ROUTES = {
    "healthz",
    "home",
    "login",
    "logout",
    "set_language",
    "javascript-catalog",
    "api-my-organizations",
    "api-schema",
    "api-docs",
    # Joining an organization and resetting a password happen before any login; the profile is a
    # person's own (accounts/urls.py public_urlpatterns).
    "invitation-accept",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "profile",
    "profile-language",
}
PUBLIC_ROUTES |= tenancy_cases_channels.PUBLIC_ROUTES  # webhooks: the platform calls them, no login
PUBLIC_ROUTES |= tenancy_cases_crisis.PUBLIC_ROUTES  # signed acknowledgement links, secret calendar addresses
