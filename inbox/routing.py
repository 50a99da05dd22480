"""Routing rules: which team, tags and priority an incoming conversation gets. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError

CONDITION_KEYS = {"channels", "keywords", "languages", "sentiment_below", "min_followers", "kinds"}


def fold(text: str) -> str:
    """Lower-case without accents, so that "Remboursé" matches the keyword "rembourse"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@dataclass(frozen=True)
class CompiledRule:
    rule_id: int
    name: str
    channels: frozenset[int] = frozenset()
    keyword_pattern: re.Pattern | None = None
    languages: frozenset[str] = frozenset()
    sentiment_below: float | None = None
    min_followers: int | None = None
    kinds: frozenset[str] = frozenset()
    team_id: int | None = None
    tag_ids: tuple[int, ...] = ()
    priority: int | None = None
    stop_processing: bool = False


@dataclass
class RoutingInput:
    text: str
    language: str
    sentiment: float
    followers: int
    channel_id: int
    kind: str


@dataclass
class RoutingDecision:
    team_id: int | None = None
    tag_ids: set[int] = field(default_factory=set)
    priority: int | None = None
    matched_rules: list[str] = field(default_factory=list)


def validate_conditions(conditions: dict[str, Any]) -> dict[str, Any]:
    unknown = set(conditions) - CONDITION_KEYS
    if unknown:
        raise ValidationError(
            f"Unknown routing condition {sorted(unknown)[0]!r}: use {', '.join(sorted(CONDITION_KEYS))}."
        )
    # Checked here, when the rule is saved: a rule the ingestion cannot read would fail every new
    # conversation later, far from the person who wrote it.
    for key, item_type, example in (("channels", int, "[12, 15]"), ("keywords", str, '["refund"]'),
                                    ("languages", str, '["fr"]'), ("kinds", str, '["private_message"]')):
        if key not in conditions:
            continue
        items = conditions[key]
        if not isinstance(items, list) or not all(
                isinstance(item, item_type) and not isinstance(item, bool) for item in items):
            raise ValidationError(f"Routing condition {key!r} must be a list like {example}.")
        if key == "channels" and not all(0 < item < 2**63 for item in items):
            raise ValidationError("Routing condition 'channels' must list channel ids.")
    if "sentiment_below" in conditions:
        value = conditions["sentiment_below"]
        if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
            raise ValidationError("sentiment_below must be a number between -1 (furious) and 1 (delighted).")
    if "min_followers" in conditions:
        value = conditions["min_followers"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise ValidationError("min_followers must be a whole number, zero or more.")
    return conditions


def compile_rule(*, rule_id: int, name: str, conditions: dict[str, Any], team_id, tag_ids, priority,
                 stop_processing: bool) -> CompiledRule:
    keywords = [fold(k).strip() for k in conditions.get("keywords", []) if str(k).strip()]
    pattern = None
    if keywords:
        # Whole words (or phrases), so that "vol" does not match "volontiers".
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keywords) + r")(?!\w)")
    return CompiledRule(
        rule_id=rule_id,
        name=name,
        channels=frozenset(int(c) for c in conditions.get("channels", [])),
        keyword_pattern=pattern,
        languages=frozenset(conditions.get("languages", [])),
        sentiment_below=float(conditions["sentiment_below"]) if "sentiment_below" in conditions else None,
        min_followers=int(conditions["min_followers"]) if "min_followers" in conditions else None,
        kinds=frozenset(conditions.get("kinds", [])),
        team_id=team_id,
        tag_ids=tuple(tag_ids),
        priority=priority,
        stop_processing=stop_processing,
    )


def _matches(rule: CompiledRule, item: RoutingInput, folded_text: str) -> bool:
    if rule.channels and item.channel_id not in rule.channels:
        return False
    if rule.languages and item.language not in rule.languages:
        return False
    if rule.kinds and item.kind not in rule.kinds:
        return False
    if rule.sentiment_below is not None and not item.sentiment < rule.sentiment_below:
        return False
    if rule.min_followers is not None and item.followers < rule.min_followers:
        return False
    if rule.keyword_pattern is not None and not rule.keyword_pattern.search(folded_text):
        return False
    return True


def route(rules: list[CompiledRule], item: RoutingInput) -> RoutingDecision:
    """Rules apply in order; the first rule that sets a team wins the team, priorities only rise,
    tags add up; a rule marked stop_processing ends the walk."""
    decision = RoutingDecision()
    folded = fold(item.text)
    for rule in rules:
        if not _matches(rule, item, folded):
            continue
        decision.matched_rules.append(rule.name)
        if rule.team_id is not None and decision.team_id is None:
            decision.team_id = rule.team_id
        decision.tag_ids.update(rule.tag_ids)
        if rule.priority is not None and (decision.priority is None or rule.priority > decision.priority):
            decision.priority = rule.priority
        if rule.stop_processing:
            break
    return decision
