"""Applying the first-response clock (inbox/sla.py) to conversations."""

from __future__ import annotations

from datetime import datetime

from accounts.models import Organization

from .. import sla
from ..models import Conversation, InboxSettings, Priority

SLA_FIELDS = [
    "sla_target_seconds", "sla_started_at", "sla_elapsed_seconds", "sla_running_since",
    "sla_paused_at", "sla_stopped_at", "sla_due_at",
]

# Crisis mode (the crisis app) can tighten an organization's policy; it registers a function
# organization_id -> factor or None here instead of the inbox reading crisis tables.
_policy_adjusters: list = []


def register_policy_adjuster(adjuster) -> None:
    if adjuster not in _policy_adjusters:
        _policy_adjusters.append(adjuster)


def policy_for(organization: Organization, *, adjusted: bool = True) -> sla.SlaPolicy:
    """The organization's first-response policy; `adjusted=False`: as set, before crisis mode tightens it."""
    settings_row = InboxSettings.objects.for_organization(organization).first()
    data = dict(settings_row.sla_policy) if settings_row and settings_row.sla_policy else {}
    data.setdefault("time_zone", organization.time_zone)
    policy = sla.SlaPolicy.from_json(data)
    for adjuster in _policy_adjusters if adjusted else ():
        factor = adjuster(organization.pk)
        if factor:
            policy = policy.tightened(factor, round_the_clock=True)
    return policy


def priority_name(priority: int) -> str:
    return Priority(priority).name.lower()


def clock_of(conversation: Conversation) -> sla.SlaClock | None:
    if conversation.sla_started_at is None or conversation.sla_target_seconds is None:
        return None
    return sla.SlaClock.from_fields({name: getattr(conversation, name) for name in SLA_FIELDS})


def _apply(conversation: Conversation, clock: sla.SlaClock) -> list[str]:
    for name, value in clock.to_fields().items():
        setattr(conversation, name, value)
    return list(SLA_FIELDS)


def start(conversation: Conversation, *, policy: sla.SlaPolicy, at: datetime) -> list[str]:
    clock = sla.clock_start(policy=policy, priority=priority_name(conversation.priority), at=at)
    conversation.sla_breached_at = None
    return [*_apply(conversation, clock), "sla_breached_at"]


def pause(conversation: Conversation, *, policy: sla.SlaPolicy, at: datetime) -> list[str]:
    clock = clock_of(conversation)
    if clock is None or clock.is_stopped:
        return []
    return _apply(conversation, sla.clock_pause(clock=clock, at=at, policy=policy))


def resume(conversation: Conversation, *, policy: sla.SlaPolicy, at: datetime) -> list[str]:
    clock = clock_of(conversation)
    if clock is None or clock.is_stopped:
        return []
    return _apply(conversation, sla.clock_resume(clock=clock, at=at, policy=policy))


def stop(conversation: Conversation, *, at: datetime) -> list[str]:
    clock = clock_of(conversation)
    if clock is None or clock.is_stopped:
        return []
    return _apply(conversation, sla.clock_stop(clock=clock, at=at))


def retarget(conversation: Conversation, *, policy: sla.SlaPolicy, at: datetime,
             previous_policy: sla.SlaPolicy | None = None) -> list[str]:
    clock = clock_of(conversation)
    if clock is None or clock.is_stopped:
        return []
    return _apply(
        conversation, sla.clock_retarget(clock=clock, policy=policy, priority=priority_name(conversation.priority), at=at,
                                         previous_policy=previous_policy)
    )


def state(conversation: Conversation, *, policy: sla.SlaPolicy, now: datetime) -> str | None:
    clock = clock_of(conversation)
    if clock is None:
        return None
    return sla.clock_state(clock=clock, now=now, policy=policy)
