"""A guide's content, pure: validation, variables, length after substitution, triggers, Markdown, diff."""

import pytest
from django.core.exceptions import ValidationError

from playbooks import guides
from playbooks.guides import ConversationFacts, render_markdown, substitute, suggest, validate_content

LIMITS = {"x": 280, "facebook": 8000, "bluesky": 300, "mastodon": 500, "instagram": 2200}


def scenario(**overrides):
    base = {"key": "delay", "name": "Retard", "triggers": {"keywords": ["retard", "delayed"]},
            "templates": [{"key": "delay-fr", "language": "fr", "text": "Bonjour {first_name}, voir {info_url}"}],
            "sources": [{"label": "Statut", "url": "https://air.example/status"}]}
    return {**base, **overrides}


def test_a_template_with_an_unknown_variable_is_refused_by_name():
    content = {"scenarios": [scenario(templates=[{"key": "t", "language": "fr", "text": "Bonjour {prenom} !"}])]}
    with pytest.raises(ValidationError) as error:
        validate_content(content, length_limits=LIMITS)
    assert "{prenom}" in error.value.messages[0] and "{first_name}" in error.value.messages[0]


def test_a_template_too_long_for_its_platform_once_filled_is_refused():
    text = "Suivi : {case_url} " + "x" * 255  # fits 280 as typed, not once the address is filled in
    content = {"scenarios": [scenario(triggers={"keywords": ["retard"], "platforms": ["x"]},
                                      templates=[{"key": "long", "language": "fr", "text": text}])]}
    with pytest.raises(ValidationError, match="280"):
        validate_content(content, length_limits=LIMITS)
    content["scenarios"][0]["triggers"]["platforms"] = ["facebook"]
    assert validate_content(content, length_limits=LIMITS)["scenarios"][0]["templates"][0]["key"] == "long"


@pytest.mark.parametrize(("change", "message"), [
    ({"key": "Bad Key"}, "key"),
    ({"sources": [{"label": "x", "url": "javascript:alert(1)"}]}, "web address"),
    ({"templates": [{"key": "t", "language": "de", "text": "Hallo"}]}, "language"),
    ({"triggers": {"sentiment": "angry"}}, "Sentiment"),
])
def test_bad_content_is_refused_with_a_reason(change, message):
    with pytest.raises(ValidationError, match=message):
        validate_content({"scenarios": [scenario(**change)]}, length_limits=LIMITS)


def test_substitution_fills_known_variables():
    assert substitute("Bonjour {first_name}, {agent_first_name} ici", {"first_name": "Marie", "agent_first_name": "Léa"}) \
        == "Bonjour Marie, Léa ici"


def test_triggers_match_keywords_accent_folded_tags_sentiment_platform_and_language():
    delay = scenario()
    baggage = scenario(key="baggage", triggers={"keywords": ["bagage"], "tags": ["baggage"]})
    angry_x = scenario(key="angry", triggers={"keywords": ["retard"], "sentiment": "negative", "platforms": ["x"],
                                              "languages": ["fr"]})
    facts = ConversationFacts(text="Mon vol a 3h de RETARD et mon bagâge est perdu", tags=("baggage",),
                              sentiment=-0.6, platform="x", language="fr")
    assert [s["key"] for s in suggest([delay, baggage, angry_x], facts)] == ["baggage", "delay", "angry"]
    calm_facebook = ConversationFacts(text="petit retard", tags=(), sentiment=0.3, platform="facebook", language="fr")
    assert [s["key"] for s in suggest([delay, baggage, angry_x], calm_facebook)] == ["delay"]


def test_guidance_markdown_is_rendered_and_sanitised():
    html = render_markdown("**Do** say [status](https://air.example) <script>alert(1)</script> [x](javascript:alert(1))")
    assert "<strong>Do</strong>" in html and 'href="https://air.example"' in html
    assert "<script" not in html and "&lt;script&gt;" in html  # shown as text, never run
    assert 'href="javascript' not in html


def test_diff_shows_what_changed_between_versions():
    old = validate_content({"scenarios": [scenario()]}, length_limits=LIMITS)
    new = validate_content({"scenarios": [scenario(name="Vol retardé")]}, length_limits=LIMITS)
    text = guides.diff(old, new)
    assert '-   "name": "Retard"' in text.replace("  ", "  ") or '"name": "Retard"' in text
    assert "+" in text and "Vol retardé" in text


def test_text_diff_shows_an_approvers_edit_word_by_word():
    assert guides.text_diff("Nous regardons demain", "Nous regardons tout de suite") == [
        ("equal", "Nous regardons"), ("delete", "demain"), ("insert", "tout de suite")]
