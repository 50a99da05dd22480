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
from .. import rota as rota_math
from ..models import Alert, AlertStatus, EscalationStepRun, Rota
from . import notifications
from .alerts import log

logger = logging.getLogger(__name__)


RETRY_BROKEN_STEP = timedelta(minutes=1)


class StepFenced(Exception):
    """The alert's step number moved under us: another worker ran this step."""


def step_targets(*, organization: Organization, step: escalation.Step, at: datetime,
                 plans: dict | None = None) -> tuple[list[int], str]:
    """The user ids a step notifies at `at`, and a word on who they are for the log.

    `plans` caches each rota's plan for one sweep (a few seconds): a burst of alerts paging the
    same rota reads it once; an edit made meanwhile applies from the next sweep.
    """
    if step.target == "rota":
        plans = {} if plans is None else plans
        if step.rota_id not in plans:
            rota = Rota.objects.for_organization(organization).filter(pk=step.rota_id).first()
            plans[step.rota_id] = (rota, selectors.rota_plan(rota=rota, since=at - timedelta(days=60)) if rota else None)
        rota, plan = plans[step.rota_id]
        if rota is None:
            return [], "rota deleted"
        shift = rota_math.on_call_at(plan, at)
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


def _run(alert: Alert, now: datetime, plans: dict | None = None) -> None:
    number, due_at = alert.escalation_step, alert.next_escalation_at
    policy = escalation.policy_from_snapshot(alert.policy_snapshot)
    step = policy.step(number) if policy else None
    if step is None:
        _fence(alert, number, None)
        return
    user_ids, who = step_targets(organization=alert.organization, step=step, at=now, plans=plans)
    if user_ids:
        following = escalation.next_due(policy, number=number, ran_due_at=due_at)
    else:
        # Nobody to page (a gap in the rota, an empty team): climb to the next step at once.
        following = now if policy.step(number + 1) is not None else None
    # Only reads so far: the fencing write comes before anyone is paged or anything recorded.
    _fence(alert, number, following)
    EscalationStepRun.objects.create(organization_id=alert.organization_id, alert=alert, step_number=number,
                                     due_at=due_at, ran_at=now, targets=user_ids)
    if user_ids:
        log(alert, "escalated", at=now, step=number + 1, of=policy.total_steps, notify=step.target, who=who,
            users=user_ids, repeat=number // len(policy.steps) + 1)
        notifications.notify_users(alert=alert, user_ids=user_ids, step_number=number, now=now)
    else:
        log(alert, "nobody", at=now, step=number + 1, of=policy.total_steps, notify=step.target, who=who)
    if following is None:
        log(alert, "exhausted", at=now, steps=policy.total_steps)


def _fence(alert: Alert, number: int, following: datetime | None) -> None:
    # The fencing token: only the holder of step `number` may move the alert to `number + 1`; a
    # stale worker (or a duplicate) updates nothing and stops here.
    moved = Alert.objects.unscoped().filter(pk=alert.pk, escalation_step=number, status=AlertStatus.TRIGGERED).update(
        escalation_step=number + 1, next_escalation_at=following)
    if moved != 1:
        raise StepFenced(alert.pk)


def escalations_run_due(*, now: datetime | None = None, limit: int = 500, batch: int = 20,
                        budget: timedelta = timedelta(seconds=20)) -> int:
    """Run due steps until none is due, `limit` or `budget` is reached.

    Each transaction claims up to `batch` due alerts (SKIP LOCKED: concurrent sweeps take
    different ones) and runs each step in its own savepoint, so one broken alert does not undo the
    others; a worker killed mid-batch rolls the whole batch back for the next sweep.
    """
    started = timezone.now()
    ran = 0
    plans: dict = {}
    while ran < limit and timezone.now() - started < budget:
        moment = now or timezone.now()
        with transaction.atomic():
            claimed = list(Alert.objects.unscoped().select_for_update(skip_locked=True)
                           .filter(status=AlertStatus.TRIGGERED, next_escalation_at__lte=moment)
                           .select_related("organization").order_by("next_escalation_at")[:batch])
            if not claimed:
                break
            for alert in claimed:
                try:
                    with transaction.atomic():
                        _run(alert, moment, plans)
                except StepFenced:
                    logger.info("escalation step of alert %s already ran", alert.pk)
                    continue
                except Exception:  # noqa: BLE001 - one broken alert must not stop every other page
                    logger.exception("escalation step of alert %s failed; retrying in a minute", alert.pk)
                    Alert.objects.unscoped().filter(pk=alert.pk).update(next_escalation_at=moment + RETRY_BROKEN_STEP)
                    log(alert, "step_failed", at=moment, step=alert.escalation_step + 1)
                    continue
                ran += 1
    return ran
