from __future__ import annotations

from django.db.models import QuerySet

from .models import Membership, Organization, Team, User


def memberships_of(*, user) -> QuerySet[Membership]:
    # A user's own memberships span organizations: that is the organization switcher.
    return Membership.objects.unscoped().filter(user=user).select_related("organization").order_by("organization__name")


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.for_organization(organization).select_related("user").order_by("user__email")


def team_list(*, organization: Organization) -> QuerySet[Team]:
    return Team.objects.for_organization(organization).prefetch_related("members").order_by("name")


def member_users(*, organization: Organization, user_ids) -> dict[int, User]:
    """The organization's members among these user ids, by id; ids of anyone else are left out."""
    return {
        m.user_id: m.user
        for m in Membership.objects.for_organization(organization).filter(user_id__in=user_ids).select_related("user")
    }


def pending_invitations(*, organization: Organization):
    from django.utils import timezone

    from .models import Invitation

    return Invitation.objects.for_organization(organization).filter(
        accepted_at__isnull=True, expires_at__gt=timezone.now()).order_by("-created_at")


def api_tokens(*, organization: Organization):
    from .models import ApiToken

    return ApiToken.objects.for_organization(organization).select_related("user").order_by("revoked_at", "-created_at")
