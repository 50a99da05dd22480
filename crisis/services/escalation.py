"""Running escalation steps: durable timers on the alert, claimed by a sweeper, fenced by step number.

Each alert stores the number of its next step (`escalation_step`) and when it is due
(`next_escalation_at`). The beat-driven sweep claims due alerts with FOR UPDATE SKIP LOCKED, one
alert per transaction, and runs the step: it records the step (unique per alert and number),
creates the notification attempts and moves the timer with a write that only succeeds if the
step number is still the one it read. A worker killed mid-step rolls the whole step back, so the
next sweep runs it again; a duplicated sweep or task finds the step number moved and does nothing.
Nothing waits in memory: no Celery ETA, no sleep.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import Membership, Organization, Team
from accounts.roles import Role
from accounts.selectors import member_users

from .. import escalation, selectors
from ..models import Alert, AlertStatus, EscalationStepRun, Rota
from . import notifications
from .alerts import log

logger = logging.getLogger(__name__)


RETRY_BROKEN_STEP = timedelta(minutes=1)


class StepFenced(Exception):
    """The alert's step number moved under us: another worker ran this step."""


def step_targets(*, organization: Organization, step: escalation.Step, at: datetime) -> tuple[list[int], str]:
    """The user ids a step notifies at `at`, and a word on who they are for the log."""
    if step.target == "rota":
        rota = Rota.objects.for_organization(organization).filter(pk=step.rota_id).first()
        if rota is None:
            return [], "rota deleted"
        shift = selectors.on_call_at(rota=rota, at=at)
        return ([shift.user_id] if shift.user_id else []), f"on call in {rota.name}"
    if step.target == "users":
        return sorted(member_users(organization=organization, user_ids=step.user_ids)), "named people"
    if step.target == "team":
        team = Team.objects.for_organization(organization).filter(pk=step.team_id).first()
        if team is None:
            return [], "team deleted"
        return sorted(team.members.values_list("pk", flat=True)), f"team {team.name}"
    roles = {"leads": [Role.LEAD], "executives": [Role.EXECUTIVE]}[step.target]
    ids = Membership.objects.for_organization(organization).filter(role__in=roles, user__is_active=True)
    return sorted(ids.values_list("user_id", flat=True)), step.target


def _run(alert: Alert, now: datetime) -> None:
    number, due_at = alert.escalation_step, alert.next_escalation_at
    policy = escalation.policy_from_snapshot(alert.policy_snapshot)
    step = policy.step(number) if policy else None
    _fence(alert, number)
    if step is None:
        return
    user_ids, who = step_targets(organization=alert.organization, step=step, at=now)
    EscalationStepRun.objects.create(organization_id=alert.organization_id, alert=alert, step_number=number,
                                     due_at=due_at, ran_at=now, targets=user_ids)
    pass_number = number // len(policy.steps) + 1
    if user_ids:
        log(alert, "escalated", at=now, step=number + 1, of=policy.total_steps, notify=step.target, who=who,
            users=user_ids, repeat=pass_number)
        notifications.notify_users(alert=alert, user_ids=user_ids, step_number=number, now=now)
        following = escalation.next_due(policy, number=number, ran_due_at=due_at)
    else:
        # Nobody to page (a gap in the rota, an empty team): climb to the next step at once.
        log(alert, "nobody", at=now, step=number + 1, of=policy.total_steps, notify=step.target, who=who)
        following = now if policy.step(number + 1) is not None else None
    if following is None:
        log(alert, "exhausted", at=now, steps=policy.total_steps)
    Alert.objects.unscoped().filter(pk=alert.pk).update(next_escalation_at=following)


def _fence(alert: Alert, number: int) -> None:
    # The fencing write, before anything else: only the holder of step `number` may move the
    # alert to `number + 1`; a stale worker stops here, before paging anyone.
    moved = Alert.objects.unscoped().filter(pk=alert.pk, escalation_step=number, status=AlertStatus.TRIGGERED).update(
        escalation_step=number + 1, next_escalation_at=None)
    if moved != 1:
        raise StepFenced(alert.pk)


def escalations_run_due(*, now: datetime | None = None, limit: int = 200, budget: timedelta = timedelta(seconds=20)) -> int:
    """Run due steps, one claimed alert per transaction, until none is due, `limit` or `budget` is reached."""
    started = timezone.now()
    ran = 0
    while ran < limit and timezone.now() - started < budget:
        moment = now or timezone.now()
        with transaction.atomic():
            alert = (Alert.objects.unscoped().select_for_update(skip_locked=True)
                     .filter(status=AlertStatus.TRIGGERED, next_escalation_at__lte=moment)
                     .order_by("next_escalation_at").first())
            if alert is None:
                break
            try:
                with transaction.atomic():
                    _run(alert, moment)
            except StepFenced:
                logger.info("escalation step of alert %s already ran", alert.pk)
                continue
            except Exception:  # noqa: BLE001 - one broken alert must not stop every other page
                logger.exception("escalation step of alert %s failed; retrying in a minute", alert.pk)
                Alert.objects.unscoped().filter(pk=alert.pk).update(next_escalation_at=moment + RETRY_BROKEN_STEP)
                log(alert, "step_failed", at=moment, step=alert.escalation_step + 1)
        ran += 1
    return ran
