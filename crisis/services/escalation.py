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
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from accounts.live import broadcast_many_on_commit
from accounts.models import Membership, Organization, Team
from accounts.roles import Role
from accounts.selectors import member_users

from .. import escalation, selectors
from .. import rota as rota_math
from ..models import Alert, AlertLogEntry, AlertStatus, EscalationStepRun, NotificationAttempt, Rota
from . import notifications
from .alerts import log, log_entry

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


@dataclass
class PlannedStep:
    """One due step, worked out by reading only; written by `_apply` once fenced."""

    alert: Alert
    number: int
    following: datetime | None
    run: EscalationStepRun | None = None
    entries: list[AlertLogEntry] = field(default_factory=list)
    attempts: list[NotificationAttempt] = field(default_factory=list)
    events: list[tuple[int, str, dict]] = field(default_factory=list)


def _plan(alert: Alert, now: datetime, cache: dict) -> PlannedStep:
    number, due_at = alert.escalation_step, alert.next_escalation_at
    policy = escalation.policy_from_snapshot(alert.policy_snapshot)
    step = policy.step(number) if policy else None
    if step is None:
        return PlannedStep(alert=alert, number=number, following=None)
    user_ids, who = step_targets(organization=alert.organization, step=step, at=now,
                                 plans=cache.setdefault("plans", {}))
    if user_ids:
        following = escalation.next_due(policy, number=number, ran_due_at=due_at)
    else:
        # Nobody to page (a gap in the rota, an empty team): climb to the next step at once.
        following = now if policy.step(number + 1) is not None else None
    planned = PlannedStep(alert=alert, number=number, following=following, run=EscalationStepRun(
        organization_id=alert.organization_id, alert=alert, step_number=number, due_at=due_at, ran_at=now,
        targets=user_ids))
    if user_ids:
        planned.entries.append(log_entry(alert, "escalated", at=now, step=number + 1, of=policy.total_steps,
                                         notify=step.target, who=who, users=user_ids,
                                         repeat=number // len(policy.steps) + 1))
        planned.attempts, planned.events = notifications.plan_notifications(
            alert=alert, user_ids=user_ids, step_number=number, now=now, rules_cache=cache.setdefault("rules", {}))
        planned.entries.append(log_entry(alert, "notified", at=now, kind="in_app", users=user_ids, outcome="sent"))
    else:
        planned.entries.append(log_entry(alert, "nobody", at=now, step=number + 1, of=policy.total_steps,
                                         notify=step.target, who=who))
    if following is None:
        planned.entries.append(log_entry(alert, "exhausted", at=now, steps=policy.total_steps))
    return planned


def _fence(planned: list[PlannedStep]) -> set[int]:
    """The fencing write, before anything is recorded or anyone paged: each alert moves from step n
    to n + 1 only where it still reads n. Returns the alerts that moved; a stale worker (or a
    duplicate) moves none and writes nothing else."""
    if not planned:
        return set()
    values = ", ".join(["(%s, %s, %s::timestamptz)"] * len(planned))
    params = [value for p in planned for value in (p.alert.pk, p.number, p.following)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Alert._meta.db_table} AS a SET escalation_step = v.step + 1, next_escalation_at = v.next_at "
            f"FROM (VALUES {values}) AS v(id, step, next_at) "
            "WHERE a.id = v.id AND a.escalation_step = v.step AND a.status = %s RETURNING a.id",
            [*params, AlertStatus.TRIGGERED])
        return {row[0] for row in cursor.fetchall()}


def _apply(planned: list[PlannedStep]) -> list[PlannedStep]:
    """Fence, then write every moved step's records in one statement per table."""
    moved = _fence(planned)
    applied = [p for p in planned if p.alert.pk in moved]
    EscalationStepRun.objects.bulk_create([p.run for p in applied if p.run is not None])
    NotificationAttempt.objects.bulk_create([a for p in applied for a in p.attempts])
    AlertLogEntry.objects.bulk_create([e for p in applied for e in p.entries])
    return applied


def _run(alert: Alert, now: datetime, cache: dict | None = None) -> list[tuple[int, str, dict]]:
    """Run one alert's due step; returns the live events to send once the transaction commits."""
    applied = _apply([_plan(alert, now, {} if cache is None else cache)])
    if not applied:
        raise StepFenced(alert.pk)
    return applied[0].events


def escalations_run_due(*, now: datetime | None = None, limit: int = 500, batch: int = 50,
                        budget: timedelta = timedelta(seconds=20), organization_id: int | None = None) -> int:
    """Run due steps until none is due, `limit` or `budget` is reached.

    Each transaction claims up to `batch` due alerts (SKIP LOCKED: concurrent sweeps take
    different ones), works out every step by reading, then fences and writes them together: a
    worker killed mid-batch rolls the whole batch back for the next sweep. An alert whose step
    cannot be worked out (a broken snapshot) is retried a minute later, without holding the others.
    `organization_id` sweeps that organization only (a drill on its simulated clock).
    """
    started = timezone.now()
    ran = 0
    cache: dict = {}  # rota plans and people's rules, read once per sweep
    while ran < limit and timezone.now() - started < budget:
        moment = now or timezone.now()
        with transaction.atomic():
            due = Alert.objects.unscoped().filter(status=AlertStatus.TRIGGERED, next_escalation_at__lte=moment)
            if organization_id is not None:
                due = due.filter(organization_id=organization_id)
            claimed = list(due.select_for_update(skip_locked=True, of=("self",))
                           .select_related("organization").order_by("next_escalation_at")[:batch])
            if not claimed:
                break
            planned = []
            for alert in claimed:
                try:
                    planned.append(_plan(alert, moment, cache))
                except Exception:  # noqa: BLE001 - one broken alert must not stop every other page
                    logger.exception("escalation step of alert %s failed; retrying in a minute", alert.pk)
                    Alert.objects.unscoped().filter(pk=alert.pk).update(next_escalation_at=moment + RETRY_BROKEN_STEP)
                    log(alert, "step_failed", at=moment, step=alert.escalation_step + 1)
            applied = _apply(planned)
            broadcast_many_on_commit([event for p in applied for event in p.events])
        ran += len(applied)
    return ran
