"""The personal-data rule on a table of real-looking replies (tests/playbooks/phrasings.py)."""

import pytest

from playbooks.linter import LintContext, PrivateRoute, lint
from playbooks.personal_data import personal_data_requests, personal_data_shared

from .phrasings import (
    CAUGHT,
    FRESH_CAUGHT,
    FRESH_NOT_CAUGHT,
    HELD_OUT_CAUGHT,
    HELD_OUT_NOT_CAUGHT,
    NOT_CAUGHT,
    PROBE_CAUGHT,
    PROBE_NOT_CAUGHT,
)

SETS = {"tuned": (CAUGHT, NOT_CAUGHT), "held-out": (HELD_OUT_CAUGHT, HELD_OUT_NOT_CAUGHT),
        "probe": (PROBE_CAUGHT, PROBE_NOT_CAUGHT), "fresh": (FRESH_CAUGHT, FRESH_NOT_CAUGHT)}
ALL_CAUGHT = [pair for caught, _not in SETS.values() for pair in caught]
ALL_NOT_CAUGHT = [pair for _caught, not_caught in SETS.values() for pair in not_caught]


def _figures(caught, not_caught):
    true_positives = sum(1 for _lang, text in caught if personal_data_requests(text))
    false_positives = sum(1 for _lang, text in not_caught if personal_data_requests(text))
    precision = true_positives / (true_positives + false_positives) if true_positives + false_positives else 1.0
    return precision, true_positives / len(caught)


def test_the_table_is_large_enough_and_bilingual():
    everything = ALL_CAUGHT + ALL_NOT_CAUGHT
    assert len(everything) >= 60
    assert {lang for lang, _text in everything} == {"fr", "en"}
    assert len({text for _lang, text in everything}) == len(everything)


@pytest.mark.parametrize(("language", "text"), ALL_CAUGHT)
def test_a_public_request_for_personal_data_is_caught(language, text):
    assert personal_data_requests(text), text


@pytest.mark.parametrize(("language", "text"), ALL_NOT_CAUGHT)
def test_moving_to_private_or_giving_public_information_is_not_caught(language, text):
    assert not personal_data_requests(text), personal_data_requests(text)


def test_precision_and_recall(capsys):
    figures = {name: _figures(caught, not_caught) for name, (caught, not_caught) in SETS.items()}
    overall = _figures(ALL_CAUGHT, ALL_NOT_CAUGHT)
    with capsys.disabled():
        print("\npersonal_data_request: " + "; ".join(
            f"{name} ({len(SETS[name][0])}+{len(SETS[name][1])}) precision {p:.2f} recall {r:.2f}"
            for name, (p, r) in figures.items())
            + f"; all {len(ALL_CAUGHT)}+{len(ALL_NOT_CAUGHT)}: precision {overall[0]:.2f} recall {overall[1]:.2f}")
    assert all(precision >= 0.9 and recall >= 0.9 for precision, recall in figures.values())


def test_the_finding_points_at_the_data_asked_for():
    text = "Bonjour Marie ! Pouvez-vous nous donner votre numéro de téléphone ?"
    [request] = personal_data_requests(text)
    assert request.kind == "phone"
    assert text[request.start:request.end].lower().startswith("numéro de téléphone")


def test_the_finding_suggests_private_messages_and_says_whether_they_are_possible():
    text = "Drop your email below please"
    closed = lint(text, context=LintContext(platform="bluesky", private_route=PrivateRoute(False, "Bluesky: none.")))
    [finding] = [f for f in closed if f.rule == "personal_data_request"]
    assert finding.severity == "block"
    assert "not possible" in finding.suggestion and "Bluesky: none." in finding.suggestion
    open_ = lint(text, context=LintContext(platform="x", private_route=PrivateRoute(True, "They wrote to us in DMs.")))
    [finding] = [f for f in open_ if f.rule == "personal_data_request"]
    assert "private messages" in finding.suggestion and "is possible" in finding.suggestion


def test_the_same_request_in_a_private_message_is_fine():
    assert not [f for f in lint("Donne-nous ton num stp", context=LintContext(visibility="private"))
                if f.rule.startswith("personal_data")]


def test_message_and_suggestion_speak_the_users_language():
    from django.utils import translation

    with translation.override("fr"):
        [finding] = [f for f in lint("Quel est votre numéro de téléphone ?", context=LintContext())
                     if f.rule == "personal_data_request"]
    assert "numéro de téléphone" in finding.message and "messages privés" in finding.suggestion


@pytest.mark.parametrize(("text", "kind"), [
    ("Bonjour, votre conseillère vous rappelle au 06 12 34 56 78.", "phone"),
    ("We have noted marie.l@gmail.com for the refund", "email"),
    ("Card 4111 1111 1111 1111 is blocked", "card"),
    ("Virement vers FR76 3000 6000 0112 3456 7890 189 effectué", "bank_account"),
])
def test_personal_data_written_into_a_public_reply_is_found(text, kind):
    [shared] = personal_data_shared(text)
    assert shared.kind == kind and shared.value in text


def test_the_brands_own_contacts_and_plain_numbers_are_not_personal_data():
    text = "Écrivez à aide@airdemo.fr ou appelez le 3654 ; vol AD1234, porte 32, 2 bagages de 23 kg."
    assert personal_data_shared(text, allowed=["aide@airdemo.fr"]) == []
    assert [s.kind for s in personal_data_shared(text)] == ["email"]


def test_words_that_merely_contain_a_data_word_are_not_requests():
    """Found by the crisis drill: "Cancelled flights ... published here" was blocked as asking for a
    phone number ("cell" inside "cancelled")."""
    assert personal_data_requests("Cancelled flights and free refunds or rebooking are published here: "
                                  "https://air.example/japan") == []
    assert personal_data_requests("Can you send us your cell number?")[0].kind == "phone"
