"""Throughput of inbox.classification.classify_many on generated mentions.

Usage: python bench/classify.py [--count 20000] [--seed 7] [--hints]

The ingestion budget is 3,000 mentions/s on 2 cores including database work,
so classification should stay well under ~100 µs per text on one core.
The last line is machine-readable: ``classify_per_s=<n> us_per_text=<n>``.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from inbox.classification import classify_many  # noqa: E402
from inbox.demo_texts import MentionTextGenerator  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--hints", action="store_true", help="pass the true language as a platform hint")
    parser.add_argument("--angry-share", type=float, default=0.3)
    args = parser.parse_args(argv)

    generator = MentionTextGenerator(seed=args.seed)
    mentions = generator.many(args.count, angry_share=args.angry_share)
    texts = [text for text, _ in mentions]
    hints = [language for _, language in mentions] if args.hints else None

    classify_many(texts[:200], language_hints=hints[:200] if hints else None)  # load Lingua's models

    started = time.perf_counter()
    results = classify_many(texts, language_hints=hints)
    elapsed = time.perf_counter() - started

    correct = sum(result.language == language for result, (_, language) in zip(results, mentions, strict=True))
    labels = {label: 0 for label in ("negative", "neutral", "positive")}
    for result in results:
        labels[result.sentiment_label] += 1
    per_second = len(texts) / elapsed
    print(f"texts={len(texts)} hints={'yes' if hints else 'no'} seconds={elapsed:.3f}")
    print(f"language_accuracy={correct / len(texts):.4f} labels={labels}")
    print(f"classify_per_s={per_second:.0f} us_per_text={1e6 / per_second:.1f}")


if __name__ == "__main__":
    main()
