"""Routing rules: which team, tags and priority an incoming conversation gets. Pure functions."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .models import Priority

CONDITION_KEYS = {"channels", "keywords", "exclude_keywords", "languages", "sentiment_below", "sentiment_above",
                  "min_followers", "kinds"}


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
    exclude_pattern: re.Pattern | None = None
    languages: frozenset[str] = frozenset()
    sentiment_below: float | None = None
    sentiment_above: float | None = None
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
    # A mention with nothing to answer ("ok thanks", praise) may be tagged and routed to a
    # team, but no rule lifts it above normal priority: reach alone is not urgency.
    needs_answer: bool = True


@dataclass
class RoutingDecision:
    team_id: int | None = None
    tag_ids: set[int] = field(default_factory=set)
    priority: int | None = None
    matched_rules: list[str] = field(default_factory=list)


def _sentiment(conditions, key) -> float | None:
    if key not in conditions:
        return None
    value = conditions[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1 <= value <= 1:
        raise ValidationError(_("A sentiment must be a number between -1 (furious) and 1 (delighted)."))
    return float(value)


def validate_conditions(conditions: dict[str, Any]) -> dict[str, Any]:
    """Refuse unknown, malformed and contradictory conditions (a rule that could never match)."""
    if not isinstance(conditions, dict):
        raise ValidationError(_("Routing conditions must be an object, like {\"keywords\": [\"refund\"]}."))
    unknown = set(conditions) - CONDITION_KEYS
    if unknown:
        raise ValidationError(_("Unknown routing condition “%(key)s”: use %(keys)s.") % {
            "key": sorted(unknown)[0], "keys": ", ".join(f"“{key}”" for key in sorted(CONDITION_KEYS))})
    # Checked here, when the rule is saved: a rule the ingestion cannot read would fail every new
    # conversation later, far from the person who wrote it.
    for key, item_type, example in (("channels", int, "[12, 15]"), ("keywords", str, '["refund"]'),
                                    ("exclude_keywords", str, '["job"]'), ("languages", str, '["fr"]'),
                                    ("kinds", str, '["private_message"]')):
        if key not in conditions:
            continue
        items = conditions[key]
        if not isinstance(items, list) or not all(
                isinstance(item, item_type) and not isinstance(item, bool) for item in items):
            raise ValidationError(_("Routing condition “%(key)s” must be a list like %(example)s.") % {
                "key": key, "example": example})
        if key != "exclude_keywords" and not items:
            raise ValidationError(_("Routing condition “%(key)s” is empty, so no conversation could match: "
                                    "choose at least one value or remove it.") % {"key": key})
        if key == "channels" and not all(0 < item < 2**63 for item in items):
            raise ValidationError(_("Routing condition “channels” must list channel ids."))
    below = _sentiment(conditions, "sentiment_below")
    above = _sentiment(conditions, "sentiment_above")
    if below is not None and below <= -1:
        raise ValidationError(_("No conversation has a sentiment below -1: this rule could never match."))
    if above is not None and above >= 1:
        raise ValidationError(_("No conversation has a sentiment above 1: this rule could never match."))
    if below is not None and above is not None and above >= below:
        raise ValidationError(_(
            "Contradictory conditions: sentiment above %(above)s and below %(below)s at once can never match.")
            % {"above": above, "below": below})
    if "min_followers" in conditions:
        value = conditions["min_followers"]
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
            raise ValidationError(_("The minimum number of followers must be a whole number, zero or more."))
    required = {fold(str(k)).strip() for k in conditions.get("keywords", [])} - {""}
    excluded = {fold(str(k)).strip() for k in conditions.get("exclude_keywords", [])} - {""}
    both = sorted(required & excluded)
    if both:
        raise ValidationError(_("Contradictory conditions: “%(word)s” is both required and excluded.") % {
            "word": both[0]})
    return conditions


def _pattern(words) -> re.Pattern | None:
    keywords = [fold(str(k)).strip() for k in words if str(k).strip()]
    if not keywords:
        return None
    # Whole words (or phrases), so that "vol" does not match "volontiers".
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(k) for k in keywords) + r")(?!\w)")


def compile_rule(*, rule_id: int, name: str, conditions: dict[str, Any], team_id, tag_ids, priority,
                 stop_processing: bool) -> CompiledRule:
    return CompiledRule(
        rule_id=rule_id,
        name=name,
        channels=frozenset(int(c) for c in conditions.get("channels", [])),
        keyword_pattern=_pattern(conditions.get("keywords", [])),
        exclude_pattern=_pattern(conditions.get("exclude_keywords", [])),
        languages=frozenset(conditions.get("languages", [])),
        sentiment_below=float(conditions["sentiment_below"]) if "sentiment_below" in conditions else None,
        sentiment_above=float(conditions["sentiment_above"]) if "sentiment_above" in conditions else None,
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
    if rule.sentiment_above is not None and not item.sentiment > rule.sentiment_above:
        return False
    if rule.min_followers is not None and item.followers < rule.min_followers:
        return False
    if rule.keyword_pattern is not None and not rule.keyword_pattern.search(folded_text):
        return False
    if rule.exclude_pattern is not None and rule.exclude_pattern.search(folded_text):
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
        priority = rule.priority
        if priority is not None and not item.needs_answer:
            priority = min(priority, Priority.NORMAL)
        if priority is not None and (decision.priority is None or priority > decision.priority):
            decision.priority = priority
        if rule.stop_processing:
            break
    return decision
