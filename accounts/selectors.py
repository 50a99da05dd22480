from __future__ import annotations

from django.db.models import QuerySet

from .models import Membership, Organization, Team


def memberships_of(*, user) -> QuerySet[Membership]:
    # A user's own memberships span organizations: that is the organization switcher.
    return Membership.objects.unscoped().filter(user=user).select_related("organization").order_by("organization__name")


def organization_members(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.for_organization(organization).select_related("user").order_by("user__email")


def team_list(*, organization: Organization) -> QuerySet[Team]:
    return Team.objects.for_organization(organization).prefetch_related("members").order_by("name")
