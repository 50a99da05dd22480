"""Finished drills a person can open: for a link from any of their organizations' crisis pages.

A drill runs in an organization of its own (the demo's: "AirDemo — exercice de crise"), so the crisis
list of the organization a person works in does not hold it; this lists the closed drills of every
organization the person is a member of, each to be opened under its own organization's address
(where membership is checked as for any page).
"""

from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import Membership, User

from ..models import Crisis, CrisisStatus


def finished_drills(*, user: User, limit: int = 10) -> QuerySet[Crisis]:
    organization_ids = Membership.objects.unscoped().filter(user=user).values("organization_id")
    return (Crisis.objects.unscoped().filter(is_drill=True, status=CrisisStatus.CLOSED,
                                             organization_id__in=organization_ids)
            .select_related("organization").order_by("-closed_at")[:limit])
