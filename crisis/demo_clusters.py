"""Demo and drill: a crisis's storm clusters filled from the conversations the inbox already holds.

`seed(organization, crisis)` places the organization's conversations since the crisis started, those
in its scope, into its clusters, whether the crisis is active or finished (a drill's). Idempotent: a
conversation already clustered stays where it is. A declared crisis does the same by itself
(crisis/services/clusters.py `clusters_backfill`); this is for crises written after the fact.
"""

from __future__ import annotations

from .services.clusters import clusters_backfill


def seed(organization, crisis) -> int:
    """Returns how many conversations were placed in a cluster."""
    if crisis.organization_id != organization.pk:
        raise ValueError("the crisis belongs to another organization")
    return clusters_backfill(crisis=crisis)
