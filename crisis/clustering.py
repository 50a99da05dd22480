"""Storm clusters: grouping near-identical short requests ("is my flight cancelled?") so that one
answer reaches everyone who asked. Pure: no database, no Django models; `crisis/services/clusters.py`
stores what this computes.

How two mentions are compared
-----------------------------
1. Normalise (`features`): URLs and @handles go, a hashtag keeps its word (#AF123 -> af123), case
   and accents are folded (annulé -> annule), a flight or booking code split by a space is joined
   ("AF 123" -> af123), the language's stop words are dropped (French: "est-ce que", "mon", "le"...;
   English: "is", "my", "the"...) together with the polite filler of complaints (svp, please,
   merci, hello), then each word is lightly stemmed (annulé/annulation/annulés -> annul,
   cancelled/canceled/cancellation -> cancel). What is left is the request's set of content words.
2. Similarity is the Jaccard index of those sets. Short texts have few words, so word sets are
   the right grain: character shingles of a ten-word tweet mostly measure shared spelling, and make
   "vol annulé ?" and "vol retardé ?" look alike.
3. MinHash + LSH banding finds the candidates without comparing a new mention to every cluster:
   a 64-value MinHash signature cut in BANDS bands of ROWS values; two sets share a band (collide in
   a bucket) with probability 1 - (1 - J^ROWS)^BANDS. With 16 bands of 4 rows the S-curve's
   midpoint is (1/16)^(1/4) = 0.5: pairs at J >= 0.6 collide with probability >= 0.87, at J >= 2/3
   >= 0.94, pairs at J <= 0.25 with <= 0.06 — candidates are then checked with the exact Jaccard of
   the two small sets, so a false candidate costs one set comparison and never merges anything.
   A new mention costs BANDS bucket look-ups and at most CANDIDATES set comparisons (those sharing the
   most buckets first): it reads the clusters that share a bucket with it (near-duplicates), never
   all of them. bench/clusters.py prints the cost with 100 to 10,000 clusters that all differ by one
   word, the worst case for buckets (a few milliseconds per mention).
4. SAME_QUESTION = 0.6 is the merge threshold, exclusive: above it, the content words are mostly
   the same request ("Mon vol AF123 est-il annulé ?" / "est ce que le vol AF123 est annulé" share
   {vol, af123, annul}: 1.0; "AF123 cancelled??" / "is flight AF123 cancelled": 2/3). At it and
   below, one request has a topic the other lacks: {vol, af123, annul, rembours} vs
   {vol, af123, annul, bagag} is 3/5 = 0.6, a refund question and a baggage question about the
   same flight, which need different answers. A mention joins the candidate cluster it matches best.

Languages are not merged. A cluster is answered with one text, personalised per person: an answer
in French to someone who asked in English is a wrong answer, so clusters are kept per language
(a mention in an undetected language is placed by its stop words, see `guess_language`).

Why not `datasketch`: it would give the same MinHash/LSH, but brings numpy and scipy into the web
and worker processes for sets of five words, where its vectorised hashing buys nothing; its LSH
index lives in memory (or Redis), while ours must live in PostgreSQL next to the clusters so that
every worker sees the same buckets. The few lines below are deterministic across processes and
Python versions (blake2b and fixed coefficients, not Python's salted `hash`).
"""

from __future__ import annotations

import hashlib
import random
import re
import struct
import unicodedata
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
# Jaccard above which two requests are the same question (see the module docstring, point 4).
SAME_QUESTION = 0.6
SUPPORTED_LANGUAGES = ("fr", "en")
# At most this many candidates are checked exactly, those sharing the most buckets first: a crisis
# with thousands of clusters that differ by one word (a flight number each) keeps a bounded cost.
CANDIDATES = 32

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<!\w)@[\w.]+")
# A flight or booking code written with a space: "AF 123", "af 1234".
_SPLIT_CODE = re.compile(r"\b([a-z]{2})\s+(\d{2,5})\b")
_WORD = re.compile(r"[a-z0-9]+")

_FRENCH_STOP = frozenset("""
a ai aie ait alors au aucun aussi aux avec avez avoir avons bah ben bien bon bonjour bonsoir c ca car ce ceci cela
celle celui ces cet cette chez ci comme comment d dans de des deja depuis dois doit donc du elle elles en encore
es est et etaient etait ete etes etre eu eux fait faire faut hein hey il ils j je jamais l la le les leur leurs lui
m ma mais me meme merci mes moi mon n ne ni non nos notre nous on ont ou oui par pas peu peut peux plus pour pourquoi
pouvez qu quand que quel quelle quelles quels qui quoi s sa sans se ses si son sont suis sur svp t ta te tes toi ton
tous tout toujours tres tu un une vais via voila vos votre vous vraiment y oh allo stp bjr slt salut coucou help
aide merci svp sil plait cc ya veux voudrais voulez aimerais savoir dire
""".split())

_ENGLISH_STOP = frozenset("""
a about again all am an and any anyone are aren as at be been being but by can could did do does doesn don dont
for from get got has have having he hello her here hey hi him his how i if im in into is isn it its just know let
me my no not now of on or our out please pls plz really right she should so some still than thank thanks that the
their them then there these they this those to too u up ur us very was wasn we were what when where which who why
will with would yes yet you your yours ok okay any anybody someone tell want wanna need guys help lol omg wtf
after before since over under because off only also even again ever already
""".split())

STOP_WORDS = {"fr": _FRENCH_STOP, "en": _ENGLISH_STOP}

