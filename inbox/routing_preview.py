"""Read side of the routing-rule editor: which recent conversations a rule would have matched,
before it is saved (nothing is written)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import OuterRef, Subquery

from accounts.models import Organization

from .models import Conversation, Direction, Message
from .routing import RoutingInput, compile_rule, route, validate_conditions

PREVIEW_SIZE = 200


@dataclass
class RoutingPreview:
    examined: int
    matched: list[Conversation]


def routing_rule_preview(*, organization: Organization, conditions: dict) -> RoutingPreview:
    """Run the conditions alone over the organization's last PREVIEW_SIZE conversations. Raises the
    same ValidationError as saving would for malformed or contradictory conditions."""
    validate_conditions(conditions)
    rule = compile_rule(rule_id=0, name="preview", conditions=conditions, team_id=None, tag_ids=[], priority=None,
                        stop_processing=False)
    first_inbound = Message.objects.for_organization(organization).filter(
        conversation=OuterRef("pk"), direction=Direction.INBOUND).order_by("pk")
    recent = list(
        Conversation.objects.for_organization(organization)
        .select_related("contact", "channel")
        .annotate(first_kind=Subquery(first_inbound.values("kind")[:1]))
        .order_by("-created_at", "-pk")[:PREVIEW_SIZE]
    )
    matched = [
        conversation for conversation in recent
        if route([rule], RoutingInput(
            text=conversation.search_text or conversation.preview, language=conversation.language,
            sentiment=conversation.sentiment, followers=conversation.contact.followers,
            channel_id=conversation.channel_id, kind=conversation.first_kind or "",
        )).matched_rules
    ]
    return RoutingPreview(examined=len(recent), matched=matched)
