"""Language of a mention: French, English or unknown.

A vote of unambiguous function words settles most texts; only those it cannot settle (very
short, mixed, no function words) go to Lingua (`lingua-language-detector`), built for French
and English only, in high-accuracy mode, lazily and once per process. A "fr"/"en" hint from
the platform is trusted as is.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

from .tokens import FLIGHT_OR_NUMBER_RE, URL_RE, tokenize

SUPPORTED_LANGUAGES = frozenset({"fr", "en"})

# Function words that are (almost) never used in the other language. Words
# shared by both ("on", "a", "me", "son", "plus", "must") are left out.
_FRENCH_MARKERS = frozenset(
    """
    le la les un une des du au aux et est sont pas je tu il elle nous vous ils elles mon ma mes ton ta
    tes votre vos notre nos leur leurs ce cette ces qui que quoi quand pourquoi comment pour avec sans
    dans sur chez mais ou où très trop bien merci bonjour bonsoir toujours rien personne encore depuis
    ai avez avons suis sommes êtes été être fait faire peut peux veux vol vols retard annulé valise
    bagages aujourd'hui hier demain ne y en ça cela ici déjà jamais aucun aucune alors donc car après
    avant avion billet remboursement aide svp stp c' j' l' d' n' qu' m' s' t' moi toi lui était
    """.split()
)
_ENGLISH_MARKERS = frozenset(
    """
    the an and is are was were not no my your our their this that these those with without for from
    to of in at it it's i i'm i've i'll you we they have has had been be do does did don't can't
    won't didn't isn't wasn't doesn't still again any anyone nobody thanks thank please what when
    where why how flight flights delayed cancelled canceled bag bags luggage refund help today
    yesterday tomorrow just get got been would could should will there here after before about
    hours over us him her who which ever never really
    """.split()
)

_detector = None
_detector_lock = threading.Lock()


def _lingua_detector():
    """Build the Lingua detector once per process, on first need.

    Built lazily so web processes that never classify do not pay for it.
    High-accuracy mode: the vote already settles the easy texts, Lingua only
    sees the short and mixed ones, where the trigram-only low-accuracy mode
    loses most.
    """
    global _detector
    if _detector is None:
        with _detector_lock:
            if _detector is None:
                from lingua import Language, LanguageDetectorBuilder

                _detector = (
                    LanguageDetectorBuilder.from_languages(Language.FRENCH, Language.ENGLISH)
                    .with_preloaded_language_models()
                    .build()
                )
    return _detector


def _iso(language) -> str:
    if language is None:
        return ""
    code = language.iso_code_639_1.name.lower()
    return code if code in SUPPORTED_LANGUAGES else ""


def _vote(tokens: Sequence[str]) -> tuple[str, bool]:
    """Return (language, decided) from function words alone."""
    fr = en = 0
    for token in tokens:
        word = token.lower()
        if word in _FRENCH_MARKERS:
            fr += 1
        elif word in _ENGLISH_MARKERS:
            en += 1
        elif "-" in word:  # "est-il", "peut-être", "check-in"
            head = word.split("-", 1)[0]
            if head in _FRENCH_MARKERS:
                fr += 1
            elif head in _ENGLISH_MARKERS:
                en += 1
    if fr >= 2 and fr >= 3 * en:
        return "fr", True
    if en >= 2 and en >= 3 * fr:
        return "en", True
    return ("fr" if fr > en else "en" if en > fr else ""), False


def _text_for_lingua(text: str) -> str:
    """Keep only words a language model can learn from."""
    if "http" in text or "www." in text:
        text = URL_RE.sub(" ", text)
    words = [w for w in text.split() if w[0] not in "@#"]
    cleaned = FLIGHT_OR_NUMBER_RE.sub(" ", " ".join(words))
    return cleaned if any(ch.isalpha() for ch in cleaned) else ""


def detect(text: str, tokens: Sequence[str]) -> str:
    language, decided = _vote(tokens)
    if decided:
        return language
    cleaned = _text_for_lingua(text)
    if not cleaned:
        return ""
    detected = _iso(_lingua_detector().detect_language_of(cleaned))
    return detected or language


def detect_language(text: str, *, hint: str | None = None) -> str:
    """Return "fr", "en" or "" (no letters, or undecidable)."""
    if hint in SUPPORTED_LANGUAGES:
        return hint
    if not text or not text.strip():
        return ""
    return detect(text, tokenize(text))
