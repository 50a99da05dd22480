"""Does the author of a mention wait for something from the brand?"""

from __future__ import annotations


def needs_answer(text: str, tokens: list[str], language: str, label: str) -> bool:
    return "?" in text or label == "negative"
