"""Writes on organizations, memberships and teams."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from .models import Membership, Organization, Team, TeamMember, User
from .roles import Role


@transaction.atomic
def organization_create(*, name: str, slug: str, owner: User | None = None, **fields) -> Organization:
    organization = Organization(name=name, slug=slug, **fields)
    organization.full_clean()
    organization.save()
    if owner is not None:
        Membership.objects.create(organization=organization, user=owner, role=Role.ADMIN)
    return organization


def membership_add(*, organization: Organization, user: User, role: str) -> Membership:
    if role not in Role.values:
        raise ValidationError({"role": f"Unknown role {role!r}: choose one of {', '.join(Role.values)}."})
    membership, _ = Membership.objects.for_organization(organization).update_or_create(
        organization=organization, user=user, defaults={"role": role}
    )
    return membership


@transaction.atomic
def team_create(*, organization: Organization, name: str, description: str = "", members: list[User] = ()) -> Team:
    if Team.objects.for_organization(organization).filter(name__iexact=name).exists():
        raise ValidationError({"name": f"A team called “{name}” already exists."})
    team = Team.objects.create(organization=organization, name=name, description=description)
    team_set_members(team=team, members=members)
    return team


@transaction.atomic
def team_update(*, team: Team, name: str | None = None, description: str | None = None,
                members: list[User] | None = None) -> Team:
    if name is not None and name != team.name:
        if Team.objects.for_organization(team.organization_id).filter(name__iexact=name).exclude(pk=team.pk).exists():
            raise ValidationError({"name": f"A team called “{name}” already exists."})
        team.name = name
    if description is not None:
        team.description = description
    team.save(update_fields=["name", "description"])
    if members is not None:
        team_set_members(team=team, members=members)
    return team


def team_set_members(*, team: Team, members) -> None:
    member_ids = {user.pk for user in members}
    outsiders = member_ids - set(
        Membership.objects.for_organization(team.organization_id).filter(user_id__in=member_ids).values_list("user_id", flat=True)
    )
    if outsiders:
        raise ValidationError({"members": "Only members of this organization can join its teams."})
    TeamMember.objects.for_organization(team.organization_id).filter(team=team).exclude(user_id__in=member_ids).delete()
    existing = set(TeamMember.objects.for_organization(team.organization_id).filter(team=team).values_list("user_id", flat=True))
    TeamMember.objects.bulk_create(
        [TeamMember(organization_id=team.organization_id, team=team, user_id=uid) for uid in member_ids - existing]
    )


def team_delete(*, team: Team) -> None:
    team.delete()
