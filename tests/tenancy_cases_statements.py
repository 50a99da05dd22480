"""Cross-tenant cases for the crisis statements (pages and API)."""

from collections.abc import Callable
from typing import Any

from accounts.models import Organization
from accounts.roles import Role


def _statement(organization: Organization) -> dict[str, Any]:
    from crisis import selectors
    from crisis.services import cell, statements
    from tests.factories import member

    author = member(organization, Role.LEAD, email=f"victim-writer-{organization.pk}@example.com",
                    full_name="Victim writer")
    crisis = selectors.active_crisis(organization=organization) or cell.crisis_declare(
        organization=organization, actor=author, title="Victim crisis")
    statement = statements.statement_draft(crisis=crisis, actor=author, text="Victim holding statement")
    statements.statement_submit(statement=statement, actor=author)
    return {"pk": statement.pk}


OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {
    "statement-detail": _statement,
    "api:statement-detail": _statement,
    "api:statement-revise": _statement,
    "api:statement-submit": _statement,
    "api:statement-approve": _statement,
    "api:statement-reject": _statement,
    "api:statement-publish": _statement,
}
