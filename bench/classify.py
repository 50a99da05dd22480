"""Accuracy and speed of inbox.classification on the labelled mentions of bench/data/.

Usage: python bench/classify.py [--show-errors] [--repeat 50]

The set (bench/data/mentions_{en,fr}.tsv, described in bench/README.md) is split once and for
all by a hash of each text: a third is held out and only ever scored, never shown; the rules
are tuned on the other two thirds (``--show-errors`` lists the tuning part's mistakes only).
Speed is classify_many over the whole set, repeated, on one core, Lingua's models loaded first,
in CPU time of the process (the wall time, which counts other processes too, is printed above).
The last line is machine-readable:
``sentiment_accuracy=<n> needs_answer_accuracy=<n> per_item_us=<n>`` (whole set).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import time
import zlib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox.classification import classify_many  # noqa: E402

DATA = Path(__file__).resolve().parent / "data"


@dataclass(frozen=True)
class Labelled:
    language: str
    sector: str
    sentiment: str
    needs_answer: bool
    text: str

    @property
    def held_out(self) -> bool:
        # A fixed hash, not random.shuffle: the same third stays hidden on every run and machine.
        return zlib.crc32(self.text.encode()) % 3 == 0


def load() -> list[Labelled]:
    items: list[Labelled] = []
    for path in sorted(DATA.glob("mentions_*.tsv")):
        with path.open(encoding="utf-8", newline="") as handle:
            for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
                items.append(Labelled(row["lang"], row["sector"], row["sentiment"], row["needs_answer"] == "yes",
                                      row["text"]))
    return items


def accuracy(items: list[Labelled], results) -> tuple[float, float]:
    if not items:
        return 0.0, 0.0
    sentiment = sum(r.sentiment_label == i.sentiment for i, r in zip(items, results, strict=True))
    answer = sum(r.needs_answer == i.needs_answer for i, r in zip(items, results, strict=True))
    return sentiment / len(items), answer / len(items)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show-errors", action="store_true", help="list mistakes on the tuning part only")
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)

    items = load()
    texts = [item.text for item in items]
    results = classify_many(texts)  # also loads Lingua's models

    # CPU time of this process: on a shared machine, wall time also counts the others' work.
    started, started_wall = time.process_time(), time.perf_counter()
    for _ in range(args.repeat):
        classify_many(texts)
    runs = args.repeat * len(texts)
    per_item_us = (time.process_time() - started) / runs * 1e6
    wall_us = (time.perf_counter() - started_wall) / runs * 1e6

    tuning = [(i, r) for i, r in zip(items, results, strict=True) if not i.held_out]
    held = [(i, r) for i, r in zip(items, results, strict=True) if i.held_out]
    if args.show_errors:
        for item, result in tuning:
            if result.sentiment_label != item.sentiment or result.needs_answer != item.needs_answer:
                print(f"{item.sentiment:>8}/{result.sentiment_label:<8} {result.sentiment:+.2f} "
                      f"answer {item.needs_answer!s:>5}/{result.needs_answer!s:<5} {item.text}")
    for name, part in (("tuning", tuning), ("held_out", held)):
        s, a = accuracy([i for i, _ in part], [r for _, r in part])
        print(f"{name}: items={len(part)} sentiment_accuracy={s:.3f} needs_answer_accuracy={a:.3f}")
    for language in ("fr", "en"):
        part = [(i, r) for i, r in zip(items, results, strict=True) if i.language == language]
        s, a = accuracy([i for i, _ in part], [r for _, r in part])
        print(f"{language}: items={len(part)} sentiment_accuracy={s:.3f} needs_answer_accuracy={a:.3f}")
    print(f"wall_us_per_item={wall_us:.1f} load_average={os.getloadavg()[0]:.1f}")
    s, a = accuracy(items, results)
    print(f"sentiment_accuracy={s:.3f} needs_answer_accuracy={a:.3f} per_item_us={per_item_us:.1f}")


if __name__ == "__main__":
    main()
