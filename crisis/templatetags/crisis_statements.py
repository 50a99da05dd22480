"""The room's statements panel: the crisis's current statements, what each waits for, who may decide."""

from __future__ import annotations

from django import template

from .. import selectors
from ..services import statements as statement_services

register = template.Library()


@register.simple_tag
def room_statements(crisis, user, membership) -> list[dict]:
    """Withdrawn statements are left out; for each, whether this person may approve or reject it now."""
    if crisis is None or user is None or not user.is_authenticated:
        return []
    # The person's role in the organization, whatever `membership` the including page passes (the
    # organization's membership or the cell's member): approving is an organization permission.
    role = statement_services.organization_role(crisis.organization_id, user)
    items = []
    for statement in selectors.statement_list(crisis=crisis).exclude(status="withdrawn"):
        versions = selectors.statement_versions(statement=statement)
        current = versions[0]
        decided = {a.approver_id for a in current.approvals.all()}
        items.append({
            "statement": statement, "current": current,
            "state": statement_services.approval_state(statement),
            "publications": selectors.statement_publications(statement=statement),
            "can_decide": (statement_services.can_approve(role) and statement.status == "in_review"
                           and current.author_id != user.pk and user.pk not in decided),
            "can_publish": statement_services.can_draft(role) and statement.status == "approved",
        })
    return items
