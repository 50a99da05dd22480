"""The reply linter: pure rules over a reply's text and what is known of where it goes.

The composer calls it as the agent types (through the lint endpoint) and the reply service calls it
again, authoritatively, before a reply is queued. Rules are per organization: built-ins that admins
switch off or tune, and their own (forbidden words and phrases, regular expressions, required
mentions). Custom expressions run on the `regex` engine with a timeout, so a catastrophic pattern
costs at most REGEX_TIMEOUT per reply instead of a worker.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import regex
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .personal_data import personal_data_requests, personal_data_shared
from .text import fold

BLOCK = "block"
WARN = "warn"
SEVERITIES = (BLOCK, WARN)

# Seconds one custom expression may spend on one reply; probes at save time get a little more.
REGEX_TIMEOUT = 0.05
_PROBE_TIMEOUT = 0.2
_PROBES = ("a" * 5000 + "!", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", " " * 3000 + "x",
           "Bonjour, " * 400 + "?", "0" * 3000 + "a", "ab" * 2000 + "c")

VARIABLE = re.compile(r"\{([a-z_]+)\}")


@dataclass(frozen=True)
class Finding:
    rule: str
    severity: str
    message: str
    suggestion: str = ""
    start: int = 0
    end: int = 0

    def to_dict(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "message": self.message,
                "suggestion": self.suggestion, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class PrivateRoute:
    """Whether this person can be reached in private messages on this platform, and why."""

    possible: bool | None  # None: it depends on the person's settings
    reason: str = ""


@dataclass(frozen=True)
class LintContext:
    platform: str = ""
    visibility: str = "public"
    length_limit: int = 0
    conversation_language: str = ""
    private_route: PrivateRoute = PrivateRoute(None)
    crisis_mode: bool = False
    # In crisis mode, replies must follow one of these (templates with {variables}, statements).
    approved_texts: tuple[str, ...] = ()
    detect_language: Callable[[str], str] | None = None


@dataclass(frozen=True)
class BuiltIn:
    enabled: bool
    severity: str
    options: dict = field(default_factory=dict)


@dataclass(frozen=True)
class CustomRule:
    """kind: "forbidden" (words/phrases, one a line), "regex" (found → finding), "required" (must appear)."""

    name: str
    kind: str
    pattern: str
    severity: str = WARN
    message: str = ""
    visibility: str = "any"  # any | public | private


# The built-in rules, their default severity and options (admins change them per organization).
BUILT_IN_DEFAULTS: dict[str, BuiltIn] = {
    "personal_data_request": BuiltIn(True, BLOCK),
    "personal_data_shared": BuiltIn(True, BLOCK, {"allowed": []}),
    "length": BuiltIn(True, BLOCK),
    "unfilled_variable": BuiltIn(True, BLOCK),
    "forbidden_words": BuiltIn(True, WARN, {"words": ["calmez-vous", "calm down", "ce n'est pas de notre faute",
                                                      "not our fault", "pas notre problème", "not our problem"]}),
    "language": BuiltIn(True, WARN, {"min_words": 4}),
    "crisis_template": BuiltIn(True, BLOCK),
}


@dataclass(frozen=True)
class RuleSet:
    built_ins: dict[str, BuiltIn] = field(default_factory=lambda: dict(BUILT_IN_DEFAULTS))
    custom: tuple[CustomRule, ...] = ()

    def setting(self, code: str) -> BuiltIn:
        return self.built_ins.get(code, BUILT_IN_DEFAULTS[code])


def validate_pattern(pattern: str) -> None:
    """A custom expression must compile and stay fast on hostile input; else a clear error."""
    if not pattern or not pattern.strip():
        raise ValidationError(_("The regular expression is empty."))
    if len(pattern) > 500:
        raise ValidationError(_("Keep regular expressions under 500 characters."))
    try:
        compiled = regex.compile(pattern, regex.IGNORECASE)
    except regex.error as error:
        raise ValidationError(_("This regular expression does not compile: %(error)s") % {"error": error}) from None
    for probe in _PROBES:
        try:
            compiled.search(probe, timeout=_PROBE_TIMEOUT)
        except TimeoutError:
            raise ValidationError(_(
                "This regular expression is too slow on some texts (catastrophic backtracking): "
                "simplify nested repetitions such as (a+)+.")) from None


def _dm_suggestion(route: PrivateRoute) -> str:
    if route.possible is False:
        parts = [_("A private message is not possible with this person here:"), route.reason,
                 _("Point them to a private channel of the brand (form, customer service).")]
    elif route.possible is True:
        parts = [_("Ask them to continue in private messages, and ask for it there."),
                 _("A private message is possible with this person here."), route.reason]
    else:
        parts = [_("Ask them to continue in private messages, and ask for it there."), route.reason]
    return " ".join(part for part in parts if part)


_DATA_LABELS = {
    "phone": lambda: _("a phone number"), "email": lambda: _("an e-mail address"),
    "postal_address": lambda: _("a postal address"), "booking_reference": lambda: _("a booking, order or case reference"),
    "card": lambda: _("card or bank details"), "passport": lambda: _("passport or identity details"),
    "birth_date": lambda: _("a date of birth"), "identity": lambda: _("personal details"),
    "bank_account": lambda: _("a bank account number"),
}


def _normalized(text: str) -> str:
    return " ".join(fold(text).split())


def _template_pattern(template: str) -> re.Pattern:
    parts = VARIABLE.split(_normalized(template))
    # Odd parts are variable names: each stands for a short run of any text.
    return re.compile("".join(re.escape(p) if i % 2 == 0 else r".{1,120}?" for i, p in enumerate(parts)) + r"\s*")


def matches_approved(text: str, approved: tuple[str, ...] | list[str]) -> bool:
    normalized = _normalized(text)
    return any(_template_pattern(t).fullmatch(normalized) for t in approved if t.strip())


def lint(text: str, *, context: LintContext, rules: RuleSet | None = None) -> list[Finding]:
    rules = rules or RuleSet()
    findings: list[Finding] = []
    public = context.visibility != "private"

    def on(code):
        setting = rules.setting(code)
        return setting if setting.enabled else None

    if public and (setting := on("personal_data_request")):
        suggestion = _dm_suggestion(context.private_route)
        for request in personal_data_requests(text):
            findings.append(Finding(
                "personal_data_request", setting.severity,
                _("This public reply asks for %(data)s: everyone would see the answer.")
                % {"data": _DATA_LABELS[request.kind]()},
                suggestion, request.start, request.end))
    if public and (setting := on("personal_data_shared")):
        for shared in personal_data_shared(text, allowed=setting.options.get("allowed", [])):
            findings.append(Finding(
                "personal_data_shared", setting.severity,
                _("This public reply shows %(data)s.") % {"data": _DATA_LABELS[shared.kind]()},
                _("Remove it, or send it in a private message."), shared.start, shared.end))
    if setting := on("unfilled_variable"):
        for match in VARIABLE.finditer(text):
            findings.append(Finding(
                "unfilled_variable", setting.severity,
                _("%(variable)s was not filled in.") % {"variable": match.group()},
                _("Replace it with the right value before sending."), match.start(), match.end()))
    if context.length_limit and (setting := on("length")) and len(text.strip()) > context.length_limit:
        findings.append(Finding(
            "length", setting.severity,
            _("%(count)s characters: the platform accepts %(limit)s.") % {"count": len(text.strip()),
                                                                          "limit": context.length_limit},
            _("Shorten the reply or continue in a private message."), context.length_limit, len(text)))
    if setting := on("forbidden_words"):
        findings += _forbidden("forbidden_words", setting.options.get("words", []), text, setting.severity, "")
    if (setting := on("language")) and context.conversation_language and context.detect_language:
        if len(text.split()) >= int(setting.options.get("min_words", 4)):
            written = context.detect_language(text)
            if written and written != context.conversation_language:
                findings.append(Finding(
                    "language", setting.severity,
                    _("This reply seems to be in %(written)s; the conversation is in %(expected)s.")
                    % {"written": written.upper(), "expected": context.conversation_language.upper()},
                    _("Answer in the customer's language."), 0, len(text)))
    if context.crisis_mode and (setting := on("crisis_template")) and not matches_approved(text, context.approved_texts):
        findings.append(Finding(
            "crisis_template", setting.severity,
            _("Crisis mode: replies must follow an approved template or statement."),
            _("Insert an approved template (Ctrl+/) and fill its variables."), 0, len(text)))
    for rule in rules.custom:
        if rule.visibility == "public" and not public or rule.visibility == "private" and public:
            continue
        findings += _custom(rule, text)
    return sorted(findings, key=lambda f: (f.severity != BLOCK, f.start))


def _forbidden(code: str, words, text: str, severity: str, message: str) -> list[Finding]:
    folded = fold(text)
    found = []
    for word in words:
        word = fold(word.strip())
        if not word:
            continue
        for match in re.finditer(rf"(?<!\w){re.escape(word)}(?!\w)", folded):
            found.append(Finding(code, severity, message or _("“%(word)s” is not to be said to customers.")
                                 % {"word": text[match.start():match.end()]},
                                 _("Rephrase without it."), match.start(), match.end()))
    return found


def _custom(rule: CustomRule, text: str) -> list[Finding]:
    code = f"custom:{rule.name}"
    if rule.kind == "forbidden":
        return _forbidden(code, rule.pattern.splitlines(), text, rule.severity, rule.message)
    try:
        compiled = regex.compile(rule.pattern, regex.IGNORECASE)
        if rule.kind == "regex":
            return [Finding(code, rule.severity, rule.message or _("Matches the rule “%(name)s”.") % {"name": rule.name},
                            "", m.start(), m.end())
                    for m in compiled.finditer(text, timeout=REGEX_TIMEOUT)]
        if rule.kind == "required" and not compiled.search(text, timeout=REGEX_TIMEOUT):
            return [Finding(code, rule.severity,
                            rule.message or _("The reply must contain what the rule “%(name)s” asks for.")
                            % {"name": rule.name}, "", 0, 0)]
    except TimeoutError:
        return [Finding(code, WARN, _("The rule “%(name)s” took too long on this reply and was skipped.")
                        % {"name": rule.name}, _("Ask an admin to simplify its expression."), 0, 0)]
    except regex.error:
        return [Finding(code, WARN, _("The rule “%(name)s” has an invalid expression and was skipped.")
                        % {"name": rule.name}, "", 0, 0)]
    return []
