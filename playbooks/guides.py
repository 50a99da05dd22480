"""A guide's content, as pure functions: validation, template variables, triggers, diff, Markdown.

content = {"scenarios": [{
    "key": "delay", "name": "Flight delay", "crisis": false,  # true: its templates are crisis holding statements
    "triggers": {"keywords": ["retard", "delayed"], "tags": [], "sentiment": "negative" | "",
                 "platforms": ["x"], "languages": ["fr"]},
    "do": "Markdown", "dont": "Markdown", "escalation": "Markdown",
    "sources": [{"label": "Flight status", "url": "https://..."}],
    "templates": [{"key": "delay-fr", "language": "fr", "label": "...", "text": "Bonjour {first_name}, ..."}],
}]}
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from urllib.parse import urlparse

import nh3
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from markdown_it import MarkdownIt

from .linter import VARIABLE
from .text import fold

VARIABLES = ("first_name", "handle", "case_url", "info_url", "agent_first_name")
# Values used to check a template's length before any real conversation fills it: plausible long
# ones, so that a template that fits here fits in practice.
SAMPLE_VALUES = {"first_name": "Marie-Christine", "handle": "@marie_christine_l", "case_url": "https://air.example/c/123456",
                 "info_url": "https://air.example/info/status", "agent_first_name": "Alexandre"}
SCENARIO_KEY = re.compile(r"^[a-z0-9][a-z0-9_-]{0,59}$")


def substitute(text: str, values: dict[str, str]) -> str:
    """Fill the variables; an unknown one raises, a known one without a value stays visible."""
    unknown = sorted({name for name in VARIABLE.findall(text) if name not in VARIABLES})
    if unknown:
        raise ValidationError(_("Unknown variable {%(name)s}: use %(known)s.")
                              % {"name": unknown[0], "known": ", ".join(f"{{{v}}}" for v in VARIABLES)})
    return VARIABLE.sub(lambda m: values.get(m.group(1)) or m.group(), text)


def _str_list(value, field: str) -> list[str]:
    if value in (None, ""):
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ValidationError(_("%(field)s must be a list of words.") % {"field": field})
    return [v.strip() for v in value if v.strip()]


def validate_content(content, *, length_limits: dict[str, int]) -> dict:
    """The content, cleaned; a ValidationError naming the scenario and template at fault otherwise.

    length_limits: the platforms' public reply limits; a template longer than one of its
    scenario's platforms allows once filled with SAMPLE_VALUES is refused.
    """
    if not isinstance(content, dict) or not isinstance(content.get("scenarios", []), list):
        raise ValidationError(_("A guide's content is a list of scenarios."))
    cleaned, keys = [], set()
    for index, scenario in enumerate(content.get("scenarios", [])):
        if not isinstance(scenario, dict):
            raise ValidationError(_("Scenario %(n)s is not an object.") % {"n": index + 1})
        key = str(scenario.get("key", "")).strip()
        name = str(scenario.get("name", "")).strip()
        where = name or key or str(index + 1)
        if not SCENARIO_KEY.match(key):
            raise ValidationError(_("Scenario %(where)s needs a key of lower-case letters, digits, - or _.")
                                  % {"where": where})
        if key in keys:
            raise ValidationError(_("Two scenarios use the key %(key)s.") % {"key": key})
        keys.add(key)
        triggers = scenario.get("triggers") or {}
        if not isinstance(triggers, dict):
            raise ValidationError(_("The triggers of %(where)s must be an object.") % {"where": where})
        sentiment = str(triggers.get("sentiment") or "")
        if sentiment not in ("", "negative", "positive", "neutral"):
            raise ValidationError(_("Sentiment trigger: use negative, neutral or positive."))
        platforms = _str_list(triggers.get("platforms"), "platforms")
        bad = [p for p in platforms if p not in length_limits]
        if bad:
            raise ValidationError(_("Unknown platform %(platform)s in %(where)s.") % {"platform": bad[0], "where": where})
        sources = []
        for source in scenario.get("sources") or []:
            url = str((source or {}).get("url", "")).strip()
            if urlparse(url).scheme not in ("http", "https") or not urlparse(url).netloc:
                raise ValidationError(_("The information source %(url)s in %(where)s is not a web address.")
                                      % {"url": url or "?", "where": where})
            sources.append({"label": str(source.get("label") or url).strip()[:120], "url": url})
        templates, template_keys = [], set()
        for position, template in enumerate(scenario.get("templates") or []):
            template = template or {}
            text = str(template.get("text", "")).strip()
            template_key = str(template.get("key") or f"{key}-{position + 1}").strip()
            if not text:
                raise ValidationError(_("A template of %(where)s is empty.") % {"where": where})
            if template_key in template_keys:
                raise ValidationError(_("Two templates of %(where)s use the key %(key)s.")
                                      % {"where": where, "key": template_key})
            template_keys.add(template_key)
            try:
                filled = substitute(text, SAMPLE_VALUES)
            except ValidationError as error:
                raise ValidationError(_("Template %(key)s of %(where)s: %(error)s")
                                      % {"key": template_key, "where": where, "error": error.messages[0]}) from None
            for platform in platforms or list(length_limits):
                limit = length_limits.get(platform) or 0
                if limit and len(filled) > limit:
                    raise ValidationError(_(
                        "Template %(key)s of %(where)s is %(count)s characters once filled in; %(platform)s "
                        "accepts %(limit)s.") % {"key": template_key, "where": where, "count": len(filled),
                                                 "platform": platform, "limit": limit})
            language = str(template.get("language") or "").strip()
            if language not in ("fr", "en"):
                raise ValidationError(_("Template %(key)s of %(where)s needs a language (fr or en).")
                                      % {"key": template_key, "where": where})
            templates.append({"key": template_key, "language": language, "text": text,
                              "label": str(template.get("label") or template_key).strip()[:120]})
        cleaned.append({
            "key": key, "name": name or key,
            "triggers": {"keywords": _str_list(triggers.get("keywords"), "keywords"),
                         "tags": _str_list(triggers.get("tags"), "tags"), "sentiment": sentiment,
                         "platforms": platforms, "languages": _str_list(triggers.get("languages"), "languages")},
            "do": str(scenario.get("do") or ""), "dont": str(scenario.get("dont") or ""),
            "escalation": str(scenario.get("escalation") or ""), "sources": sources, "templates": templates,
            "crisis": scenario.get("crisis") is True,
        })
    return {"scenarios": cleaned}


@dataclass(frozen=True)
class ConversationFacts:
    text: str
    tags: tuple[str, ...]
    sentiment: float
    platform: str
    language: str


def _sentiment_label(score: float) -> str:
    return "negative" if score < -0.05 else "positive" if score > 0.05 else "neutral"


def scenario_score(scenario: dict, facts: ConversationFacts) -> int:
    """0 when a trigger rules the scenario out; otherwise how many triggers matched (keywords count each)."""
    triggers = scenario.get("triggers") or {}
    if triggers.get("platforms") and facts.platform not in triggers["platforms"]:
        return 0
    if triggers.get("languages") and facts.language and facts.language not in triggers["languages"]:
        return 0
    if triggers.get("sentiment") and _sentiment_label(facts.sentiment) != triggers["sentiment"]:
        return 0
    folded = fold(facts.text)
    score = sum(1 for word in triggers.get("keywords", []) if re.search(rf"(?<!\w){re.escape(fold(word))}", folded))
    tags = {fold(t) for t in facts.tags}
    score += sum(2 for tag in triggers.get("tags", []) if fold(tag) in tags)
    if not triggers.get("keywords") and not triggers.get("tags"):
        return 0  # a scenario with no keyword and no tag is picked by hand only
    return score


def suggest(scenarios: list[dict], facts: ConversationFacts, *, limit: int = 3) -> list[dict]:
    scored = [(scenario_score(s, facts), i, s) for i, s in enumerate(scenarios)]
    return [s for score, _i, s in sorted(scored, key=lambda t: (-t[0], t[1])) if score > 0][:limit]


def diff(old: dict, new: dict) -> str:
    """A unified diff of two versions' content, one readable line per field."""
    def lines(content):
        return json.dumps(content, ensure_ascii=False, indent=1, sort_keys=True).splitlines()
    return "\n".join(difflib.unified_diff(lines(old), lines(new), "before", "after", lineterm=""))


def text_diff(old: str, new: str) -> list[tuple[str, str]]:
    """Word-level changes between the author's text and an approver's edit: (op, words)."""
    a, b = old.split(), new.split()
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=a, b=b).get_opcodes():
        if op == "equal":
            out.append(("equal", " ".join(a[i1:i2])))
        if op in ("delete", "replace"):
            out.append(("delete", " ".join(a[i1:i2])))
        if op in ("insert", "replace"):
            out.append(("insert", " ".join(b[j1:j2])))
    return out


_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False}).disable("image")
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "strong", "em", "code", "pre", "a", "blockquote", "br", "h3", "h4"}


def render_markdown(text: str) -> str:
    """Guidance written by admins, made safe to show: raw HTML off, then sanitised (nh3)."""
    html = _markdown.render(text or "")
    return nh3.clean(html, tags=_ALLOWED_TAGS, attributes={"a": {"href", "title"}}, url_schemes={"http", "https", "mailto"},
                     link_rel="noopener noreferrer nofollow")
