"""Storm clustering cost per mention, as clusters pile up: it must not grow like their number.

Pure (crisis/clustering.py's in-memory index, the same rules as the stored one): normalisation,
MinHash, LSH look-up and the exact check. Prints the time per mention with few and with many
clusters, all asking about a different flight (they share buckets: the worst case for LSH).
`python bench/clusters.py`
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from crisis.clustering import ClusterIndex  # noqa: E402

WORDS = ("vol retard annulation bagage remboursement correspondance hotel repas escale porte siege billet "
         "equipage meteo greve avion aeroport valise carte fidelite surclassement").split()


def _distinct_question(rng: random.Random, n: int) -> str:
    return f"AF{n:04d} {' '.join(rng.sample(WORDS, 3))} ?"


def per_mention(clusters: int, mentions: int = 2000) -> float:
    rng = random.Random(clusters)
    index = ClusterIndex()
    for n in range(clusters):
        index.add(_distinct_question(rng, n), "fr")
    questions = [f"Mon vol AF{rng.randrange(clusters):04d} est-il annulé ?" for _ in range(mentions)]
    started = time.perf_counter()
    for text in questions:
        index.add(text, "fr")
    return (time.perf_counter() - started) / mentions


if __name__ == "__main__":
    for count in (100, 1_000, 10_000):
        print(f"clusters={count} per_mention_us={per_mention(count) * 1e6:.0f}")
