"""Sentiment of a mention: the VADER rules, parameterised by language.

The VADER rules (Hutto & Gilbert 2014: lexicon valences, boosters, 3-word negation window,
ALL-CAPS and "!!!" emphasis, "but" contrast, compound = s / sqrt(s² + 15)) run over the shared
tokenisation. English uses the lexicon, negations and boosters of the `vaderSentiment`
package; French uses the hand-built lexicon below (no maintained French VADER exists on PyPI).
Sarcasm the lexicon would read as praise ("merci pour rien", "bravo… 🤬", "great job losing
my bag") is caught in `sarcasm.py` and turned negative.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from vaderSentiment import vaderSentiment as _vader

from .sarcasm import is_ironic
from .tokens import BOUNDARY, EMOJI_VALENCE, EMOTICONS, STRETCHED_RE, tokenize

B_INCR = _vader.B_INCR
B_DECR = _vader.B_DECR
C_INCR = _vader.C_INCR
N_SCALAR = _vader.N_SCALAR

# Multi-word expressions scored as one token; the first word is the key so the
# scan only looks ahead when it could match.
_EN_PHRASES: dict[str, float] = {
    # Customer-care complaints VADER's general lexicon scores as neutral or nice.
    "thanks for nothing": -2.8, "thank you for nothing": -2.8, "charged twice": -2.0,
    "billed twice": -2.0, "double charged": -2.0, "keeps dropping": -1.8, "keeps crashing": -1.8,
    "never arrives": -1.6, "never arrived": -1.6, "never came": -1.6, "doesn't work": -1.6,
    "does not work": -1.6, "not working": -1.6, "won't print": -1.4, "hasn't moved": -1.5,
    "what am i paying for": -2.2, "logged me out": -1.3, "a loop": -1.4, "no signal": -1.6,
    "someone else's": -0.8, "clearly not": -1.6, "not the same": -1.2, "no-show": -1.2,
    "want my money back": -1.8, "looks like": 0.0, "seems like": 0.0, "fair enough": 0.0, "no worries": 0.0,
    "nobody answers": -2.2, "nobody answering": -2.2, "nobody is answering": -2.2, "no one answers": -2.2,
    "no one is answering": -2.2, "nobody picks up": -2.0, "no one picks up": -2.0, "nobody replies": -2.0,
    "no answer": -1.8, "no response": -1.8, "no reply": -1.8, "no update": -1.6, "no updates": -1.6,
    "no info": -1.5, "no information": -1.5, "no refund": -1.8, "no help": -2.0, "no compensation": -1.6,
    "still waiting": -1.6, "still no": -1.4, "still nothing": -1.6, "on hold": -1.3, "hung up": -1.6,
    "what a joke": -2.0, "a joke": -1.5, "rip off": -2.4, "missed my connection": -1.8,
    "missed connection": -1.8, "never again": -2.4, "worst airline": -3.0, "sort it out": -1.0,
    "thank you": 1.9, "thanks a lot": 2.0, "well done": 2.2, "smooth flight": 2.0,
    "great job": 2.8, "no excuse": -1.8, "without asking": -1.3, "without telling": -1.5,
    "without warning": -1.5, "no explanation": -1.6, "no staff": -1.7, "no hotel": -1.4, "no food": -1.2,
    # VADER's special cases and idioms, folded in here.
    "the shit": 3.0, "the bomb": 3.0, "bad ass": 1.5, "yeah right": -2.0, "kiss of death": -1.5,
    "to die for": 3.0, "cut the mustard": 2.0, "hand to mouth": -2.0, "back handed": -2.0,
    "blow smoke": -2.0, "blowing smoke": -2.0, "upper hand": 1.0, "break a leg": 2.0,
    "under the weather": -2.0, "in the red": -2.0, "in the black": 2.0, "on the ball": 2.0,
}
_FR_PHRASES: dict[str, float] = {
    "merci pour rien": -2.8, "prélevé deux fois": -2.0, "preleve deux fois": -2.0, "facturé deux fois": -2.0,
    "ne marche pas": -1.6, "ne marche plus": -1.8, "ne fonctionne pas": -1.6, "ne fonctionne plus": -1.8,
    "en boucle": -1.4, "hors ligne": -0.8, "aucune trace": -1.6, "pas bougé": -1.5, "n'a pas bougé": -1.5,
    "je paie pour quoi": -2.2, "raccroché au nez": -2.4, "ça commence à bien faire": -2.2,
    "visiblement non": -1.6, "rien à voir": -1.2, "n'arrive jamais": -1.6, "pas de souci": 0.0,
    "pas de soucis": 0.0, "pas mal": 0.6, "rien à redire": 1.8, "trop fort": 1.6, "je veux être remboursé": -1.8,
    "je veux etre rembourse": -1.8,
    "personne ne répond": -2.3, "personne ne repond": -2.3, "personne pour répondre": -2.2,
    "personne pour repondre": -2.2, "personne ne décroche": -2.2, "personne ne decroche": -2.2,
    "aucune réponse": -2.0, "aucune reponse": -2.0, "pas de réponse": -2.0, "pas de reponse": -2.0,
    "sans réponse": -2.0, "sans reponse": -2.0, "aucune nouvelle": -1.8, "aucune info": -1.8,
    "aucune information": -1.8, "pas de nouvelles": -1.8, "toujours rien": -1.9, "toujours pas": -1.3,
    "toujours aucune": -1.6, "toujours pas de réponse": -2.3, "toujours pas de reponse": -2.3,
    "toujours pas de nouvelles": -2.0, "toujours pas de remboursement": -2.2, "toujours pas remboursé": -2.2, "toujours en attente": -1.7, "en attente": -0.8, "pas terrible": -1.5,
    "pas top": -1.4, "pas normal": -1.8,
    "pas de problème": 0.8, "sans problème": 1.2, "sans souci": 1.2, "sans encombre": 1.6,
    "se moque": -2.2, "se moquent": -2.2, "se fout": -2.6,
    "se foutent": -2.6, "foutage de gueule": -3.0, "plus jamais": -2.4, "n'importe quoi": -2.2,
    "ou pas": 0.0, "ou non": 0.0, "aucune excuse": -1.8, "aucun agent": -1.7, "aucun personnel": -1.7,
    "sans prévenir": -1.5, "sans prevenir": -1.5, "sans explication": -1.6, "sans explications": -1.6,
    "ras le bol": -2.6, "ras-le-bol": -2.6, "j'en ai marre": -2.4, "en ai marre": -2.4,
    "c'est une blague": -2.0, "une blague": -1.6, "bon courage": 0.8, "bonne journée": 1.5,
    "bonne continuation": 1.6, "au top": 2.4, "un grand merci": 2.8, "mille mercis": 2.8,
    "merci beaucoup": 2.6, "merci infiniment": 2.8, "rien à dire": 1.6, "hors de prix": -1.8,
    "correspondance ratée": -1.9, "raté ma correspondance": -1.9, "loupé ma correspondance": -1.9,
    "un peu": 0.0, "tout à fait": 0.0, "par contre": 0.0, "du tout": 0.0,
}

# Airline and customer-care vocabulary on top of VADER's English lexicon.
# "help" and "please" are requests in an inbox, not praise (VADER: +1.7/+1.3).
_EN_DOMAIN: dict[str, float] = {
    "cancelled": -1.9, "canceled": -1.9, "cancelling": -1.6, "canceling": -1.6, "cancellation": -1.5,
    "cancellations": -1.5, "delayed": -1.5, "delay": -1.4, "delays": -1.4, "stranded": -2.3,
    "stuck": -1.6, "overbooked": -1.9, "bumped": -1.4, "diverted": -1.1, "grounded": -1.1,
    "outage": -1.5, "meltdown": -2.3, "nightmare": -2.6, "shambles": -2.4, "unreachable": -1.6,
    "unanswered": -1.8, "ignored": -1.9, "ignoring": -1.8, "refund": -0.3, "damaged": -1.8,
    "broken": -1.6, "misplaced": -1.4, "rebooked": -0.3, "smooth": 1.6, "seamless": 1.8,
    "quick": 0.8, "speedy": 1.2, "prompt": 1.0, "efficient": 1.8, "attentive": 1.8, "lovely": 2.7,
    "superb": 3.0, "help": 0.4, "please": 0.3, "#fail": -2.5, "appalling": -2.8,
    "shocking": -2.2, "hopeless": -2.2, "incompetent": -2.4, "incompetence": -2.4, "clowns": -1.8,
    "credited": 0.8, "shoutout": 1.6, "allow": 0.0, "no-show": -0.8, "alright": 0.0, "joke": -1.2,
    "throttled": -1.6, "reboots": -1.2, "crashes": -1.4, "pending": -0.6, "pilled": -1.2, "rude": -2.2,
    "unacceptable": -2.6, "gross": -2.2, "why": -0.5, "offline": -0.8, "used": 0.0,
}

_FR_INTENSIFIERS: dict[str, float] = {
    **dict.fromkeys(
        "très tres trop vraiment tellement si tant hyper ultra extrêmement extremement "
        "complètement completement totalement absolument particulièrement particulierement vachement "
        "carrément carrement franchement sacrément sacrement énormément enormement archi "
        "profondément profondement terriblement incroyablement encore toujours".split(),
        B_INCR,
    ),
    **dict.fromkeys(
        "peu légèrement legerement plutôt plutot presque moyennement".split(), B_DECR
    ),
    "un peu": B_DECR,
    "tout à fait": B_INCR,
    "du tout": B_INCR,
}

# French lexicon: "word:valence". Adjectives and participles are inflected
# automatically (feminine, plural); words marked with "=" are kept as written.
_FR_LEXICON_SOURCE = """
# complaints, airline
retard:-1.5 retards:-1.5 retardé:-1.5 annulé:-2.0 annulation:-1.7 annulations:-1.7 annuler:-1.0
annule:-1.8 annulent:-1.8 bloqué:-1.8 coincé:-1.8 perdu:-1.7 égaré:-1.5 abîmé:-1.8 cassé:-1.8
endommagé:-1.8 surbooké:-1.9 surbooking:-1.9 dérouté:-1.2 grève:-1.3 grèves:-1.3 panne:-1.5
pannes:-1.5 bug:-1.3 bugs:-1.3 galère:-2.0 galères:-2.0 galérer:-1.8 galère=:-2.0 attente:-0.6
attendre:-0.5 attends:-0.6 attendu:-0.4 remboursement:-0.3 rembourser:-0.2 remboursez:-0.3
réclamation:-0.8 plainte:-1.2 plaintes:-1.2 litige:-1.2 injoignable:-1.9 injoignables:-1.9
ignoré:-1.8 ignorez:-1.8 ignorer:-1.4 oublié:-1.2 raté:-1.6 loupé:-1.6 manqué:-1.3 volé:-2.0
facturé:-0.6 surtaxe:-1.2 arnaque:-2.7 arnaques:-2.7 arnaqué:-2.7 escroc:-2.8 escrocs:-2.8
escroquerie:-2.8 voleurs:-2.6 chaos:-2.3 bordel:-2.3 cauchemar:-2.6
catastrophe:-2.6 désastre:-2.6 fiasco:-2.5 honte:-2.5 hontes:-2.5 scandale:-2.8 scandales:-2.8
blague:-0.8 mépris:-2.3 incompétence:-2.5 amateurisme:-2.2 problème:-1.2 problèmes:-1.2 souci:-1.0
soucis:-1.0 erreur:-1.2 erreurs:-1.2 faute:-1.3 panique:-1.8 stress:-1.5 fatigue:-1.2 colère:-2.4
marre:-2.2 dégoûté:-2.4 dégouté:-2.4 écœuré:-2.4 écoeuré:-2.4 déçu:-2.0 déception:-2.1 déceptions:-2.1
énervé:-2.2 furieux/furieuse:-2.8 furax:-2.6 fâché:-1.9 agacé:-1.8 exaspéré:-2.5 excédé:-2.5 choqué:-2.2
outré:-2.5 révolté:-2.4 scandalisé:-2.8 indigné:-2.4 mécontent:-2.1 insatisfait:-2.0 triste:-1.8
inquiet/inquiète:-1.5 épuisé:-1.7 crevé:-1.3 abandonné:-2.1 lâché:-1.6 largué:-1.6
honteux/honteuse:-2.6 inadmissible:-2.9 inacceptable:-2.8 intolérable:-2.8 inexcusable:-2.7
lamentable:-2.7 pitoyable:-2.6 pathétique:-2.5 minable:-2.5 déplorable:-2.6 indigne:-2.4
ridicule:-2.0 absurde:-1.8 nul:-2.4 nulle:-2.4 nuls:-2.4 nulles:-2.4 naze:-2.0 pourri:-2.5
médiocre:-2.0 mauvais/mauvaise:-2.0 mal=:-1.5 pire:-2.7 pires:-2.7 horrible:-2.7 affreux/affreuse:-2.6
atroce:-2.8 épouvantable:-2.7 terrible:-1.8 désagréable:-2.0 impoli:-2.0 grossier/grossière:-2.0
méprisant:-2.3 incompétent:-2.5 inutile:-1.9 inefficace:-1.8 lent:-1.3 interminable:-1.8
impossible:-1.3 injuste:-2.1 abusé:-1.9 abusif/abusive:-2.1 abusives:-2.1 scandaleux/scandaleuse:-2.8
honteusement:-2.5 sale:-1.6 dégueulasse:-2.8 cher/chère:-0.8 chers:-0.8 tard:-0.6 cata:-2.3
décevant:-2.0 immangeable:-2.3 débarqué:-1.0 douceur:1.2 crédité:0.6 hélas:-1.0 malheureusement:-1.0 dommage:-1.3 zut:-1.2 merde:-2.5 putain:-2.0 bordel=:-2.3 wtf:-2.0
boycott:-1.8 boycotter:-1.8 fuir:-1.5 fuyez:-2.4 pleurer:-1.8 pleure:-1.8 pleurs:-1.8
souffrir:-2.0 peur:-1.8 dangereux/dangereuse:-2.2 danger:-1.9 risque:-1.0 froid:-0.4 sale=:-1.6
baissé:-1.0 prélever:-1.0 prélevé:-1.0 redémarre:-1.0 plante:-1.4 plantent:-1.4 coupure:-1.6 coupures:-1.6 coupé:-1.5 bridé:-1.6 lâche=:-1.2 odieux:-2.6
faux=:-1.2 fausse:-1.2 dégoûtant:-2.6 degoutant:-2.6 pourquoi:-0.5 occasion=:-0.3 bouloché:-1.2 avancé:-0.4
mensonge:-2.3 mensonges:-2.3 menteur/menteuse:-2.5 menteurs:-2.5 mentir:-2.2 menti:-2.2 bof:-1.0
# positive
merci:1.9 mercis:1.9 remercie:1.9 remercier:1.8 remerciements:2.0 bravo:2.6 félicitations:2.7
chapeau:2.0 génial:2.8 géniaux:2.8 super:2.3 top:2.2 parfait:2.7 parfaitement:2.4 excellent:2.8
excellente:2.8 formidable:2.8 magnifique:2.9 merveilleux/merveilleuse:2.9 fantastique:2.9 incroyable:2.2
extraordinaire:2.8 exceptionnel:2.7 impeccable:2.7 nickel:2.2 cool:1.5 sympa:1.8 sympathique:1.8
gentil/gentille:1.9 aimable:2.0 adorable:2.4 agréable:2.2 charmant:2.2 souriant:2.0 chaleureux/chaleureuse:2.3
accueillant:2.1 attentionné:2.2 attentif/attentive:1.9 serviable:2.3 professionnel:1.8 pro=:1.2
efficace:2.0 efficacité:2.0 rapide:1.2 rapidement:1.1 rapidité:1.5 réactif/réactive:2.0 réactivité:2.0
ponctuel:1.6 ponctualité:1.6 confortable:1.9 confort:1.6 propre:1.2 bon/bonne:1.6 bons:1.6 bien=:1.3
mieux:1.2 meilleur:2.2 meilleure:2.2 meilleurs:2.2 meilleures:2.2 beau/belle:2.0 beaux:2.0 joli:1.7
content:2.0 contente:2.0 heureux/heureuse:2.6 ravi:2.6 satisfait:2.0 soulagé:1.6 enchanté:2.4 fier/fière:2.0
rassuré:1.6 aime:2.2 aimé:2.2 adore:2.8 adoré:2.8 j'adore:2.8 love:2.8 bonheur:2.8 plaisir:2.4 joie:2.6
réussi:2.0 réussite:2.2 qualité:1.4 aide:0.4 aidé:1.7 aider:0.4 sauvé:2.2 sauveur:2.3 récompense:1.6
recommande:2.0 recommander:1.8 fidèle:1.2 fidélité:0.8 cadeau:1.8 gratuit:1.0 offert:1.2 rembourser=:-0.2
remboursé:1.0 résolu:1.6 réglé:1.4 retrouvé:1.5 chouette:2.0 trop-bien:2.4 waouh:2.2 wow:2.2 youpi:2.4
ouf:1.0 enfin:0.3 merveille:2.8 régal:2.6 félicite:2.6 magique:2.6 idéal:2.3 idéale:2.3 idéaux:2.3
courtois:1.9 patient:1.4 patience:0.8 compréhensif/compréhensive:1.9 bienveillant:2.2 remarquable:2.6
svp:0.2 stp:0.2 please:0.3 lol:1.2 mdr:1.2 ptdr:1.2 haha:1.5 hihi:1.3
"""

_FR_NEGATORS = frozenset(
    "ne n' pas jamais rien aucun aucune sans ni guère".split()
)
_FR_CONTRAST = frozenset({"mais", "cependant", "pourtant", "par contre", "toutefois"})

_EN_NEGATORS = frozenset(_vader.NEGATE) | {"nobody", "noone", "no-one"}
_EN_CONTRAST = frozenset({"but"})

_HASHTAG_SUFFIXES: tuple[tuple[str, float], ...] = (
    ("fail", -2.5), ("fails", -2.5), ("sucks", -2.3), ("shame", -2.3), ("honte", -2.5),
    ("scandale", -2.6), ("nul", -2.2), ("boycott", -2.0), ("nightmare", -2.5), ("chaos", -2.3),
    ("cauchemar", -2.5), ("galere", -2.0), ("galère", -2.0), ("love", 2.0), ("merci", 1.9),
    ("thanks", 1.9), ("bravo", 2.4), ("heroes", 2.2), ("top", 1.5),
)


def _inflect(word: str) -> list[str]:
    """French feminine and plural forms, close enough for a lexicon."""
    if word.endswith(("s", "x")):
        return [word]
    if word.endswith("é"):
        return [word, word + "e", word + "s", word + "es"]
    if word.endswith("e"):
        return [word, word + "s"]
    if word.endswith("al"):
        return [word, word + "e", word + "es", word[:-1] + "ux"]
    if word.endswith("el"):
        return [word, word + "le", word + "s", word + "les"]
    if word.endswith("if"):
        return [word, word[:-1] + "ve", word + "s", word[:-1] + "ves"]
    if word.endswith(("u", "i", "t", "d", "n", "r", "é", "ant", "ent")):
        return [word, word + "e", word + "s", word + "es"]
    return [word, word + "s"]


_ACCENTS = str.maketrans("àâäéèêëîïôöùûüçœæ", "aaaeeeeiioouuucoa")


def _build_french_lexicon() -> dict[str, float]:
    lexicon: dict[str, float] = {}
    for line in _FR_LEXICON_SOURCE.strip().splitlines():
        if line.startswith("#"):
            continue
        for entry in line.split():
            words, _, valence = entry.rpartition(":")
            value = float(valence)
            if words.endswith("="):
                forms = [words[:-1]]
            else:
                forms = []
                for word in words.split("/"):
                    forms.extend(_inflect(word))
            for form in forms:
                lexicon.setdefault(form, value)
    # People type without accents on phones; add the bare spellings unless
    # they collide with a real word already listed.
    for word, value in list(lexicon.items()):
        lexicon.setdefault(word.translate(_ACCENTS), value)
    lexicon.update(EMOTICONS)
    lexicon.update(EMOJI_VALENCE)
    for phrase, value in _FR_PHRASES.items():
        if phrase not in _FR_INTENSIFIERS and phrase not in _FR_CONTRAST:
            lexicon[phrase] = value
    return lexicon


def _build_english_lexicon() -> dict[str, float]:
    lexicon = dict(_vader.SentimentIntensityAnalyzer().lexicon)
    # Slang like "m8" (mate) collides with gates and seats (gate M8, seat 2B).
    for word in [w for w in lexicon if re.fullmatch(r"[a-z]{1,2}\d{1,4}", w)]:
        del lexicon[word]
    lexicon.update(_EN_DOMAIN)
    lexicon.update(EMOJI_VALENCE)
    for phrase, value in _EN_PHRASES.items():
        if phrase not in _vader.BOOSTER_DICT:
            lexicon[phrase] = value
    return lexicon


def _phrase_index(phrases: Sequence[str]) -> dict[str, tuple[tuple[str, ...], ...]]:
    """first word -> candidate phrases as word tuples, longest first."""
    index: dict[str, list[tuple[str, ...]]] = {}
    for phrase in phrases:
        words = tuple(tokenize(phrase.lower()))
        index.setdefault(words[0], []).append(words)
    return {first: tuple(sorted(c, key=len, reverse=True)) for first, c in index.items()}


@dataclass(frozen=True, slots=True)
class _Rules:
    lexicon: dict[str, float]
    boosters: dict[str, float]
    negators: frozenset[str]
    contrast: frozenset[str]
    phrases: dict[str, tuple[tuple[str, ...], ...]]
    # Reference VADER multiplies once per negation word in the window, so
    # "never credited, not happy" comes out positive. French "ne ... pas" is
    # one negation written with two words; both languages flip only once.
    negate_once: bool
    english: bool


def _build_rules() -> dict[str, _Rules]:
    en_boosters = dict(_vader.BOOSTER_DICT)
    french = _Rules(
        lexicon=_build_french_lexicon(),
        boosters=_FR_INTENSIFIERS,
        negators=_FR_NEGATORS,
        contrast=_FR_CONTRAST,
        phrases=_phrase_index([*_FR_PHRASES, *_FR_INTENSIFIERS, *_FR_CONTRAST]),
        negate_once=True,
        english=False,
    )
    english = _Rules(
        lexicon=_build_english_lexicon(),
        boosters=en_boosters,
        negators=_EN_NEGATORS,
        contrast=_EN_CONTRAST,
        phrases=_phrase_index([*_EN_PHRASES, *(b for b in en_boosters if " " in b)]),
        negate_once=True,
        english=True,
    )
    return {"fr": french, "en": english}


_RULES = _build_rules()


def _merge_phrases(words: list[str], lowers: list[str], rules: _Rules) -> tuple[list[str], list[str]]:
    phrases = rules.phrases
    if not any(w in phrases for w in lowers):
        return words, lowers
    out_words: list[str] = []
    out_lowers: list[str] = []
    i, n = 0, len(lowers)
    while i < n:
        candidates = phrases.get(lowers[i])
        if candidates:
            for candidate in candidates:
                size = len(candidate)
                if tuple(lowers[i : i + size]) == candidate:
                    joined = " ".join(candidate).replace("' ", "'")
                    out_words.append(joined)
                    out_lowers.append(joined)
                    i += size
                    break
            else:
                out_words.append(words[i])
                out_lowers.append(lowers[i])
                i += 1
        else:
            out_words.append(words[i])
            out_lowers.append(lowers[i])
            i += 1
    return out_words, out_lowers


def _lookup(word: str, lexicon: dict[str, float]) -> float | None:
    valence = lexicon.get(word)
    if valence is None and len(word) > 3 and STRETCHED_RE.search(word):
        # "merciiii", "nuuuul", "sooo" -> one letter, then two ("looong").
        valence = lexicon.get(STRETCHED_RE.sub(r"\1", word))
        if valence is None:
            valence = lexicon.get(STRETCHED_RE.sub(r"\1\1", word))
    if valence is None and word[0] == "#":
        tag = word[1:]
        valence = lexicon.get(tag)
        if valence is None:
            for suffix, value in _HASHTAG_SUFFIXES:
                if tag.endswith(suffix):
                    return value
    return valence


def _is_negator(word: str, rules: _Rules) -> bool:
    return word in rules.negators or (rules.english and "n't" in word)


_NUMBER_WORDS = frozenset("two three four five six deux trois quatre cinq six".split())
_DAY_UNITS = frozenset("day days week weeks month months jour jours semaine semaines mois".split())
_HOUR_UNITS = frozenset("h hours hour heures heure".split())
_SINCE = frozenset("since been for depuis fait attends".split())
_WAITING_VALENCE = -1.5


def _waited(lowers: list[str]) -> bool:
    """"3 weeks", "day 5", "depuis 3h", "four days": a count of the time the author has waited."""
    n = len(lowers)
    for i, token in enumerate(lowers):
        if token[0].isdigit():
            if token[-1] == "h" and token[:-1].isdigit():
                if i and lowers[i - 1] in _SINCE:
                    return True
                continue
            if not token.isdigit():
                continue
            following = lowers[i + 1] if i + 1 < n else ""
            if following in _DAY_UNITS:
                return True
            if following in _HOUR_UNITS and i and lowers[i - 1] in _SINCE:
                return True
            if i and lowers[i - 1] in ("day", "jour"):
                return True
        elif token in _NUMBER_WORDS and i + 1 < n and lowers[i + 1] in _DAY_UNITS:
            return True
    return False


def _compound(text: str, tokens: list[str], rules: _Rules) -> float:
    if not tokens:
        return 0.0
    words, lowers = _merge_phrases(tokens, [t.lower() for t in tokens], rules)
    lexicon = rules.lexicon
    boosters = rules.boosters
    n = len(words)
    all_caps = sum(1 for w in words if w.isupper())
    real_words = n - lowers.count(BOUNDARY)
    is_cap_diff = 0 < real_words - all_caps < real_words

    sentiments = [0.0] * n
    for i, lower in enumerate(lowers):
        if lower in boosters:
            continue
        valence = _lookup(lower, lexicon)
        if not valence:
            continue
        if rules.english:
            if lower == "no" and i < n - 1 and lowers[i + 1] in lexicon:
                continue
            if (i > 0 and lowers[i - 1] == "no") or (i > 1 and lowers[i - 2] == "no"):
                valence *= N_SCALAR
        if is_cap_diff and words[i].isupper():
            valence += C_INCR if valence > 0 else -C_INCR

        # A merged phrase ("pas de réponse", "no answer") carries its own
        # negation; the "n'" before it must not flip it back.
        phrase = " " in lower
        negations = 0
        for distance in (1, 2, 3):
            j = i - distance
            if j < 0:
                break
            previous = lowers[j]
            if previous == BOUNDARY:
                break
            if previous in lexicon:
                continue
            scalar = boosters.get(previous, 0.0)
            if scalar:
                if valence < 0:
                    scalar = -scalar
                if is_cap_diff and words[j].isupper():
                    scalar += C_INCR if valence > 0 else -C_INCR
                valence += scalar * (1.0, 0.95, 0.9)[distance - 1]
            if not phrase and _is_negator(previous, rules):
                if rules.english and previous == "never" and ("so" in lowers[j + 1 : i] or "this" in lowers[j + 1 : i]):
                    valence *= 1.25
                else:
                    negations += 1
        if negations:
            valence *= N_SCALAR if rules.negate_once else N_SCALAR**negations
        if rules.english and i > 0 and lowers[i - 1] == "least":
            if not (i > 1 and lowers[i - 2] in ("at", "very")):
                valence *= N_SCALAR
        sentiments[i] = valence

    if _waited(lowers):
        # Counting days in a mention to a brand is counting how long one has waited.
        sentiments.append(_WAITING_VALENCE)
    if is_ironic(text, lowers, sentiments):
        sentiments = [-abs(s) for s in sentiments]

    # Contrast: what follows "but"/"mais" is what the author means.
    for i, lower in enumerate(lowers):
        if lower in rules.contrast:
            for k in range(n):
                if k < i:
                    sentiments[k] *= 0.5
                elif k > i:
                    sentiments[k] *= 1.5
            break

    total = sum(sentiments)
    if total:
        exclamations = min(text.count("!"), 4) * 0.292
        questions = text.count("?")
        emphasis = exclamations + (0.0 if questions <= 1 else 0.96 if questions > 3 else questions * 0.18)
        total += emphasis if total > 0 else -emphasis
    else:
        return 0.0
    score = total / math.sqrt(total * total + 15)
    return max(-1.0, min(1.0, score))


def compound(text: str, tokens: list[str], language: str) -> float:
    """The compound score of ``text`` with the rules of ``language`` ("fr" or "en")."""
    return _compound(text, tokens, _RULES[language])
