"""Escalation timing: which step runs as number n, and when the next one is due.

Pure functions only: `crisis.services.escalation` stores the answers (`escalation_step`,
`next_escalation_at`) on the alert and the beat sweeper acts on them.

A policy is a list of steps and a repeat count. Step number n (0-based, counted over repeats)
is `steps[n % len(steps)]` on pass `n // len(steps)`; the climb ends after
`len(steps) * (repeat + 1)` steps. Each step notifies its target then waits `wait_minutes`
before the next one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

TARGETS = ("rota", "users", "team", "leads", "executives")
MAX_STEPS = 20
MAX_REPEAT = 9
MAX_WAIT_MINUTES = 24 * 60


@dataclass(frozen=True)
class Step:
    target: str
    wait: timedelta
    rota_id: int | None = None
    team_id: int | None = None
    user_ids: tuple[int, ...] = ()

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"notify": self.target, "wait_minutes": self.wait // timedelta(minutes=1)}
        if self.target == "rota":
            data["rota_id"] = self.rota_id
        elif self.target == "team":
            data["team_id"] = self.team_id
        elif self.target == "users":
            data["user_ids"] = list(self.user_ids)
        return data


@dataclass(frozen=True)
class Policy:
    steps: tuple[Step, ...]
    repeat: int = 0

    @property
    def total_steps(self) -> int:
        return len(self.steps) * (self.repeat + 1)

    def step(self, number: int) -> Step | None:
        """Step `number` of the climb, or None once the policy is exhausted."""
        if number < 0 or number >= self.total_steps:
            return None
        return self.steps[number % len(self.steps)]

    def to_json(self) -> dict[str, Any]:
        return {"steps": [step.to_json() for step in self.steps], "repeat": self.repeat}


def _int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(_("%(what)s must be a whole number, got %(value)r") % {"what": what, "value": value})
    return value


def parse_step(data: Mapping[str, Any], position: int) -> Step:
    where = _("Step %(n)s") % {"n": position}
    if not isinstance(data, Mapping):
        raise ValueError(_('%(where)s: write it like {"notify": "rota", "rota_id": 1, "wait_minutes": 5}') % {"where": where})
    target = data.get("notify")
    if target not in TARGETS:
        raise ValueError(_('%(where)s: "notify" must be one of %(targets)s, got %(target)r')
                         % {"where": where, "targets": ", ".join(TARGETS), "target": target})
    wait = _int(data.get("wait_minutes", 0), f"{where}: wait_minutes")  # field names stay as the JSON spells them
    if not 0 <= wait <= MAX_WAIT_MINUTES:
        raise ValueError(_("%(where)s: wait between 0 and %(max)s minutes") % {"where": where, "max": MAX_WAIT_MINUTES})
    step = Step(target=target, wait=timedelta(minutes=wait))
    if target == "rota":
        return Step(target, step.wait, rota_id=_int(data.get("rota_id"), f"{where}: rota_id"))
    if target == "team":
        return Step(target, step.wait, team_id=_int(data.get("team_id"), f"{where}: team_id"))
    if target == "users":
        ids = data.get("user_ids")
        if not isinstance(ids, list | tuple) or not ids:
            raise ValueError(_("%(where)s: name at least one person in user_ids") % {"where": where})
        return Step(target, step.wait, user_ids=tuple(_int(i, f"{where}: user_ids") for i in ids))
    return step


def parse_policy(*, steps: Sequence[Mapping[str, Any]], repeat: int) -> Policy:
    """A policy from its JSON, or a ValueError saying what to change."""
    if not isinstance(steps, list | tuple) or not steps:
        raise ValueError(_("A policy needs at least one step: who to notify first"))
    if len(steps) > MAX_STEPS:
        raise ValueError(_("A policy has at most %(max)s steps") % {"max": MAX_STEPS})
    repeat = _int(repeat, _("repeat"))
    if not 0 <= repeat <= MAX_REPEAT:
        raise ValueError(_("Repeat the policy between 0 and %(max)s times") % {"max": MAX_REPEAT})
    parsed = tuple(parse_step(step, position) for position, step in enumerate(steps, start=1))
    if repeat and sum((step.wait for step in parsed), timedelta(0)) < timedelta(minutes=1):
        # Without a wait, repeating would page everyone again in the same instant: a loop.
        raise ValueError(_("A policy that repeats must wait at least one minute somewhere, or it loops"))
    return Policy(steps=parsed, repeat=repeat)


def policy_from_snapshot(snapshot: Mapping[str, Any]) -> Policy | None:
    if not snapshot or not snapshot.get("steps"):
        return None
    return parse_policy(steps=snapshot["steps"], repeat=snapshot.get("repeat", 0))


def next_due(policy: Policy, *, number: int, ran_due_at: datetime) -> datetime | None:
    """When step `number + 1` is due, given that step `number` was due at `ran_due_at`.

    Counted from the due time rather than from when the sweeper ran, so a late sweep does not
    push every later step back.
    """
    step = policy.step(number)
    if step is None or policy.step(number + 1) is None:
        return None
    return ran_due_at + step.wait
