"""Praise that means the opposite: "merci pour rien", "bravo… 🤬", "great job losing my bag".

Word by word, sarcasm scores as praise; a community manager reads it as the angriest kind of
complaint. Three signals, each common in customer-care mentions and rare in real thanks:

- praise next to an eye-roll or angry emoji (🙄 🤬 🤡 🙃 ...): "Thanks a lot @SkyLine 🙃";
- praise opening the mention as an interjection ("Génial, …", "Oh brilliant, …",
  "Wonderful. …"), or praise for an action that hurt ("great job losing", "thanks for
  cancelling", "réussi à perdre"), when what follows holds a real grievance;
- fixed phrases ("thanks for nothing", "merci pour rien") live in the phrase lexicons.

When a signal fires, every positive word of the mention is read as negative. A genuine
mixed message ("lovely crew, made the delay bearable") has no such signal and keeps its score.
"""

from __future__ import annotations

import re

# Emoji people add to praise they do not mean.
IRONY_EMOJI = frozenset("🙄🤬😡🤡👎💩😤😠🙃😒")

# Praise words and phrases, as tokens after the phrase merge of the sentiment rules.
_PRAISE = frozenset({
    "great", "brilliant", "wonderful", "fantastic", "amazing", "lovely", "perfect", "superb", "awesome",
    "excellent", "nice", "great job", "good job", "well done", "cheers", "thanks", "thank you",
    "thanks a lot", "bravo", "congrats", "love", "impressive", "incredible", "classy", "helpful",
    "génial", "genial", "super", "merveilleux", "magnifique", "formidable", "parfait", "chapeau", "top",
    "au top", "trop fort", "sympa", "merci", "merci beaucoup", "félicitations", "plaisir",
    "impressionnant", "adore", "j'adore", "classe", "réussi", "reussi",
})
# "Amazing how fast they bill", "impressionnant comme ils facturent vite".
_HOW = frozenset({"how", "comme"})
# What praise is sarcastically given for: "great job losing", "thanks for cancelling",
# "j'adore payer", "merci de me facturer", "réussi à perdre".
_HARM = frozenset(
    "losing cancelling canceling charging overcharging closing cutting ignoring delaying dropping "
    "spending waiting leaving keeping "
    "perdre annuler couper casser oublier facturer payer attendre passer livrer prévenir".split()
)
# Little words between the praise and the act ("thanks for", "merci de m'", "réussi à").
_LINKS = frozenset({"for", "on", "de", "d'", "pour", "m'", "me", "nous", "à", "a", "one", "job"})
# "Génial, …" / "Oh brilliant, …" / "Wonderful. …": praise said as an interjection.
_OPENING = re.compile(r"\W*(?:@\w+\W+)*(?:oh\s+|ah\s+|franchement\s+)?[\w']+(?:\s[\w']+)?\s*(?:@\w+\s*)?[,.!…:]")
_FILLERS = frozenset({"oh", "ah", "franchement"})


def is_ironic(text: str, lowers: list[str], sentiments: list[float]) -> bool:
    """Whether the praise in ``text`` is sarcastic (see the module docstring).

    ``lowers``/``sentiments`` are the scored tokens: a grievance is a clearly negative word
    (≤ -1.0) or an irony emoji; praise is any positive word.
    """
    if not any(s > 0 for s in sentiments):
        return False
    praise = [i for i, token in enumerate(lowers) if token in _PRAISE]
    if not praise:
        return False
    if any(token in IRONY_EMOJI for token in lowers):
        return True
    grievance = any(s <= -1.0 for s in sentiments)
    first = 1 if lowers[0] in _FILLERS else 0
    if grievance and praise[0] == first and _OPENING.match(text):
        return True
    n = len(lowers)
    for i in praise:
        if i + 1 < n and lowers[i + 1] in _HOW:
            return True
        for j in range(i + 1, min(i + 5, n)):
            token = lowers[j]
            if token in _LINKS:
                continue
            if token in _HARM or (token == "avoir" and grievance):
                return True
            break
    return False
