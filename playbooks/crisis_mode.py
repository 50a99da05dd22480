"""Whether an organization is in crisis mode, as the guides need to know it.

The crisis cell owns the crisis mode; it registers one provider here so that, during a crisis,
replies to conversations in the crisis's scope (its queue) only go out when they follow an approved
template or statement, and the perimeter rules with `crisis_mode` apply to them. A customer writing
about something else during the storm can still be answered in the agent's own words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CrisisState:
    active: bool = False
    statements: tuple[str, ...] = ()  # approved holding statements replies may follow
    # The inbox tag of the conversations in the crisis's scope; empty: every conversation is.
    queue_tag: str = ""

    def applies_to(self, tags) -> bool:
        """Whether a conversation with these tags answers under crisis rules (None: not known, so yes)."""
        return self.active and (not self.queue_tag or tags is None or self.queue_tag in tags)


_provider: Callable[[int], CrisisState] | None = None


def register_crisis_state(provider: Callable[[int], CrisisState] | None) -> None:
    global _provider
    _provider = provider


def crisis_state(organization_id: int) -> CrisisState:
    return _provider(organization_id) if _provider is not None else CrisisState()
