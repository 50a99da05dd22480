"""The autonomy perimeter as a pure function: which rule decides a reply, and what it says.

The first active rule (by position) whose conditions all hold decides. None holding: the reply is
inside the perimeter and goes out at once.
"""

from __future__ import annotations

from dataclasses import dataclass

CONDITION_KEYS = {"scenarios", "tags", "priority_at_least", "min_followers", "sentiment", "crisis_mode",
                  "free_text", "platforms", "visibility", "author_roles", "author_days_at_most"}


@dataclass(frozen=True)
class ReplyFacts:
    scenarios: tuple[str, ...]
    tags: tuple[str, ...]
    priority: int
    followers: int
    sentiment: float
    crisis_mode: bool
    free_text: bool  # False only for an unmodified approved template
    platform: str
    visibility: str  # public | private
    author_role: str
    author_days: int  # days since the author joined the organization


@dataclass(frozen=True)
class Rule:
    id: int | None
    name: str
    conditions: dict
    outcome: str  # approval | send
    approver_role: str = "lead"


def matches(conditions: dict, facts: ReplyFacts) -> bool:
    c = conditions
    if c.get("scenarios") and not set(c["scenarios"]) & set(facts.scenarios):
        return False
    if c.get("tags") and not {t.lower() for t in c["tags"]} & {t.lower() for t in facts.tags}:
        return False
    if c.get("priority_at_least") is not None and facts.priority < int(c["priority_at_least"]):
        return False
    if c.get("min_followers") is not None and facts.followers < int(c["min_followers"]):
        return False
    if c.get("sentiment") == "negative" and facts.sentiment >= -0.05:
        return False
    if c.get("crisis_mode") is not None and bool(c["crisis_mode"]) != facts.crisis_mode:
        return False
    if c.get("free_text") is not None and bool(c["free_text"]) != facts.free_text:
        return False
    if c.get("platforms") and facts.platform not in c["platforms"]:
        return False
    if c.get("visibility") in ("public", "private") and c["visibility"] != facts.visibility:
        return False
    if c.get("author_roles") and facts.author_role not in c["author_roles"]:
        return False
    if c.get("author_days_at_most") is not None and facts.author_days > int(c["author_days_at_most"]):
        return False
    return True


def decide(rules: list[Rule], facts: ReplyFacts) -> Rule | None:
    """The deciding rule, or None: inside the perimeter."""
    return next((rule for rule in rules if matches(rule.conditions, facts)), None)
