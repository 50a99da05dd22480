"""What a mention says: its language, its sentiment, and whether its author waits for an answer.

Three ideas, one module each, over one shared tokenisation (`tokens.py`):

- `language.py`: French, English or unknown, by a vote of function words, Lingua for the rest;
- `sentiment.py`: the VADER rules with a French lexicon, plus the sarcasm that reads as praise
  word by word ("merci pour rien", "great job losing my bag");
- `answer.py`: does the author wait for something from the brand (a question, a request, a
  problem to fix), or is it thanks, praise or small talk? Routing rules may raise the priority
  of the first kind only, so a polite "ok thanks" from a big account never turns urgent.

Everything is pure data after the first call: deterministic, thread-safe, no network; about
20-40 µs per tweet-length text on one core (``python bench/classify.py`` measures it on the
labelled set in ``bench/data/``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .answer import needs_answer
from .language import SUPPORTED_LANGUAGES, detect, detect_language
from .sentiment import compound
from .tokens import tokenize

__all__ = [
    "NEGATIVE_THRESHOLD",
    "POSITIVE_THRESHOLD",
    "Classification",
    "SentimentLabel",
    "classify",
    "classify_many",
    "detect_language",
    "score_sentiment",
    "sentiment_label",
]

SentimentLabel = Literal["negative", "neutral", "positive"]

# VADER's own recommended cut-offs on the compound score, kept so our labels
# mean the same as in the literature the support team may compare us with.
NEGATIVE_THRESHOLD = -0.05
POSITIVE_THRESHOLD = 0.05


@dataclass(frozen=True, slots=True)
class Classification:
    language: str  # "fr", "en" or "" when unknown
    sentiment: float  # VADER compound score in [-1, 1]
    sentiment_label: SentimentLabel
    needs_answer: bool = True  # the author waits for something from the brand


def sentiment_label(score: float) -> SentimentLabel:
    if score < NEGATIVE_THRESHOLD:
        return "negative"
    if score > POSITIVE_THRESHOLD:
        return "positive"
    return "neutral"


def score_sentiment(text: str, language: str) -> float:
    """VADER compound score in [-1, 1] with the rules of ``language``.

    An unknown language ("") is detected first; if still unknown (emoji only,
    say), the English rules apply: emoji and emoticons score the same in both.
    """
    if not text:
        return 0.0
    tokens = tokenize(text)
    if language not in SUPPORTED_LANGUAGES:
        language = detect(text, tokens) or "en"
    return round(compound(text, tokens, language), 4)


def classify(text: str, *, language_hint: str | None = None) -> Classification:
    if not text or not text.strip():
        return Classification(language=language_hint if language_hint in SUPPORTED_LANGUAGES else "",
                              sentiment=0.0, sentiment_label="neutral", needs_answer=False)
    tokens = tokenize(text)
    language = language_hint if language_hint in SUPPORTED_LANGUAGES else detect(text, tokens)
    score = round(compound(text, tokens, language or "en"), 4)
    label = sentiment_label(score)
    return Classification(language=language, sentiment=score, sentiment_label=label,
                          needs_answer=needs_answer(text, tokens, language or "en", label))


def classify_many(
    texts: Sequence[str],
    *,
    language_hints: Sequence[str | None] | None = None,
) -> list[Classification]:
    """Classify a batch of mention texts, in order.

    ``language_hints[i]`` is the platform's language for ``texts[i]`` (X's
    ``lang``, Mastodon's ``language``, Bluesky's ``langs[0]``); "fr" and "en"
    are trusted, anything else ("und", "es", None) means detect. Runs on the
    calling thread only, so a 2-core worker keeps its other core for the
    database.
    """
    if language_hints is None:
        return [classify(text) for text in texts]
    if len(language_hints) != len(texts):
        raise ValueError("language_hints must have one entry per text")
    return [classify(text, language_hint=hint) for text, hint in zip(texts, language_hints, strict=True)]
