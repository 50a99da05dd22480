"""Cross-tenant cases for the response guides' pages and API (see tests/tenancy_cases.py)."""

from collections.abc import Callable
from typing import Any

from accounts.models import Organization


def _guide(organization: Organization) -> dict[str, Any]:
    from playbooks.models import Guide

    return {"pk": Guide.objects.create(organization=organization, name="Victim guide").pk}


def _version(organization: Organization) -> dict[str, Any]:
    from playbooks.models import Guide, GuideVersion

    guide = Guide.objects.create(organization=organization, name="Victim guide")
    return {"pk": GuideVersion.objects.create(organization=organization, guide=guide, number=1,
                                              content={"scenarios": []}, note="Victim").pk}


def _lint_rule(organization: Organization) -> dict[str, Any]:
    from playbooks.models import LintRule

    return {"pk": LintRule.objects.create(organization=organization, kind="forbidden", name="Victim rule",
                                          pattern="Victim").pk}


def _perimeter_rule(organization: Organization) -> dict[str, Any]:
    from playbooks.models import PerimeterRule

    return {"pk": PerimeterRule.objects.create(organization=organization, name="Victim rule", conditions={}).pk}


def _approval(organization: Organization) -> dict[str, Any]:
    from playbooks.models import ReplyApproval
    from tests.factories import MessageFactory, member

    message = MessageFactory(conversation__organization=organization, text="Victim message")
    author = member(organization, email="victim-author@example.com")
    return {"pk": ReplyApproval.objects.create(
        organization=organization, conversation=message.conversation, channel=message.channel, author=author,
        text="Victim reply", original_text="Victim reply", rule_name="Victim rule").pk}


def _conversation(organization: Organization) -> dict[str, Any]:
    from tests.factories import MessageFactory

    return {"pk": MessageFactory(conversation__organization=organization, text="Victim message").conversation_id}


OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {
    "playbooks-guide": _guide,
    "playbooks-approval-act": _approval,
    "playbooks-panel": _conversation,
    **{f"api:guide-{name}": _guide for name in ("detail", "draft", "versions")},
    **{f"api:guide-version-{name}": _version for name in ("detail", "submit", "publish", "rollback", "diff")},
    "api:lint-rule-detail": _lint_rule,
    "api:perimeter-rule-detail": _perimeter_rule,
    **{f"api:approval-{name}": _approval for name in ("detail", "approve", "reject")},
}


def _training_session(organization: Organization) -> dict[str, Any]:
    from playbooks.models import TrainingSession, TrainingSet
    from tests.factories import member

    practice = TrainingSet.objects.create(organization=organization, name="Victim set", source="demo",
                                          items=[{"text": "Victim mention"}])
    agent = member(organization, email="victim-trainee@example.com")
    return {"pk": TrainingSession.objects.create(organization=organization, training_set=practice, agent=agent).pk}


OBJECT_KWARGS["playbooks-training-session"] = _training_session
