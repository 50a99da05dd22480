"""Whether an organization is in crisis mode, as the guides need to know it.

The crisis cell (issue 13) owns the crisis mode; it registers one provider here so that, during a
crisis, the linter only lets through replies that follow an approved template or statement, and the
perimeter rules with `crisis_mode` apply. Until then no organization is in crisis.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CrisisState:
    active: bool = False
    statements: tuple[str, ...] = ()  # approved holding statements replies may follow


_provider: Callable[[int], CrisisState] | None = None


def register_crisis_state(provider: Callable[[int], CrisisState] | None) -> None:
    global _provider
    _provider = provider


def crisis_state(organization_id: int) -> CrisisState:
    return _provider(organization_id) if _provider is not None else CrisisState()
