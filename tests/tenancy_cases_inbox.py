"""Cross-tenant cases for the inbox's pages and API (see tests/tenancy_cases.py)."""

from collections.abc import Callable
from typing import Any

from accounts.models import Organization
from inbox.models import DeadLetter, SavedView


def _conversation(organization: Organization) -> dict[str, Any]:
    from tests.factories import MessageFactory

    message = MessageFactory(conversation__organization=organization, text="Victim message",
                             conversation__preview="Victim conversation")
    return {"pk": message.conversation_id}


def _message(organization: Organization) -> dict[str, Any]:
    from tests.factories import MessageFactory

    message = MessageFactory(conversation__organization=organization, text="Victim message", direction="out",
                             state="failed")
    return {"pk": message.pk}


def _saved_view(organization: Organization) -> dict[str, Any]:
    return {"pk": SavedView.objects.create(organization=organization, name="Victim view", filters={}).pk}


def _dead_letter(organization: Organization) -> dict[str, Any]:
    return {"pk": DeadLetter.objects.create(organization=organization, payload={"x": 1}, reason="Victim reason").pk}


def _routing_rule(organization: Organization) -> dict[str, Any]:
    from inbox.models import RoutingRule

    return {"pk": RoutingRule.objects.create(organization=organization, name="Victim rule", conditions={}).pk}


def _contact(organization: Organization) -> dict[str, Any]:
    from tests.factories import ContactFactory

    return {"pk": ContactFactory(organization=organization, handle="@Victim").pk}


OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {
    **{
        f"api:conversation-{name}": _conversation
        for name in ("detail", "assign", "status", "tags", "priority", "team", "notes", "reply", "draft")
    },
    **{
        name: _conversation
        for name in ("conversation", "conversation-thread", "conversation-header", "conversation-side",
                     "conversation-act", "conversation-note", "conversation-draft", "conversation-reply",
                     "conversation-contact-notes")
    },
    "message-retry": _message,
    "api:message-detail": _message,
    "api:message-retry": _message,
    "api:saved-view-detail": _saved_view,
    "api:dead-letter-detail": _dead_letter,
    "api:dead-letter-replay": _dead_letter,
    "api:routing-rule-detail": _routing_rule,
    "routing-rule-detail": _routing_rule,
    "api:contact-detail": _contact,
    "api:contact-link": _contact,
    "api:contact-unlink": _contact,
}
