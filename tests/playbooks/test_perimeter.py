"""The autonomy perimeter, pure: the first matching rule decides, none matching sends at once."""

import pytest

from playbooks.perimeter import ReplyFacts, Rule, decide

NEW_AGENT_SENSITIVE = Rule(1, "New agents' sensitive free text", {
    "free_text": True, "visibility": "public", "priority_at_least": 2, "author_roles": ["agent"],
    "author_days_at_most": 90}, "approval")
CRISIS = Rule(2, "Crisis: everything", {"crisis_mode": True}, "approval", "admin")
BIG_ACCOUNTS = Rule(3, "Big accounts", {"min_followers": 50_000, "sentiment": "negative"}, "approval")
BAGGAGE_TEMPLATE = Rule(4, "Baggage templates go out", {"scenarios": ["baggage"], "free_text": False}, "send")
RULES = [CRISIS, NEW_AGENT_SENSITIVE, BAGGAGE_TEMPLATE, BIG_ACCOUNTS]


def facts(**overrides):
    base = dict(scenarios=(), tags=(), priority=1, followers=100, sentiment=0.0, crisis_mode=False, free_text=True,
                platform="x", visibility="public", author_role="agent", author_days=10)
    return ReplyFacts(**{**base, **overrides})


def test_an_ordinary_reply_is_inside_the_perimeter():
    assert decide(RULES, facts()) is None


@pytest.mark.parametrize(("overrides", "rule"), [
    ({"priority": 2}, NEW_AGENT_SENSITIVE),
    ({"priority": 3, "crisis_mode": True}, CRISIS),
    ({"followers": 80_000, "sentiment": -0.5}, BIG_ACCOUNTS),
    ({"followers": 80_000, "sentiment": -0.5, "scenarios": ("baggage",), "free_text": False}, BAGGAGE_TEMPLATE),
])
def test_the_first_matching_rule_decides(overrides, rule):
    assert decide(RULES, facts(**overrides)) == rule


@pytest.mark.parametrize("overrides", [
    {"priority": 2, "free_text": False},  # an unmodified approved template
    {"priority": 2, "visibility": "private"},
    {"priority": 2, "author_role": "lead"},
    {"priority": 2, "author_days": 400},  # seniority
    {"priority": 2, "platform": "facebook", "author_days": 91},
    {"followers": 80_000, "sentiment": 0.4},
])
def test_each_condition_narrows_the_rule(overrides):
    assert decide(RULES, facts(**overrides)) is None


def test_tags_and_platforms():
    rule = Rule(5, "Safety on X", {"tags": ["Safety"], "platforms": ["x", "bluesky"]}, "approval")
    assert decide([rule], facts(tags=("safety", "vip"))) == rule
    assert decide([rule], facts(tags=("safety",), platform="facebook")) is None
    assert decide([rule], facts(tags=("vip",))) is None