# Longest first: the first suffix that leaves a stem of at least MIN_STEM letters is removed.
_SUFFIXES = {
    "fr": ("issements", "issement", "ements", "ations", "ement", "ation", "ances", "ences", "ables", "ance", "ence",
           "able", "ees", "ee", "es", "er", "ez", "e", "s", "x"),
    "en": ("ations", "ation", "ments", "ment", "ings", "ing", "ies", "ied", "ed", "es", "ly", "s"),
}
MIN_STEM = 3


def fold(text: str) -> str:
    """Lower case without accents: "Annulé" -> "annule", "Æ" -> "ae"."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c)).replace("œ", "oe").replace("æ", "ae")


def _stem(word: str, language: str) -> str:
    if any(ch.isdigit() for ch in word):
        return word  # codes and numbers are kept whole: af123, 2026
    for suffix in _SUFFIXES.get(language, ()):
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            word = word[: -len(suffix)]
            break
    # cancell(ed) -> cancel, annull -> annul: a doubled final consonant left by the suffix.
    if len(word) > MIN_STEM + 1 and word[-1] == word[-2] and word[-1] not in "aeiou":
        word = word[:-1]
    return word


def _words(text: str) -> list[str]:
    text = _HANDLE.sub(" ", _URL.sub(" ", text)).replace("#", " ")
    text = fold(text).replace("'", " ").replace("’", " ")
    text = _SPLIT_CODE.sub(r"\1\2", text)
    return _WORD.findall(text)


def guess_language(text: str) -> str:
    """"fr" or "en" by which language's stop words the text uses more; French on a tie (the desk's
    home language). Only used when the inbox's own detection gave nothing."""
    words = _words(text)
    french = sum(w in _FRENCH_STOP for w in words)
    english = sum(w in _ENGLISH_STOP for w in words)
    return "en" if english > french else "fr"


def features(text: str, language: str) -> frozenset[str]:
    """The request's content words, stemmed: what two mentions are compared on."""
    if language not in SUPPORTED_LANGUAGES:
        language = guess_language(text)
    stop = STOP_WORDS[language]
    kept = set()
    for word in _words(text):
        if word in stop or (len(word) < 2 and not word.isdigit()):
            continue
        stem = _stem(word, language)
        if stem not in stop:
            kept.add(stem)
    return frozenset(kept)


def jaccard(a: Iterable[str], b: Iterable[str]) -> float:
    a, b = set(a), set(b)
    if not a or not b:
        return 0.0
    return len(a & b) / len(a | b)


# The NUM_PERM hash functions are h_i(x) = (a_i * x + b_i) mod a Mersenne prime, over one 64-bit
# blake2b hash x of the word (the usual MinHash construction): one cryptographic hash per word
# instead of NUM_PERM. The coefficients are drawn once from a fixed seed, so every process agrees.
_PRIME = (1 << 61) - 1
_RNG = random.Random(0x5709)
_COEFFICIENTS = tuple((_RNG.randrange(1, _PRIME), _RNG.randrange(0, _PRIME)) for _ in range(NUM_PERM))


def _hash64(token: str) -> int:
    return struct.unpack("<Q", hashlib.blake2b(token.encode(), digest_size=8).digest())[0]


def signature(words: frozenset[str]) -> tuple[int, ...]:
    """MinHash: for each of NUM_PERM hash functions, the smallest hash over the words."""
    if not words:
        return ()
    hashed = [_hash64(word) for word in words]
    return tuple(min((a * x + b) % _PRIME for x in hashed) for a, b in _COEFFICIENTS)


def band_keys(words: frozenset[str], language: str) -> list[int]:
    """The LSH buckets of a request: one signed 63-bit key per band (a PostgreSQL bigint), the band's
    number and the language hashed in so that bands and languages never collide with each other."""
    sig = signature(words)
    if not sig:
        return []
    keys = []
    for band in range(BANDS):
        rows = sig[band * ROWS:(band + 1) * ROWS]
        payload = f"{language}:{band}:" + ",".join(map(str, rows))
        value = struct.unpack("<q", hashlib.blake2b(payload.encode(), digest_size=8).digest())[0]
        keys.append(value)
    return keys


def best_match(words: frozenset[str], candidates: Iterable[tuple[object, Iterable[str]]]) -> object | None:
    """Among (cluster, its words) candidates, the one this request is the same question as, best first;
    None when none passes SAME_QUESTION."""
    best, best_score = None, SAME_QUESTION
    for cluster, cluster_words in candidates:
        score = jaccard(words, cluster_words)
        if score > best_score:
            best, best_score = cluster, score
    return best


@dataclass
class ClusterIndex:
    """An in-memory index with the same rules as the stored one: for tests, benches and the drill's
    scripted checks. `add` answers the cluster number a text joins (None: nothing to compare on)."""

    buckets: dict[int, list[int]] = field(default_factory=dict)
    words: list[frozenset[str]] = field(default_factory=list)
    languages: list[str] = field(default_factory=list)
    members: list[list[str]] = field(default_factory=list)

    def add(self, text: str, language: str = "") -> int | None:
        language = language if language in SUPPORTED_LANGUAGES else guess_language(text)
        words = features(text, language)
        if not words:
            return None
        keys = band_keys(words, language)
        shared = Counter(cid for key in keys for cid in self.buckets.get(key, ()))
        ranked = sorted(shared, key=lambda cid: (-shared[cid], cid))[:CANDIDATES]
        found = best_match(words, ((cid, self.words[cid]) for cid in ranked))
        if found is None:
            found = len(self.words)
            self.words.append(words)
            self.languages.append(language)
            self.members.append([])
            for key in keys:
                self.buckets.setdefault(key, []).append(found)
        self.members[found].append(text)
        return found
