"""Cross-tenant cases for the crisis report's page and downloads (merged into tenancy_cases_crisis)."""

from collections.abc import Callable
from typing import Any

from accounts.models import Organization
from accounts.roles import Role


def _crisis(organization: Organization) -> dict[str, Any]:
    from crisis.services import cell
    from tests.factories import member

    lead = member(organization, Role.LEAD, email=f"report-lead-{organization.pk}@example.com", full_name="Report lead")
    crisis = cell.crisis_declare(organization=organization, actor=lead, title="Victim crisis")
    return {"pk": crisis.pk}


OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {
    "crisis-report": _crisis,
    "crisis-report-pdf": _crisis,
    "crisis-report-csv": _crisis,
    "crisis-report-json": _crisis,
    "api:crisis-report": _crisis,
}
