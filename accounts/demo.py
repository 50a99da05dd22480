"""The demo organizations and their people, one per role. Idempotent."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from .models import Organization, Team, User
from .roles import Role
from .services import membership_add, team_set_members

DEMO_PASSWORD = "vigie-demo-2026"
DEMO_SLUG = "airdemo"


@dataclass
class DemoPeople:
    organization: Organization
    users: dict[str, User]  # by role name, plus "backup"
    teams: dict[str, Team]


PEOPLE = [
    # (e-mail, full name, role, language)
    ("admin@airdemo.example", "Nadia Admin", Role.ADMIN, "fr"),
    ("lead@airdemo.example", "Louis Lead", Role.LEAD, "fr"),
    ("agent@airdemo.example", "Camille Martin", Role.AGENT, "fr"),
    ("backup@airdemo.example", "Alex Morgan", Role.AGENT, "en"),
    ("executive@airdemo.example", "Eva Direction", Role.EXECUTIVE, "fr"),
    ("viewer@airdemo.example", "Victor Lecteur", Role.VIEWER, "fr"),
]


def _user(email: str, full_name: str, language: str) -> User:
    user = User.objects.filter(email=email).first()
    if user is None:
        user = User.objects.create_user(email, DEMO_PASSWORD, full_name=full_name, language=language)
    return user


@transaction.atomic
def seed_people() -> DemoPeople:
    organization, _ = Organization.objects.get_or_create(
        slug=DEMO_SLUG,
        defaults={"name": "AirDemo", "brand_colour": "#0a5cad", "time_zone": "Europe/Paris", "language": "fr"},
    )
    users: dict[str, User] = {}
    for email, full_name, role, language in PEOPLE:
        user = _user(email, full_name, language)
        membership_add(organization=organization, user=user, role=role)
        users[email.split("@")[0]] = user

    teams = {}
    for name, description, members in [
        ("Service client", "Retards, bagages, remboursements", ["agent", "backup", "lead"]),
        ("Marketing", "Campagnes, fidélité, compliments", ["lead"]),
    ]:
        team, _ = Team.objects.for_organization(organization).get_or_create(
            organization=organization, name=name, defaults={"description": description}
        )
        team_set_members(team=team, members=[users[m] for m in members])
        teams[name] = team

    # A second organization, as an agency would have: the lead works for both.
    other, _ = Organization.objects.get_or_create(
        slug="brasserie-lumiere",
        defaults={"name": "Brasserie Lumière", "brand_colour": "#b5542d", "time_zone": "Europe/Paris", "language": "fr"},
    )
    membership_add(organization=other, user=users["lead"], role=Role.ADMIN)
    return DemoPeople(organization=organization, users=users, teams=teams)
