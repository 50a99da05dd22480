"""Does the author of a mention wait for something from the brand?

Yes for a question, a request ("please", "svp", "I want", "any news"), or a complaint that
describes a problem; no for thanks, praise, an acknowledgement ("ok thanks", "noted") or a
parting verdict with nothing left to fix ("never again", "plus jamais", "worst airline").
Routing rules may raise the priority only of mentions that need an answer: a polite
"ok merci" from an account with a million followers stays at normal priority.
"""

from __future__ import annotations

_REQUEST_WORDS = frozenset(
    "please pls plz svp stp urgent urgently aidez aide-moi remboursez réparez rappelez rappeler help".split()
)
_REQUEST_PHRASES = (
    "help me", "help us", "need help", "any news", "any update", "update me", "fix it", "sort it", "refund it",
    "i want", "i need", "call me back", "dm me", "who do i", "what now", "s'il vous pl", "au secours",
    "je veux", "des nouvelles", "qui s'en occupe", "j'attends une réponse", "on fait quoi",
)
# A last word said on the way out: nothing is asked, nothing can be fixed in a reply.
_VERDICT_PHRASES = (
    "never again", "never flying", "leaving @", "never buying", "won't buy again", "worst ", "that's the tweet",
    "plus jamais", "la pire", "le pire", "je quitte", "ne rachèterai",
)


def needs_answer(text: str, tokens: list[str], language: str, label: str) -> bool:
    if "?" in text:
        return True
    lowered = text.lower().replace("’", "'")
    # "help" alone is a request ("@ShopCo help"); "thanks for the help" is not.
    if any(token.lower() in _REQUEST_WORDS for token in tokens if token.lower() != "help"):
        return True
    if tokens and tokens[-1].lower() == "help":
        return True
    if any(phrase in lowered for phrase in _REQUEST_PHRASES):
        return True
    if label != "negative":
        return False
    return not any(phrase in lowered for phrase in _VERDICT_PHRASES)
