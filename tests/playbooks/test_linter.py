"""The linter's other rules, pure: length, variables, forbidden words, language, crisis, custom rules."""

import time

import pytest
from django.core.exceptions import ValidationError

from playbooks.linter import BuiltIn, CustomRule, LintContext, RuleSet, lint, validate_pattern


def rules_of(findings):
    return [f.rule for f in findings]


def test_length_is_checked_after_substitution_against_the_platform():
    findings = lint("x" * 290, context=LintContext(platform="x", length_limit=280))
    [length] = [f for f in findings if f.rule == "length"]
    assert length.severity == "block" and "280" in length.message and length.start == 280


def test_an_unfilled_variable_is_pointed_at():
    text = "Bonjour {first_name}, nous regardons."
    [finding] = [f for f in lint(text, context=LintContext()) if f.rule == "unfilled_variable"]
    assert text[finding.start:finding.end] == "{first_name}"


def test_forbidden_words_are_found_accents_and_case_folded():
    [finding] = lint("Alors CALMEZ-VOUS un peu", context=LintContext())
    assert finding.rule == "forbidden_words" and finding.severity == "warn"
    assert "CALMEZ-VOUS" in finding.message


def test_built_ins_can_be_switched_off_and_tuned():
    rules = RuleSet(built_ins={"forbidden_words": BuiltIn(True, "block", {"words": ["remboursement impossible"]}),
                               "personal_data_request": BuiltIn(False, "block")})
    findings = lint("Remboursement impossible. Votre numéro de téléphone svp ?", context=LintContext(), rules=rules)
    assert rules_of(findings) == ["forbidden_words"] and findings[0].severity == "block"


def test_a_reply_in_the_wrong_language_is_flagged():
    context = LintContext(conversation_language="fr", detect_language=lambda text: "en")
    assert rules_of(lint("We are looking into your delayed flight right now", context=context)) == ["language"]
    same = LintContext(conversation_language="fr", detect_language=lambda text: "fr")
    assert lint("Nous regardons votre vol retardé tout de suite", context=same) == []


def test_the_inboxs_own_language_detection_is_what_decides():
    from inbox.selectors import text_language

    context = LintContext(conversation_language="fr", detect_language=text_language)
    assert rules_of(lint("We are so sorry, your flight is delayed by two hours", context=context)) == ["language"]
    assert lint("Nous sommes désolés, votre vol a deux heures de retard", context=context) == []


def test_in_crisis_mode_only_approved_templates_and_statements_go_out():
    approved = ("Bonjour {first_name}, suite à l'incident technique, suivez {info_url}.",
                "We are aware of the outage and working on it.")
    context = LintContext(crisis_mode=True, approved_texts=approved)
    assert lint("Bonjour Marie, suite à l'incident technique, suivez https://air.example/info.", context=context) == []
    assert lint("we are aware of the outage and working on it.", context=context) == []
    [finding] = lint("Tout va bien, rien à signaler", context=context)
    assert finding.rule == "crisis_template" and finding.severity == "block"
    assert lint("Tout va bien, rien à signaler", context=LintContext()) == []


def test_custom_rules_forbidden_regex_and_required():
    rules = RuleSet(custom=(
        CustomRule("competitors", "forbidden", "RivalAir\nLowCostJet", "block", "Never name a competitor."),
        CustomRule("no-promises", "regex", r"\b(garanti|promis)\w*", "warn"),
        CustomRule("signature", "required", r"\^[A-Z]{2}\b", "warn", "Sign with ^ and your initials.", "public"),
    ))
    findings = lint("RivalAir aurait fait pire, c'est garanti", context=LintContext(), rules=rules)
    assert sorted(rules_of(findings)) == ["custom:competitors", "custom:no-promises", "custom:signature"]
    assert next(f for f in findings if f.rule == "custom:competitors").message == "Never name a competitor."
    assert lint("Merci ! ^CM", context=LintContext(), rules=rules) == []
    assert lint("Merci !", context=LintContext(visibility="private"), rules=rules) == []


@pytest.mark.parametrize("pattern", ["(unclosed", "a{2,1}", "[z-a]"])
def test_an_expression_that_does_not_compile_is_refused_with_the_reason(pattern):
    with pytest.raises(ValidationError, match="does not compile"):
        validate_pattern(pattern)


@pytest.mark.parametrize("pattern", [r"(a+)+$", r"(a|aa)+b", r"^(a|a?)+$"])
def test_a_catastrophic_expression_is_refused(pattern):
    with pytest.raises(ValidationError, match="too slow"):
        validate_pattern(pattern)


def test_a_slow_rule_that_slipped_in_costs_a_bounded_time_and_says_so():
    rules = RuleSet(custom=(CustomRule("slow", "regex", r"(a+)+$", "block"),))
    started = time.monotonic()
    findings = lint("a" * 5000 + "!", context=LintContext(), rules=rules)
    assert time.monotonic() - started < 1.0
    [finding] = findings
    assert finding.severity == "warn" and "took too long" in finding.message
