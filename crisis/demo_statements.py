"""Demo statements: a holding statement drafted from the guides' crisis template, rejected once, revised,
approved by the lead and the executive, and published on the demo's channels (the worker posts it to
the platform sandbox, pinned where the platform allows).

`seed(organization, crisis)` works on any active crisis (the drill calls it too); `seed_demo(people)`
gives the demo organization a past crisis (closed, so that crisis mode stays off in the demo) that
shows the whole flow on its timeline. Both are idempotent.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, User
from accounts.roles import Role

from .models import Crisis, InfoSource, Statement
from .services import cell
from .services import statements as statement_services

DEMO_CRISIS = "Grève du contrôle aérien (exercice de démonstration)"
FIRST_TEXT = ("Nous sommes informés de la situation et mobilisés. Les informations officielles sont publiées "
              "ici : {info_url}.")
REVISED_TEXT = ("Nous sommes informés de la grève du contrôle aérien et nos équipes sont mobilisées. Les "
                "informations officielles, vol par vol, sont publiées ici : {info_url}.")


def _people(organization: Organization) -> dict[str, User]:
    by_role: dict[str, User] = {}
    for membership in Membership.objects.for_organization(organization).select_related("user").order_by("pk"):
        by_role.setdefault(membership.role, membership.user)
    return by_role


@transaction.atomic
def seed(organization: Organization, crisis: Crisis, *, now: datetime | None = None) -> Statement | None:
    """A published holding statement with two versions and their decisions on `crisis` (active)."""
    existing = Statement.objects.for_organization(organization).filter(crisis=crisis).first()
    if existing is not None:
        return existing
    people = _people(organization)
    author = people.get(Role.AGENT) or people.get(Role.LEAD)
    lead, executive = people.get(Role.LEAD), people.get(Role.EXECUTIVE) or people.get(Role.ADMIN)
    if author is None or lead is None or executive is None or lead == author:
        return None  # the demo's cast is not there: nothing to show
    start = now or timezone.now()
    if not InfoSource.objects.for_organization(organization).filter(crisis=crisis).exists():
        InfoSource.objects.create(organization=organization, crisis=crisis, label="Trafic en temps réel",
                                  url="https://airdemo.example/trafic", created_at=start)
    from inbox.services import posts

    channels = [c.id for c in posts.brand_post_channels(organization=organization) if c.can_post][:3]
    statement = statement_services.statement_draft(
        crisis=crisis, actor=author, text=FIRST_TEXT, channel_ids=channels, title="Message d'attente",
        template_name="Guide de réponse / Crise : message d'attente / Message d'attente", now=start)
    statement_services.statement_submit(statement=statement, actor=author, now=start + timedelta(minutes=1))
    statement_services.statement_reject(statement=statement, actor=lead, now=start + timedelta(minutes=3),
                                        reason="Nommer la grève : les clients savent déjà qu'il se passe quelque chose.")
    statement_services.statement_revise(statement=statement, actor=author, text=REVISED_TEXT,
                                        now=start + timedelta(minutes=5))
    statement_services.statement_submit(statement=statement, actor=author, now=start + timedelta(minutes=5))
    statement_services.statement_approve(statement=statement, actor=lead, now=start + timedelta(minutes=7))
    statement_services.statement_approve(statement=statement, actor=executive, now=start + timedelta(minutes=9))
    return statement_services.statement_publish(statement=statement, actor=executive, now=start + timedelta(minutes=10))


def seed_demo(people) -> Statement | None:
    """The demo's past crisis with its published statement (idempotent: found by its title)."""
    organization = people.organization
    crisis = Crisis.objects.for_organization(organization).filter(title=DEMO_CRISIS).first()
    if crisis is not None:
        return Statement.objects.for_organization(organization).filter(crisis=crisis).first()
    if Crisis.objects.for_organization(organization).filter(status="active").exists():
        return None  # a crisis is running (a drill, a simulation): the demo does not add another
    lead = people.users.get("lead")
    started = timezone.now() - timedelta(days=2, hours=3)
    with transaction.atomic():
        crisis = cell.crisis_declare(organization=organization, actor=lead, title=DEMO_CRISIS, severity=3,
                                     cell=[(people.users["executive"].pk, "executive")], now=started)
        statement = seed(organization, crisis, now=started + timedelta(minutes=4))
        cell.crisis_close(crisis=crisis, actor=lead, now=started + timedelta(hours=3),
                          summary="Trafic rétabli ; message d'attente publié en 14 minutes.")
    return statement
