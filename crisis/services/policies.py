"""Escalation policies and the routing rules that choose them. Validated by `crisis.escalation`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from accounts.models import Organization, Team, User
from accounts.selectors import member_users

from .. import escalation
from ..models import AlertSeverity, AlertSource, EscalationPolicy, Rota, RoutingRule


def _validated(organization: Organization, steps: Any, repeat: Any) -> escalation.Policy:
    try:
        policy = escalation.parse_policy(steps=steps, repeat=repeat)
    except ValueError as error:
        raise ValidationError({"steps": str(error)}) from None
    for position, step in enumerate(policy.steps, start=1):
        if step.target == "rota" and not Rota.objects.for_organization(organization).filter(pk=step.rota_id).exists():
            raise ValidationError({"steps": _("Step %(n)s: no rota of this organization has that id.") % {"n": position}})
        if step.target == "team" and not Team.objects.for_organization(organization).filter(pk=step.team_id).exists():
            raise ValidationError({"steps": _("Step %(n)s: no team of this organization has that id.") % {"n": position}})
        if step.target == "users" and len(member_users(organization=organization, user_ids=step.user_ids)) != len(set(step.user_ids)):
            raise ValidationError({"steps": _("Step %(n)s: only members of this organization can be notified.") % {"n": position}})
    return policy


@transaction.atomic
def policy_create(*, organization: Organization, actor: User, name: str, steps: Any, repeat: Any = 0) -> EscalationPolicy:
    policy = _validated(organization, steps, repeat)
    try:
        with transaction.atomic():
            return EscalationPolicy.objects.create(organization=organization, name=name.strip(),
                                                   steps=policy.to_json()["steps"], repeat=policy.repeat)
    except IntegrityError:
        raise ValidationError({"name": _("Another policy already has this name.")}) from None


@transaction.atomic
def policy_update(*, policy: EscalationPolicy, actor: User, name: str, steps: Any, repeat: Any) -> EscalationPolicy:
    parsed = _validated(policy.organization, steps, repeat)
    policy.name, policy.steps, policy.repeat = name.strip(), parsed.to_json()["steps"], parsed.repeat
    try:
        with transaction.atomic():
            policy.save(update_fields=["name", "steps", "repeat", "updated_at"])
    except IntegrityError:
        raise ValidationError({"name": _("Another policy already has this name.")}) from None
    return policy


@transaction.atomic
def policy_delete(*, policy: EscalationPolicy, actor: User) -> None:
    policy.delete()


@transaction.atomic
def routing_rule_create(*, organization: Organization, actor: User, policy: EscalationPolicy, sources: list[str],
                        min_severity: str = AlertSeverity.LOW, position: int = 0) -> RoutingRule:
    if policy.organization_id != organization.pk:
        raise ValidationError({"policy_id": _("No policy of this organization has that id.")})
    unknown = [source for source in sources if source not in AlertSource.values]
    if unknown:
        raise ValidationError({"sources": _("Unknown alert source: %(source)s.") % {"source": unknown[0]}})
    if min_severity not in AlertSeverity.values:
        raise ValidationError({"min_severity": _("Choose a severity: low, high or critical.")})
    return RoutingRule.objects.create(organization=organization, policy=policy, sources=list(sources),
                                      min_severity=min_severity, position=position)


@transaction.atomic
def routing_rule_delete(*, rule: RoutingRule, actor: User) -> None:
    rule.delete()
