"""Throughput of the real ingestion pipeline (`mentions_ingest`) against PostgreSQL, beside raw COPY.

Usage: python bench/ingest.py [--count 100000] [--batch 1000] [--seed 11] [--keep] [--debug-cursor]

It creates its own organization (unique slug per run), one X channel and a few routing rules, then
pushes `--count` generated mentions through `inbox.services.mentions_ingest` in batches of
`--batch`, as a poll would: realistic French/English texts (inbox/demo_texts.py), about 20 %
replies into earlier threads (parent_external_id + thread_external_id), about 5 % items sent
again (duplicates, some inside the same batch, most in a later one). The generation of the items
is not timed; everything `mentions_ingest` does is (duplicate check, classification, contacts,
threading, routing, clocks, messages, activities, the live event).

Then it COPYs the same rows (one per stored message) into a bare table shaped like inbox_message
(primary key only, no other index, no generated search vector), created in the same database and
dropped afterwards, with psycopg 3's `cursor.copy`: the floor the pipeline is compared with.

Finally it deletes everything its organization owns, unless --keep.

The last line is machine-readable:
``mentions_per_s=<items pushed per second> copy_rows_per_s=<n> ratio=<copy_rows_per_s / mentions_per_s>``
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import django_setup, purge_organizations, quiet_query_log  # noqa: E402

REPLY_SHARE = 0.20
DUPLICATE_SHARE = 0.05
ANGRY_SHARE = 0.10


def build_items(count: int, seed: int, run: str):
    """The items to push, in arrival order (generated up front: not part of the timing)."""
    from django.utils import timezone

    from inbox.connectors.base import ItemKind, PlatformAuthor, PlatformItem
    from inbox.demo_texts import MentionTextGenerator

    generator = MentionTextGenerator(seed=seed)
    rnd = random.Random(seed + 1)
    authors = []
    for n in range(max(50, count // 4)):  # people write more than once
        handle, name = generator.author()
        authors.append(PlatformAuthor(
            external_id=f"{2_000_000_000 + n * 7919}", handle=f"@{handle}", name=name,
            avatar_url=f"https://pbs.example.com/profile_images/{n}/photo.jpg",
            followers=generator.followers(), verified=rnd.random() < 0.01,
            profile_url=f"https://x.com/{handle}",
        ))
    start = timezone.now() - timedelta(hours=6)
    step = timedelta(hours=6) / max(count, 1)
    base_id = 1_850_000_000_000_000_000 + int(run, 16) % 10**12 * 10**6
    items: list = []
    originals: list = []  # items sent for the first time
    thread_of: dict[str, str] = {}
    languages: dict[str, str] = {}
    for i in range(count):
        roll = rnd.random()
        if originals and roll < DUPLICATE_SHARE:
            # A poll and a webhook (or an overlapping page) deliver an item again, usually soon after.
            items.append(originals[max(0, len(originals) - 1 - int(rnd.expovariate(1 / 1500)))])
            continue
        external_id = str(base_id + i)
        created_at = start + step * i
        author = authors[rnd.randrange(len(authors))]
        if originals and roll < DUPLICATE_SHARE + REPLY_SHARE:
            parent = originals[max(0, len(originals) - 1 - int(rnd.expovariate(1 / 5000)))]
            thread = thread_of[parent.external_id]
            text, language = generator.reply(language=languages[parent.external_id])
            kind, parent_id = ItemKind.REPLY, parent.external_id
        else:
            thread, parent_id, kind = external_id, None, ItemKind.MENTION
            text, language = generator.angry() if rnd.random() < ANGRY_SHARE else generator.normal()
        thread_of[external_id] = thread
        languages[external_id] = language
        reach = int(rnd.expovariate(1 / 4))
        raw = {
            "id": external_id, "text": text, "author_id": author.external_id, "conversation_id": thread,
            "created_at": created_at.isoformat(), "lang": language,
            "public_metrics": {"retweet_count": reach // 3, "like_count": reach, "reply_count": 0},
        }
        if parent_id:
            raw["referenced_tweets"] = [{"type": "replied_to", "id": parent_id}]
        item = PlatformItem(
            external_id=external_id, kind=kind, text=text, author=author, created_at=created_at,
            thread_external_id=thread, parent_external_id=parent_id,
            url=f"https://x.com/{author.handle.lstrip('@')}/status/{external_id}",
            language_hint=language if rnd.random() < 0.8 else "", reach=reach, raw=raw,
        )
        items.append(item)
        originals.append(item)
    return items, originals


def set_up_organization(run: str):
    from accounts.models import Organization, Team
    from inbox.models import Channel, RoutingRule, Tag

    organization = Organization.objects.create(name=f"Bench ingest {run}", slug=f"bench-ingest-{run}")
    channel = Channel.objects.create(
        organization=organization, platform="x", external_account_id=f"99{int(run, 16) % 10**9}",
        handle="@AirDemo", display_name="AirDemo",
    )
    billing = Team.objects.create(organization=organization, name="Billing")
    care = Team.objects.create(organization=organization, name="Customer care")
    refund = Tag.objects.create(organization=organization, name="refund")
    baggage = Tag.objects.create(organization=organization, name="baggage")
    rules = [
        ("Refunds", {"keywords": ["remboursement", "refund", "rembourser"]}, billing, [refund], None),
        ("Baggage", {"keywords": ["valise", "bagage", "bag", "luggage"]}, care, [baggage], None),
        ("Angry influencers", {"sentiment_below": -0.5, "min_followers": 10000}, None, [], 3),
    ]
    for position, (name, conditions, team, tags, priority) in enumerate(rules):
        rule = RoutingRule.objects.create(organization=organization, name=name, position=position,
                                          conditions=conditions, team=team, priority=priority)
        rule.tags.set(tags)
    return organization, channel


def copy_rows(originals, organization_id: int, channel_id: int) -> list[tuple]:
    from django.utils import timezone

    now = timezone.now()
    return [
        (organization_id, channel_id, "in", item.kind, "x", item.external_id, item.parent_external_id or "",
         item.thread_external_id, item.text, item.url, item.author.external_id, item.author.handle,
         item.created_at, now, item.language_hint, 0.0, item.raw)
        for item in originals
    ]


COPY_COLUMNS = ("organization_id, channel_id, direction, kind, platform, external_id, parent_external_id, "
                "thread_external_id, text, url, author_external_id, author_handle, created_at, received_at, "
                "language, sentiment, raw")


def copy_benchmark(rows: list[tuple], table: str, *, search_vector: bool) -> float:
    """Rows per second of one COPY (and its commit) into a fresh table shaped like inbox_message."""
    from django.db import connection
    from psycopg.types.json import Jsonb

    generated = (
        ", search_vector tsvector GENERATED ALWAYS AS "
        "(to_tsvector('vigie_fr'::regconfig, text) || to_tsvector('vigie_en'::regconfig, text)) STORED"
        if search_vector else ""
    )
    connection.ensure_connection()
    pg = connection.connection
    with pg.cursor() as cursor:
        cursor.execute(f"""
            CREATE TABLE {table} (
                id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                organization_id bigint NOT NULL, channel_id bigint NOT NULL, direction varchar(3) NOT NULL,
                kind varchar(20) NOT NULL, platform varchar(16) NOT NULL, external_id varchar(300),
                parent_external_id varchar(300) NOT NULL, thread_external_id varchar(300) NOT NULL,
                text text NOT NULL, url varchar(500) NOT NULL, author_external_id varchar(200) NOT NULL,
                author_handle varchar(200) NOT NULL, created_at timestamptz NOT NULL,
                received_at timestamptz NOT NULL, language varchar(8) NOT NULL, sentiment double precision NOT NULL,
                raw jsonb NOT NULL{generated}
            )""")
    try:
        started = time.perf_counter()
        with pg.transaction(), pg.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({COPY_COLUMNS}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row((*row[:-1], Jsonb(row[-1])))
        elapsed = time.perf_counter() - started
        with pg.cursor() as cursor:
            stored = cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
        assert stored == len(rows), (stored, len(rows))
    finally:
        with pg.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")
    return len(rows) / elapsed


def ingest_worker(index: int, args, start_barrier, results) -> None:
    """One ingestion worker (as a Celery worker process would be): its own organization, channel and
    mentions, pushed batch after batch once every worker is ready."""
    django_setup()
    if not args.debug_cursor:
        quiet_query_log()
    from django.db import connection

    from inbox.classification import classify_many
    from inbox.services import mentions_ingest

    run = uuid.uuid4().hex[:10]
    items, originals = build_items(args.count // args.workers, args.seed + index, run)
    classify_many([item.text for item in originals[:200]])  # loads the language models: not timed
    organization, channel = set_up_organization(run)
    totals = {"created": 0, "duplicates": 0, "dead": 0, "new_conversations": 0, "reopened": 0, "latencies": []}
    start_barrier.wait()
    started = time.perf_counter()
    for offset in range(0, len(items), args.batch):
        batch_started = time.perf_counter()
        result = mentions_ingest(channel=channel, items=items[offset:offset + args.batch])
        totals["latencies"].append(time.perf_counter() - batch_started)
        totals["created"] += result.created
        totals["duplicates"] += result.duplicates
        totals["dead"] += result.dead_letters
        totals["new_conversations"] += len(result.new_conversation_ids)
        totals["reopened"] += len(result.reopened_conversation_ids)
    totals.update(elapsed=time.perf_counter() - started, items=len(items), unique=len(originals),
                  organization_id=organization.pk, channel_id=channel.pk, slug=organization.slug)
    connection.close()
    results.put(totals)


def main(argv: list[str] | None = None) -> None:
    import multiprocessing

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000, help="items pushed, duplicates included")
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=2,
                        help="ingestion workers at once, each for its own organization (make run's worker has 2)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--keep", action="store_true", help="keep the organizations and their rows")
    parser.add_argument("--debug-cursor", action="store_true",
                        help="keep DEBUG's in-memory SQL log (slower; off by default, as in production)")
    args = parser.parse_args(argv)

    django_setup()
    if not args.debug_cursor:
        quiet_query_log()
    from django.db import connection

    from inbox.models import Activity, Contact, Conversation, Message

    connection.close()  # no connection crosses into the worker processes
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(args.workers + 1)
    results = context.Queue()
    workers = [context.Process(target=ingest_worker, args=(i, args, barrier, results)) for i in range(args.workers)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    outcomes = [results.get() for _ in workers]
    elapsed = time.perf_counter() - started
    for worker in workers:
        worker.join()

    pushed = sum(o["items"] for o in outcomes)
    mentions_per_s = pushed / elapsed
    organization_ids = [o["organization_id"] for o in outcomes]
    try:
        for outcome in outcomes:
            organization_id = outcome["organization_id"]
            messages = Message.objects.for_organization(organization_id).count()
            assert messages == outcome["created"] == outcome["unique"], (messages, outcome["created"], outcome["unique"])
            assert outcome["duplicates"] == outcome["items"] - outcome["unique"], outcome["duplicates"]
            latencies = sorted(outcome["latencies"])
            print(f"worker {outcome['slug']}: items={outcome['items']} elapsed_s={outcome['elapsed']:.2f} "
                  f"batch_ms_p50={statistics.median(latencies) * 1000:.0f} "
                  f"batch_ms_p95={latencies[int(0.95 * (len(latencies) - 1))] * 1000:.0f} "
                  f"messages_created={outcome['created']} duplicates_detected={outcome['duplicates']} "
                  f"dead_letters={outcome['dead']} conversations_created={outcome['new_conversations']}")
        threaded = sum(Message.objects.for_organization(i).exclude(parent_external_id="").count() for i in organization_ids)
        contacts = sum(Contact.objects.for_organization(i).count() for i in organization_ids)
        activities = sum(Activity.objects.for_organization(i).count() for i in organization_ids)
        conversations = sum(Conversation.objects.for_organization(i).count() for i in organization_ids)
        created = sum(o["created"] for o in outcomes)
        print(f"workers={args.workers} batch={args.batch} elapsed_s={elapsed:.2f} replies_stored={threaded} "
              f"conversations={conversations} contacts={contacts} activities={activities}")
        print(f"created_per_s={created / elapsed:.0f} (items pushed per second, duplicates included: "
              f"{mentions_per_s:.0f})")

        _, originals = build_items(args.count, args.seed, uuid.uuid4().hex[:10])
        rows = copy_rows(originals[:created], organization_ids[0], outcomes[0]["channel_id"])
        table_suffix = f"{uuid.uuid4().hex[:10]}_{organization_ids[0]}"
        copy_per_s = copy_benchmark(rows, f"bench_copy_{table_suffix}", search_vector=False)
        copy_tsv_per_s = copy_benchmark(rows, f"bench_copy_tsv_{table_suffix}", search_vector=True)
        print(f"copy_rows={len(rows)} copy_rows_per_s={copy_per_s:.0f} "
              f"copy_with_generated_search_vector_rows_per_s={copy_tsv_per_s:.0f}")
    finally:
        if args.keep:
            print(f"kept organizations {organization_ids}")
        else:
            t0 = time.perf_counter()
            purge_organizations(organization_ids)
            print(f"cleaned up organizations {organization_ids} in {time.perf_counter() - t0:.1f}s")
        connection.close()

    print(f"mentions_per_s={mentions_per_s:.0f} copy_rows_per_s={copy_per_s:.0f} "
          f"ratio={copy_per_s / mentions_per_s:.1f}")


if __name__ == "__main__":
    main()
