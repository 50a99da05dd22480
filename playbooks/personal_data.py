"""Personal data in public replies: asking for it (SFR, 2014) and giving it out.

Pure functions over the reply's text. A request is a piece of personal data (phone, e-mail, postal
address, booking/order/case reference, card or bank numbers, passport, date of birth) named in a
sentence that asks for it (a request verb, a question, "please", "below"...), unless that sentence
sends the person to private messages, is a negation ("never share your card number here") or the
data is the brand's own ("our number is 3654"). Measured on tests/playbooks/test_personal_data.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .text import fold

# What is asked for, by kind. Patterns run on folded text (lower case, no accents).
_NOT_PERSONAL_NUMBER = (r"(?!\s*(?:de\s+|d'|du\s+)?(?:votre\s+|ton\s+|your\s+)?(?:vol|siege|porte|terminal|train|quai"
                        r"|guichet|ligne|suivi\s+de\s+vol|gate|seat|flight)\b)")
DATA_PATTERNS: dict[str, str] = {
    "card": (
        r"(?:numero\s+(?:de\s+)?)?carte\s+(?:bancaire|bleue|de\s+credit|de\s+paiement)|\bcb\b|\brib\b|\biban\b"
        r"|coordonnees\s+bancaires|derniers\s+chiffres|cryptogramme|code\s+de\s+securite"
        r"|(?:credit|debit|bank)\s+card(?:\s+(?:number|details|info))?|card\s+(?:number|details|info)|\bcvv\b|\bcvc\b"
        r"|security\s+code|bank\s+(?:details|account)|account\s+number|sort\s+code|last\s+(?:4|four)\s+digits"
    ),
    "passport": (
        r"passeport|piece\s+d'identite|carte\s+d'identite|\bcni\b|passport(?:\s+(?:number|no|details))?"
        r"|(?:id|identity)\s+(?:card|number)|driver'?s\s+licen[cs]e|permis\s+de\s+conduire"
    ),
    "birth_date": r"date\s+de\s+naissance|\bddn\b|date\s+of\s+birth|\bdob\b|birth\s*date|birthday|\bage\b",
    "booking_reference": (
        r"(?:numero|num|n°|no|reference|ref|code)\s*(?:de\s+|du\s+|d')?(?:reservation|dossier|commande|billet|client"
        r"|resa|booking|fidelite|abonne|contrat)\b|\bpnr\b|\bref(?:erence)?\b"
        r"|(?:booking|confirmation|reservation|order|case|ticket|customer|account|membership|loyalty|tracking"
        r"|frequent\s+flyer)\s+(?:ref(?:erence)?|number|no\b|#|code|id\b|details)"
    ),
    "email": r"\be-?mails?\b|\bmails?\b|courriel|adresse\s+(?:e-?mail|mail|electronique)|email\s+address",
    "postal_address": (
        r"adresse(?:\s+postale|\s+de\s+livraison|\s+complete)?|code\s+postal|domicile"
        r"|(?:home|postal|street|mailing|shipping|billing|full)\s+address|\baddress\b|post\s*code|\bzip(?:\s+code)?\b"
    ),
    "phone": (
        r"(?:numero|num|n°)\s*(?:de\s+)?(?:tel(?:ephone)?|portable|mobile|fixe)|\btel(?:ephone)?\b|\bportable\b"
        r"|phone(?:\s+(?:number|no|#))?|\b(?:mobile|cell)(?:\s+(?:number|no|phone))?"
        r"|\bnumero\b" + _NOT_PERSONAL_NUMBER + r"|\bnum\b" + _NOT_PERSONAL_NUMBER
        + r"|(?<!flight\s)(?<!seat\s)(?<!gate\s)(?<!tracking\s)\bnumber\b" + r"|\b06\b|\bdigits\b"
    ),
    "identity": (
        r"coordonnees|infos?\s+perso(?:nnelles)?|donnees\s+personnelles|nom\s+(?:complet|et\s+prenom)"
        r"|contact\s+(?:details|info)|personal\s+(?:details|info(?:rmation)?|data)|full\s+name"
        r"|(?<=your\s)details|(?<=ur\s)details"
    ),
}
_DATA = re.compile("|".join(f"(?P<{kind}>{pattern})" for kind, pattern in DATA_PATTERNS.items()))

# Something in the sentence asks the reader to hand it over.
_ASK = re.compile(
    r"\?|pouvez[- ]vous|pourriez[- ]vous|peux[- ]tu|pourrais[- ]tu|merci\s+de|veuillez|auriez[- ]vous|aurais[- ]tu"
    r"|\b(?:donn|communiqu|indiqu|laiss|partag|precis|rappel|transmet|confirm|not|envoy|renseign|ajout|mett|ecriv)ez\b"
    r"|\b(?:donne|communique|indique|laisse|partage|precise|envoie|file|balance|mets|ecris|transmets|note|confirme"
    r"|renseigne|ajoute|rappelle)(?:[- ](?:nous|moi|le|la|les))?\b"
    r"|quel(?:le)?s?\s+est|c'est\s+quoi|\bsvp\b|\bstp\b|s'il\s+(?:vous|te)\s+pla[iî]t|il\s+nous\s+faut|nous\s+faudrait"
    r"|avons\s+besoin|aurions\s+besoin|\bcan\s+(?:you|u)\b|\bcould\s+(?:you|u)\b|\bwould\s+you\b|\bpl(?:ea)?se?\b|\bplz\b"
    r"|\bpls\b|\bkindly\b|\bsend\b|\bshare\b|\bgive\b|\bprovide\b|\btell\b|\bdrop\b|\bpost\b|\bleave\b|\btype\b"
    r"|\breply\s+with\b|\bcomment\s+with\b|\bwhat'?s\b|\bwhat\s+is\b|\bneed\b|\bconfirm\b|\blet\s+(?:us|me)\s+know\b"
    r"|\bbelow\b|\bhere\b|\bci-?dessous\b|\bici\b|en\s+commentaire|en\s+reponse|in\s+the\s+comments|in\s+(?:a\s+)?reply"
)
# Said explicitly in public: wins over a mention of private messages in the same sentence.
_PUBLIC_PLACE = re.compile(
    r"\bbelow\b|\bci-?dessous\b|en\s+commentaire|en\s+reponse\s+(?:a\s+ce|ici)|in\s+the\s+comments|\bhere\s+in\b"
    r"|reply\s+(?:here|below)|\bici\s+meme\b|right\s+here"
)
# The sentence takes the exchange to private messages (what the guides ask for).
_PRIVATE = re.compile(
    r"\bdms?\b|\bmp\b|\bmps\b|\bpm\b|messages?\s+prives?|en\s+prive|\bprivately\b|private(?:ly)?\s+message|in\s+private"
    r"|direct\s+message|messagerie\s+privee|\binbox\b|par\s+message|via\s+messenger|\bmessenger\b"
    r"|(?:via|dans|sur|avec)\s+(?:notre|le)\s+formulaire|secure\s+form|(?:via|through|using)\s+(?:our|the)\s+(?:secure\s+)?form"
    r"|\bwhatsapp\b|par\s+(?:e-?)?mail\s+a|by\s+e-?mail\s+to|espace\s+client|\bby\s+phone\b"
)
_NEGATION = re.compile(
    r"\bne\s+(?:\S+\s+){0,3}(?:jamais|pas)\b|\bn'\S+\s+(?:\S+\s+){0,2}(?:jamais|pas)\b|\bjamais\b|\bnever\b|\bdon'?t\b"
    r"|\bdo\s+not\b|\bno\s+need\b|\bpas\s+besoin\b|\bsans\b|\bwithout\b|\bnot\s+(?:share|post|give)"
)
_BRAND_OWNED = re.compile(r"(?:\bnotre|\bnos|\bour|\bmon|\bma|\bmy)\s+(?:\S+\s+){0,2}$")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*|[.!?]+")
# Words that name personal data only when they are the reader's: "votre mail", "ton num", "your
# address" — but "le mail est parti", "votre boîte mail", "a confirmation e-mail" are not requests.
_GENERIC = re.compile(r"e-?mails?|mails?|numero|num|number|adresse|address|06|digits|tel|portable")
_THEIRS = re.compile(r"(?:\bvotre|\bvos|\bton|\bta|\btes|\byour|\bur|\byr|\bu\s+r)\s+(?:[\w'-]+\s+){0,2}$")
_NOT_THEIRS = re.compile(r"(?:\bboite|\bbo[iî]te|\bmailbox|\bspams?)\s*$")
_REACH = re.compile(r"\bjoindre\b|\brappeler\b|\brecontacter\b|\bcontacter\b|\breach\s+you\b|\bcall\s+you\b"
                    r"|\bring\s+you\b|\btext\s+you\b|\brappelle\b")


@dataclass(frozen=True)
class DataRequest:
    kind: str
    start: int
    end: int


def personal_data_requests(text: str) -> list[DataRequest]:
    """Each sentence of the reply that asks, in public, for a piece of personal data."""
    folded = fold(text)
    found = []
    for sentence in _SENTENCE.finditer(folded):
        words = sentence.group()
        if not _DATA.search(words) or _NEGATION.search(words):
            continue
        if _PRIVATE.search(words) and not _PUBLIC_PLACE.search(words):
            continue
        if not _ASK.search(words):
            continue
        for match in _DATA.finditer(words):
            before = words[: match.start()]
            if _BRAND_OWNED.search(before) or _NOT_THEIRS.search(before):
                continue
            if _GENERIC.fullmatch(match.group()) and not (_THEIRS.search(before) or _REACH.search(words)):
                continue
            found.append(DataRequest(kind=match.lastgroup, start=sentence.start() + match.start(),
                                     end=sentence.start() + match.end()))
            break  # one finding per sentence is enough to act on
    return found


# --- giving it out ------------------------------------------------------------------------------

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?<![\w/])(?:\+\d{1,3}[\s.-]?)?\(?0?\d(?:[\s.-]?\d{2}){4}\b|(?<![\w/])\+\d{10,14}\b")
_CARD = re.compile(r"(?<!\d)(?:\d[ -]?){13,19}(?!\d)")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){3,7}(?:\s?[A-Z0-9]{1,4})?\b")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


@dataclass(frozen=True)
class SharedData:
    kind: str
    start: int
    end: int
    value: str


def personal_data_shared(text: str, *, allowed: list[str] | tuple[str, ...] = ()) -> list[SharedData]:
    """E-mail addresses, phone, card and bank numbers written into the reply.

    `allowed` are the brand's own public contacts (its customer-service number, its help address):
    pointing people to them is what the guides ask for.
    """
    allowed_norm = {re.sub(r"[\s.()-]", "", a.lower()) for a in allowed if a.strip()}
    found: list[SharedData] = []
    taken: list[tuple[int, int]] = []

    def add(kind, match, value=None):
        value = value or match.group()
        if re.sub(r"[\s.()-]", "", value.lower()) in allowed_norm:
            return
        if any(s < match.end() and match.start() < e for s, e in taken):
            return
        taken.append((match.start(), match.end()))
        found.append(SharedData(kind=kind, start=match.start(), end=match.end(), value=value))

    for match in _EMAIL.finditer(text):
        add("email", match)
    for match in _IBAN.finditer(text):
        add("bank_account", match)
    for match in _CARD.finditer(text):
        digits = re.sub(r"\D", "", match.group())
        if 13 <= len(digits) <= 19 and _luhn(digits):
            add("card", match)
    for match in _PHONE.finditer(text):
        if len(re.sub(r"\D", "", match.group())) >= 9:
            add("phone", match)
    return sorted(found, key=lambda f: f.start)
