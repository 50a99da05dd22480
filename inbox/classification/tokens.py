"""Tokenisation shared by the language vote and the sentiment rules, and the emoji and
emoticon tables both languages score the same way (the tokenizer must know them to split
"nul😡😡" into a word and two emoji)."""

from __future__ import annotations

import re
import string
from collections.abc import Callable

from vaderSentiment import vaderSentiment as _vader

URL_RE = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Emoji are often glued to words ("nul😡😡"); each one becomes its own token.
# Skin tones, ZWJ sequences and variation selectors are folded into the base.
_EMOJI_RE = re.compile(
    "([\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\u2300-\u23ff])"
    "[\ufe0f\u200d\U0001f3fb-\U0001f3ff\u2640\u2642]*"
)
_STRIP_CHARS = string.punctuation + "«»“”„…¿¡–—‘’·•"
_ELISIONS = frozenset({"l", "d", "j", "n", "m", "t", "s", "c", "qu", "jusqu", "lorsqu", "puisqu"})
# Negation and "no" never reach across a sentence end ("Aucune info. Honteux").
_SENTENCE_END = frozenset(".!?;")
BOUNDARY = "|"
STRETCHED_RE = re.compile(r"(\w)\1{2,}")
# Flight numbers (AD1234), airport codes (CDG) and numbers say nothing about
# the language and pull Lingua towards English.
FLIGHT_OR_NUMBER_RE = re.compile(r"\b[A-Za-z]{2}\d{2,4}\b|\b[A-Z]{3}\b|\d+")


# Shared by both languages. Values are on VADER's -4..+4 scale.
EMOJI_VALENCE: dict[str, float] = {
    "😡": -2.6, "🤬": -3.0, "😠": -2.3, "😤": -1.8, "😢": -1.8, "😭": -2.0, "😞": -1.8, "😔": -1.5,
    "😩": -1.9, "😫": -1.9, "🙄": -1.3, "😒": -1.3, "👎": -2.0, "💩": -2.2, "🤦": -1.6, "😑": -0.8,
    "😕": -1.0, "😟": -1.2, "😱": -1.5, "🤡": -1.6, "😬": -0.8, "💔": -2.0, "😓": -1.2, "😖": -1.6,
    "😣": -1.4, "😾": -1.5, "🥵": -0.8, "😪": -0.8, "😴": -0.4, "❌": -1.0, "⛔": -1.0, "🙃": -0.5,
    "🥺": -0.4, "😐": -0.2,
    "🙏": 1.0, "👍": 1.8, "👏": 2.0, "😀": 2.0, "😃": 2.2, "😄": 2.2, "😁": 2.0, "😊": 2.1, "🙂": 1.2,
    "😍": 2.8, "🥰": 2.8, "❤": 2.6, "💙": 2.2, "💚": 2.2, "💜": 2.2, "🧡": 2.2, "💛": 2.2, "💖": 2.6,
    "😎": 1.5, "🎉": 2.0, "🥳": 2.3, "✨": 1.0, "🌟": 1.6, "⭐": 1.2, "💯": 1.5, "👌": 1.6, "🤩": 2.8,
    "😂": 0.6, "🤣": 0.6, "😅": 0.3, "✅": 0.8, "😇": 1.8, "🤗": 2.0, "💪": 1.4, "🫶": 2.4, "😘": 2.2,
}

# Emoticons from VADER's lexicon (":)", ":-(", "<3"...), usable in French too.
EMOTICONS: dict[str, float] = {
    word: valence
    for word, valence in _vader.SentimentIntensityAnalyzer().lexicon.items()
    if not any(ch.isalpha() for ch in word) or word in {":D", ":P", ":p", "xD", "XD", ":o", "D:"}
}

def tokenize(text: str) -> list[str]:
    """Split like VADER (whitespace, edge punctuation stripped, emoticons kept).

    Differences on purpose: @handles and URLs are dropped (they carry no
    sentiment and break the 3-word windows), emoji are split off words, and
    French elisions become two tokens so that "n'" can act as a negation.
    """
    if "http" in text or "www." in text:
        text = URL_RE.sub(" ", text)
    if "’" in text:
        text = text.replace("’", "'")
    tokens: list[str] = []
    append = tokens.append
    for raw in text.split():
        if raw[0] == "@":
            continue
        if not raw.isascii() and _EMOJI_RE.search(raw):
            for piece in _EMOJI_RE.split(raw):
                if not piece:
                    continue
                if piece in EMOJI_VALENCE:
                    append(piece)
                else:
                    _append_word(piece, append)
            continue
        _append_word(raw, append)
    return tokens


def _append_word(raw: str, append: Callable[[str], None]) -> None:
    if raw in EMOTICONS:
        append(raw)
        return
    word = raw.strip(_STRIP_CHARS)
    if word and raw[-1] in _SENTENCE_END:
        _append_word(raw.rstrip(_STRIP_CHARS), append)
        append(BOUNDARY)
        return
    if raw[0] == "#" and word:
        # Hashtags keep their "#": "#AirDemoFail" is scored by suffix, and
        # the language vote must not count "#merci" as running French.
        append("#" + word)
        return
    if not word:
        return
    if "'" in word:
        head, _, tail = word.partition("'")
        if tail and head.lower() in _ELISIONS:
            append(head + "'")
            word = tail
    append(word)
