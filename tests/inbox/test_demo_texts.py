"""The AirDemo mention generator: reproducible, varied, fast enough to benchmark with."""

from __future__ import annotations

import re
import statistics
import time

from inbox.classification import classify_many
from inbox.demo_texts import BRAND_HANDLE, MentionTextGenerator


def test_same_seed_same_stream() -> None:
    a, b = MentionTextGenerator(seed=11), MentionTextGenerator(seed=11)
    for _ in range(200):
        assert a.normal() == b.normal()
        assert a.angry() == b.angry()
        assert a.reply() == b.reply()
        assert a.author() == b.author()
        assert a.followers() == b.followers()


def test_different_seeds_differ() -> None:
    a = [MentionTextGenerator(seed=1).normal() for _ in range(1)]
    texts_a = [text for text, _ in MentionTextGenerator(seed=1).many(50)]
    texts_b = [text for text, _ in MentionTextGenerator(seed=2).many(50)]
    assert a and texts_a != texts_b


def test_about_sixty_percent_french() -> None:
    mentions = MentionTextGenerator(seed=3).many(5000, angry_share=0.3)
    french = sum(language == "fr" for _, language in mentions) / len(mentions)
    assert 0.55 <= french <= 0.65


def test_texts_are_mostly_distinct() -> None:
    generator = MentionTextGenerator(seed=4)
    normal = [generator.normal()[0] for _ in range(20_000)]
    angry = [generator.angry()[0] for _ in range(20_000)]
    assert len(set(normal)) / len(normal) > 0.8
    assert len(set(angry)) / len(angry) > 0.8


def test_texts_look_like_airline_mentions() -> None:
    texts = [text for text, _ in MentionTextGenerator(seed=5).many(3000, angry_share=0.5)]
    joined = "\n".join(texts)
    assert re.search(r"\bAD\d{3,4}\b", joined)
    for marker in ("CDG", "ORY", BRAND_HANDLE, "#AirDemoFail", "😡"):
        assert marker in joined, marker
    assert sum(BRAND_HANDLE.lower() in text.lower() for text in texts) / len(texts) > 0.6
    assert all(0 < len(text) <= 280 for text in texts)


def test_labelled_language_matches_detection() -> None:
    mentions = MentionTextGenerator(seed=6).many(2000, angry_share=0.3)
    results = classify_many([text for text, _ in mentions])
    agree = sum(r.language == language for r, (_, language) in zip(results, mentions, strict=True))
    assert agree / len(mentions) >= 0.97


def test_crisis_storm_reads_negative() -> None:
    generator = MentionTextGenerator(seed=7)
    angry = classify_many([generator.angry()[0] for _ in range(1000)])
    negative = sum(r.sentiment_label == "negative" for r in angry) / len(angry)
    assert negative >= 0.85
    normal = classify_many([generator.normal()[0] for _ in range(1000)])
    assert statistics.fmean(r.sentiment for r in angry) < statistics.fmean(r.sentiment for r in normal)


def test_replies_follow_the_thread_language() -> None:
    generator = MentionTextGenerator(seed=8)
    assert all(generator.reply(language="fr")[1] == "fr" for _ in range(50))
    assert all(generator.reply(language="en")[1] == "en" for _ in range(50))


def test_authors_are_plausible() -> None:
    generator = MentionTextGenerator(seed=9)
    authors = [generator.author() for _ in range(2000)]
    for handle, display in authors:
        assert re.fullmatch(r"[a-z0-9_]{1,15}", handle), handle
        assert display.strip()
    assert len({handle for handle, _ in authors}) > 1000


def test_followers_are_heavy_tailed() -> None:
    generator = MentionTextGenerator(seed=10)
    counts = sorted(generator.followers() for _ in range(50_000))
    median = counts[len(counts) // 2]
    assert 100 <= median <= 1000
    assert counts[int(len(counts) * 0.99)] > 20 * median
    assert counts[-1] > 500_000
    assert counts[0] >= 0


def test_fast_enough_for_benchmarks() -> None:
    generator = MentionTextGenerator(seed=12)
    started = time.perf_counter()
    for _ in range(20_000):
        generator.normal()
    rate = 20_000 / (time.perf_counter() - started)
    # 50k/s on a quiet machine; leave headroom for a busy CI box.
    assert rate > 20_000
