"""The crisis report on a long, busy crisis: how long the page's figures, the PDF and the CSV take.

Usage: python bench/crisis_report.py [--days 3] [--conversations 20000] [--events 2000] [--runs 5] [--keep]

It creates its own organization (unique slug per run) with a closed crisis lasting `--days`, minute
counters for every minute of it (overall and two watch topics), `--conversations` conversations in
the crisis queue (four in five answered, after 1 to 180 minutes) and `--events` timeline lines.
Then it computes the report `--runs` times, renders the PDF and the CSV, and prints the medians.

The last line is machine-readable: ``report_ms=<n> pdf_ms=<n> csv_ms=<n> conversations=<n> points=<n>``
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import django_setup, purge_organizations, quiet_query_log  # noqa: E402


def build(days: int, conversations: int, events: int, rng: random.Random):
    from accounts.models import Organization
    from crisis.mode import queue_tag
    from crisis.models import Crisis, CrisisEvent, MentionBucket
    from inbox.models import Channel, Contact, Conversation, ConversationTag, Tag

    start = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
    end = start + timedelta(days=days)
    organization = Organization.objects.create(name="Report bench", slug=f"report-bench-{uuid.uuid4().hex[:8]}")
    crisis = Crisis.objects.create(organization=organization, title="Bench storm", started_at=start,
                                   declared_at=start + timedelta(minutes=8), status="closed", closed_at=end)
    minutes = int((end - start).total_seconds() // 60)
    MentionBucket.objects.bulk_create([
        MentionBucket(organization=organization, topic_id=topic, minute=start + timedelta(minutes=m),
                      mentions=rng.randint(0, 300), negative=rng.randint(0, 100), reshares=rng.randint(0, 2000))
        for topic in (0, 1, 2) for m in range(minutes)], batch_size=5000)
    kinds = ["note", "decision", "task", "statement", "cluster_reply"]
    CrisisEvent.objects.bulk_create([
        CrisisEvent(organization=organization, crisis=crisis, at=start + timedelta(seconds=rng.randint(0, minutes * 60)),
                    kind=rng.choice(kinds), text="Bench line", data={"action": "done"}) for _ in range(events)],
        batch_size=5000)
    channel = Channel.objects.create(organization=organization, platform="x", external_account_id="bench",
                                     handle="@bench", display_name="Bench")
    contact = Contact.objects.create(organization=organization, platform="x", external_id="bench", handle="@someone",
                                     first_seen_at=start, last_seen_at=start)
    tag = Tag.objects.create(organization=organization, name=queue_tag(crisis))
    rows = []
    for n in range(conversations):
        created = start + timedelta(seconds=rng.randint(0, minutes * 60))
        answered = created + timedelta(minutes=rng.randint(1, 180)) if rng.random() < 0.8 else None
        rows.append(Conversation(organization=organization, channel=channel, contact=contact, thread_key=f"t{n}",
                                 created_at=created, last_message_at=created, first_response_at=answered,
                                 sla_target_seconds=900, sla_started_at=created,
                                 sla_breached_at=created + timedelta(minutes=15) if not answered or
                                 answered > created + timedelta(minutes=15) else None))
    made = Conversation.objects.bulk_create(rows, batch_size=5000)
    ConversationTag.objects.bulk_create([ConversationTag(organization=organization, conversation=c, tag=tag)
                                         for c in made], batch_size=5000)
    return organization, crisis


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=3)
    parser.add_argument("--conversations", type=int, default=20_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    django_setup()
    quiet_query_log()
    from crisis.report_csv import report_csv
    from crisis.report_pdf import report_pdf
    from crisis.report_views import kind_label, local_time, role_label
    from crisis.selectors import crisis_report

    organization, crisis = build(args.days, args.conversations, args.events, random.Random(args.seed))
    try:
        timings = []
        for _ in range(args.runs):
            began = time.perf_counter()
            report = crisis_report(crisis=crisis)
            timings.append(time.perf_counter() - began)
        began = time.perf_counter()
        report_pdf(report, organization_name=organization.name)
        pdf_s = time.perf_counter() - began
        began = time.perf_counter()
        report_csv(report, kind_label=kind_label, role_label=role_label, time_text=local_time)
        csv_s = time.perf_counter() - began
        print(f"report_ms={statistics.median(timings) * 1000:.0f} pdf_ms={pdf_s * 1000:.0f} csv_ms={csv_s * 1000:.0f} "
              f"conversations={report.response.conversations} points={len(report.series)}")
    finally:
        if not args.keep:
            purge_organizations([organization.pk])


if __name__ == "__main__":
    main()
