"""The interface speaks French: every message of the catalogue is translated and compiled."""

import re
from pathlib import Path

from django.utils import translation

CATALOGUE = Path(__file__).resolve().parents[2] / "locale" / "fr" / "LC_MESSAGES"


def _entries(text: str):
    for block in text.split("\n\n"):
        if "msgid" not in block or block.lstrip().startswith("#~"):
            continue
        yield block


def test_french_catalogue_has_no_untranslated_or_fuzzy_message():
    _assert_complete("django.po")


def test_french_catalogue_of_the_pages_scripts_is_complete():
    _assert_complete("djangojs.po")


def _assert_complete(name: str):
    text = (CATALOGUE / name).read_text()
    problems = []
    for block in _entries(text):
        msgid = re.search(r'^msgid "(.*)"', block, re.M).group(1)
        if not msgid and "msgid_plural" not in block and '"\n"' not in block.split("msgstr")[0]:
            continue  # the header
        if "#, fuzzy" in block:
            problems.append(("fuzzy", msgid))
        for value in re.findall(r'^msgstr(?:\[\d\])? ((?:".*"\n?)+)', block, re.M):
            if value.strip() == '""':
                problems.append(("untranslated", msgid))
    assert not problems, problems[:10]


def test_french_is_served():
    with translation.override("fr"):
        assert translation.gettext("Reply as") == "Répondre en tant que"
        assert translation.gettext("Log in") == "Se connecter"


def test_scripts_get_their_french_from_the_catalogue(client):
    response = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE="fr")
    assert "Hors ligne" in response.content.decode()
