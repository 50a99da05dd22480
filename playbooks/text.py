"""Text helpers shared by the guides' triggers and the linter: accent folding that keeps offsets."""

from __future__ import annotations

import unicodedata

_QUOTES = str.maketrans({"’": "'", "‘": "'", "ʼ": "'", "`": "'", "\u00a0": " ", "\u202f": " "})


def fold(text: str) -> str:
    """Lower-case, accents removed, typographic quotes made plain, one character for one.

    The folded text has exactly the length of the original so that a match found in it points at
    the same characters of what the person typed (the composer underlines them).
    """
    out = []
    for char in text.translate(_QUOTES):
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if not unicodedata.combining(c)).lower()
        out.append(base if len(base) == 1 else char.lower()[:1] or char)
    folded = "".join(out)
    return folded if len(folded) == len(text) else text.lower()
