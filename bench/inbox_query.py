"""Latency of the inbox list and full-text search on a large organization, against PostgreSQL.

Usage: python bench/inbox_query.py [--conversations 1000000] [--others 200000] [--rebuild]
                                   [--runs 200] [--warmup 20] [--search-runs 20]

Build (once): organization "bench-inbox-a" with --conversations conversations, and two neighbours
("bench-inbox-b", "bench-inbox-c") with --others each, so every query also has to skip other
tenants' rows. Each organization has 5 channels (one per platform), agents, teams, tags, contacts,
and every conversation at least one message (about 1.6 per conversation: follow-ups and agents'
answers), with realistic French/English texts (inbox/demo_texts.py) scored by the real sentiment
rules. Status mix: 85 % closed, 10 % new/open, 5 % pending/snoozed; assignees, teams, tags,
priorities, languages, first-response clocks; last_message_at over the last 90 days (active
conversations skewed to the last days). The rows are written in bulk with INSERT ... SELECT
generate_series (texts staged with COPY), secondary indexes dropped during the load and rebuilt
after, then VACUUM ANALYZE. A marker (the organization's name) lets the next run skip the build;
--rebuild forces it.

Measure: p50/p95 over --runs runs (after --warmup) of the first page (50) of the list, evaluated
through `conversation_list(...)` + `conversation_list_page(...)` (tags prefetched), for the
common filters; then the full-text search (`ConversationFilters(q=...)`, default view) over
French and English words, common and rare, --search-runs runs each.

The last line is machine-readable: ``list_p95_ms=<worst list p95> search_p95_ms=<p95 of all searches>``
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import django_setup, purge_organizations, quiet_query_log  # noqa: E402

SLUGS = ("bench-inbox-a", "bench-inbox-b", "bench-inbox-c")
PLATFORMS = ("x", "facebook", "instagram", "mastodon", "bluesky")
TEAMS = ("Service client", "Bagages", "Remboursements", "Réseaux sociaux", "Escalades")
TAGS = ("remboursement", "bagages", "retard", "annulation", "réservation", "fidélité", "application",
        "enregistrement", "presse", "influenceur", "VIP", "réclamation", "compliment", "assistance", "animaux",
        "enfants", "wifi", "repas", "siège", "correspondance")
AGENT_REPLIES_FR = (
    "Bonjour, nous sommes désolés pour ce désagrément. Pouvez-vous nous envoyer votre référence de réservation en message privé ?",
    "Bonjour, merci pour votre message. Nous transmettons à nos équipes et revenons vers vous rapidement.",
    "Bonjour, votre dossier bagage est bien enregistré, le suivi est disponible sur notre site.",
    "Merci pour ce retour, nous le partageons avec l'équipage ! Bon voyage avec AirDemo.",
    "Bonjour, le remboursement a été validé et sera visible sous 7 jours ouvrés.",
    "Bonjour, nous comprenons votre frustration. Un conseiller vous contacte par message privé.",
)
AGENT_REPLIES_EN = (
    "Hi, we're sorry about this. Could you DM us your booking reference so we can look into it?",
    "Thanks for reaching out, we've passed this on to our team and will get back to you shortly.",
    "Hi, your baggage claim is registered; you can follow it on our website.",
    "Thanks for the kind words, we'll share them with the crew! Enjoy your trip with AirDemo.",
    "Hi, your refund has been approved and should show within 7 working days.",
)
SEARCHES = (  # (query, language, how common)
    ("retard", "fr", "common"), ("valise", "fr", "common"), ("remboursement", "fr", "common"),
    ("annulé", "fr", "common"), ("valise perdue", "fr", "common"), ("poussette", "fr", "rare"),
    ("surclassement", "fr", "rare"), ("chat en cabine", "fr", "rare"), ("hôtesse", "fr", "rare"),
    ("wifi", "fr", "rare"), ("delayed", "en", "common"), ("refund", "en", "common"), ("bag", "en", "common"),
    ("cancelled flight", "en", "common"), ("stroller", "en", "rare"), ("lounge", "en", "rare"),
    ("overbooked", "en", "rare"), ("stranded", "en", "rare"), ("AD4242", "-", "rare"), ("Lisbonne", "fr", "rare"),
)
REPLY_TEXTS = 200_000
SECONDARY_TABLES = ("inbox_contact", "inbox_conversation", "inbox_conversationtag", "inbox_message")


def connection_pg():
    from django.db import connection

    connection.ensure_connection()
    return connection.connection


def built(conversations: int, others: int) -> bool:
    from accounts.models import Organization

    names = dict(Organization.objects.filter(slug__in=SLUGS).values_list("slug", "name"))
    return names.get(SLUGS[0]) == marker(conversations, others)


def marker(conversations: int, others: int) -> str:
    return f"Bench inbox A [{conversations}+2x{others} complete]"


def restore_dropped_indexes(pg) -> None:
    """Recreate the indexes a previous, interrupted build dropped (kept in bench_dropped_index)."""
    with pg.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_dropped_index (name text PRIMARY KEY, definition text)")
        rows = cursor.execute("SELECT name, definition FROM bench_dropped_index").fetchall()
        if rows:
            cursor.execute("SET maintenance_work_mem = '1GB'")
            cursor.execute("SET max_parallel_maintenance_workers = 2")
        for name, definition in rows:
            started = time.perf_counter()
            exists = cursor.execute("SELECT 1 FROM pg_class WHERE relname = %s", [name]).fetchone()
            if not exists:
                cursor.execute(definition)
            cursor.execute("DELETE FROM bench_dropped_index WHERE name = %s", [name])
            print(f"  index {name} rebuilt in {time.perf_counter() - started:.1f}s", flush=True)
        cursor.execute("DROP TABLE bench_dropped_index")


def drop_secondary_indexes(pg) -> None:
    """Drop the indexes that back no constraint on the big tables (recorded first, rebuilt after)."""
    with pg.cursor() as cursor:
        cursor.execute("CREATE TABLE IF NOT EXISTS bench_dropped_index (name text PRIMARY KEY, definition text)")
        rows = cursor.execute(
            """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
               WHERE t.relname = ANY(%s) AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.oid)""",
            [list(SECONDARY_TABLES)],
        ).fetchall()
        for name, definition in rows:
            cursor.execute("INSERT INTO bench_dropped_index VALUES (%s, %s) ON CONFLICT DO NOTHING", [name, definition])
    with pg.cursor() as cursor:
        for name, _ in rows:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
    print(f"  dropped {len(rows)} secondary indexes for the load", flush=True)


def generate_texts(pg, main_count: int) -> None:
    """COPY the texts into an unlogged staging table: n < main_count openings, then replies."""
    from inbox.classification import score_sentiment
    from inbox.demo_texts import MentionTextGenerator

    started = time.perf_counter()
    generator = MentionTextGenerator(seed=20261122)
    rnd = random.Random(5)
    with pg.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_text")
        cursor.execute("CREATE UNLOGGED TABLE bench_text (n int PRIMARY KEY, text text NOT NULL, "
                       "language varchar(8) NOT NULL, sentiment float8 NOT NULL)")
        with cursor.copy("COPY bench_text (n, text, language, sentiment) FROM STDIN") as copy:
            for n in range(main_count + REPLY_TEXTS):
                if n < main_count:
                    text, language = generator.angry() if rnd.random() < 0.1 else generator.normal()
                else:
                    text, language = generator.reply()
                copy.write_row((n, text, language, score_sentiment(text, language)))
    print(f"  texts: {main_count + REPLY_TEXTS} generated, scored and copied in {time.perf_counter() - started:.1f}s",
          flush=True)


def create_organizations(conversations: int, others: int):
    """Organizations, agents, teams, tags, channels: few rows, through the ORM."""
    from django.utils import timezone

    from accounts.models import Membership, Organization, Team, TeamMember, User
    from inbox.models import Channel, Tag

    made = []
    for index, (slug, count) in enumerate(zip(SLUGS, (conversations, others, others), strict=True)):
        organization = Organization.objects.create(name=f"Bench inbox {slug[-1].upper()} (building)", slug=slug)
        agents = 40 if index == 0 else 10
        users = [User(email=f"agent{n}@{slug}.bench.invalid", full_name=f"Agent {n} {slug[-1].upper()}")
                 for n in range(agents)]
        for user in users:
            user.set_unusable_password()
        users = User.objects.bulk_create(users)
        Membership.objects.bulk_create([Membership(organization=organization, user=u) for u in users])
        teams = Team.objects.bulk_create([Team(organization=organization, name=name) for name in TEAMS])
        TeamMember.objects.bulk_create([
            TeamMember(organization=organization, team=teams[n % len(teams)], user=user) for n, user in enumerate(users)])
        tags = Tag.objects.bulk_create([Tag(organization=organization, name=name) for name in TAGS])
        channels = Channel.objects.bulk_create([
            Channel(organization=organization, platform=platform, external_account_id=f"{slug}-{platform}",
                    handle="@AirDemo", display_name="AirDemo", created_at=timezone.now())
            for platform in PLATFORMS])
        made.append({
            "organization": organization, "count": count, "contacts": max(5, count * 3 // 5 // 5 * 5),
            "agents": [u.pk for u in users], "teams": [t.pk for t in teams], "tags": [t.pk for t in tags],
            "channels": [c.pk for c in channels], "text_offset": index * 333_331,
        })
    return made


CONTACTS_SQL = """
INSERT INTO inbox_contact (organization_id, platform, external_id, handle, name, avatar_url, profile_url, followers,
                           verified, person_id, notes, first_seen_at, last_seen_at)
SELECT %(org)s, (%(platforms)s::text[])[1 + k %% 5], 'bc' || k, '@client' || k, 'Client ' || k, '', '',
       floor(exp(random() * 9))::int, random() < 0.01, NULL, '',
       %(now)s - (90 + random() * 300) * interval '1 day', %(now)s - random() * interval '90 days'
FROM generate_series(0, %(contacts)s - 1) AS k
"""

CONVERSATIONS_SQL = """
WITH base AS (
    SELECT g, random() AS rs, random() AS rp, random() AS ra, random() AS rt, random() AS rl, random() AS rf,
           random() AS rr, t.text, t.language, t.sentiment,
           5 * ((g::bigint * 7919) %% (%(contacts)s / 5)) + g %% 5 AS contact_k
    FROM generate_series(0, %(count)s - 1) AS g
    JOIN bench_text t ON t.n = (g + %(text_offset)s) %% %(main_texts)s
), shaped AS (
    SELECT *,
        CASE WHEN rs < 0.85 THEN 'closed' WHEN rs < 0.91 THEN 'open' WHEN rs < 0.95 THEN 'new'
             WHEN rs < 0.98 THEN 'pending' ELSE 'snoozed' END AS status,
        CASE WHEN rp < 0.08 THEN 0 WHEN rp < 0.75 THEN 1 WHEN rp < 0.93 THEN 2 ELSE 3 END AS priority,
        (g * 13) %% 10 < 3 AS has_reply
    FROM base
), timed AS (
    SELECT *,
        %(now)s - CASE status WHEN 'closed' THEN rl * interval '90 days' WHEN 'new' THEN rl ^ 3 * interval '14 days'
                              WHEN 'open' THEN rl ^ 2 * interval '30 days' ELSE rl * interval '14 days' END AS last_at,
        (ARRAY[28800, 7200, 3600, 1800])[priority + 1] AS target,
        status = 'closed' OR (status = 'open' AND g %% 2 = 0) AS answered,
        status = 'closed' AND (g * 17) %% 10 < 4 AS has_out
    FROM shaped
), clocked AS (
    SELECT *, CASE WHEN has_reply OR has_out THEN last_at - rr * interval '1 day' ELSE last_at END AS created
    FROM timed
), answered AS (
    SELECT *, CASE WHEN answered THEN created + rf * 1.5 * target * interval '1 second' END AS first_response,
              created + target * interval '1 second' AS due
    FROM clocked
)
INSERT INTO inbox_conversation (
    organization_id, channel_id, contact_id, thread_key, is_private, status, snoozed_until, assignee_id, team_id,
    priority, language, sentiment, preview, context_text, message_count, reach, created_at, last_message_at,
    last_inbound_at, first_response_at, closed_at, sla_target_seconds, sla_started_at, sla_elapsed_seconds,
    sla_running_since, sla_paused_at, sla_stopped_at, sla_due_at, sla_breached_at, updated_at, search_text)
SELECT %(org)s, (%(channels)s::bigint[])[1 + g %% 5], ct.id, 'bench:' || g, (g * 29) %% 10 = 0, status,
    CASE WHEN status = 'snoozed' THEN %(now)s + rf * interval '3 days' END,
    CASE WHEN status = 'closed' OR ra < 0.7
         THEN (%(agents)s::bigint[])[1 + (g * 7) %% cardinality(%(agents)s::bigint[])] END,
    CASE WHEN rt < 0.8 THEN (%(teams)s::bigint[])[1 + g %% cardinality(%(teams)s::bigint[])] END,
    priority, language, sentiment, left(text, 280), '', 1 + has_reply::int + has_out::int,
    floor(exp(rr * 6))::int, created, last_at, last_at, first_response,
    CASE WHEN status = 'closed' THEN least(last_at + interval '10 minutes', %(now)s) END,
    target, created,
    CASE WHEN answered THEN extract(epoch FROM first_response - created)
         WHEN status IN ('pending', 'snoozed') THEN rf * 0.8 * target ELSE 0 END,
    CASE WHEN status IN ('new', 'open') AND NOT answered THEN created END,
    CASE WHEN status IN ('pending', 'snoozed') THEN last_at END,
    first_response,
    CASE WHEN status NOT IN ('pending', 'snoozed') THEN due END,
    CASE WHEN answered AND first_response > due THEN due
         WHEN status IN ('new', 'open') AND NOT answered AND due < %(now)s THEN due END,
    last_at, text
FROM answered
JOIN inbox_contact ct ON ct.organization_id = %(org)s AND ct.platform = (%(platforms)s::text[])[1 + g %% 5]
                     AND ct.external_id = 'bc' || contact_k
"""

MESSAGE_COLUMNS = """organization_id, conversation_id, channel_id, direction, kind, platform, external_id,
    parent_external_id, is_private, text, url, author_contact_id, author_user_id, created_at, received_at, language,
    sentiment, raw, state, idempotency_key, error, error_code, attempts, send_started_at, sent_at"""

CONVERSATION_ROWS = """(SELECT c.*, substr(c.thread_key, 7)::int AS g, ch.platform AS channel_platform
                        FROM inbox_conversation c JOIN inbox_channel ch ON ch.id = c.channel_id
                        WHERE c.organization_id = %(org)s) AS c"""

FIRST_MESSAGES_SQL = f"""
INSERT INTO inbox_message ({MESSAGE_COLUMNS})
SELECT c.organization_id, c.id, c.channel_id, 'in', CASE WHEN c.is_private THEN 'private_message' ELSE 'mention' END,
       c.channel_platform, 'bm' || c.g, '', c.is_private, t.text, '', c.contact_id, NULL, c.created_at, c.created_at,
       t.language, t.sentiment, '{{}}'::jsonb, '', gen_random_uuid(), '', '', 0, NULL, NULL
FROM {CONVERSATION_ROWS}
JOIN bench_text t ON t.n = (c.g + %(text_offset)s) %% %(main_texts)s
"""

REPLY_MESSAGES_SQL = f"""
INSERT INTO inbox_message ({MESSAGE_COLUMNS})
SELECT c.organization_id, c.id, c.channel_id, 'in', CASE WHEN c.is_private THEN 'private_message' ELSE 'reply' END,
       c.channel_platform, 'bm' || c.g || 'r', 'bm' || c.g, c.is_private, t.text, '', c.contact_id, NULL,
       c.last_message_at, c.last_message_at, t.language, t.sentiment, '{{}}'::jsonb, '', gen_random_uuid(), '', '', 0,
       NULL, NULL
FROM {CONVERSATION_ROWS}
JOIN bench_text t ON t.n = %(main_texts)s + (c.g + %(text_offset)s) %% {REPLY_TEXTS}
WHERE (c.g * 13) %% 10 < 3
"""

# What ingestion does for a follow-up: its text joins the conversation's searchable text.
FOLLOW_UP_SEARCH_SQL = """
UPDATE inbox_conversation AS c SET search_text = c.search_text || E'\\n' || m.text
FROM inbox_message AS m
WHERE c.organization_id = %(org)s AND m.organization_id = %(org)s AND m.conversation_id = c.id
  AND m.direction = 'in' AND m.parent_external_id <> ''
"""

AGENT_MESSAGES_SQL = f"""
INSERT INTO inbox_message ({MESSAGE_COLUMNS})
SELECT c.organization_id, c.id, c.channel_id, 'out', CASE WHEN c.is_private THEN 'private_message' ELSE 'reply' END,
       c.channel_platform, 'bm' || c.g || 'o', 'bm' || c.g, c.is_private,
       CASE WHEN c.language = 'fr' THEN (%(replies_fr)s::text[])[1 + c.g %% cardinality(%(replies_fr)s::text[])]
            ELSE (%(replies_en)s::text[])[1 + c.g %% cardinality(%(replies_en)s::text[])] END,
       '', NULL, c.assignee_id, c.first_response_at, c.first_response_at, c.language, 0.3, '{{}}'::jsonb, 'sent',
       gen_random_uuid(), '', '', 1, c.first_response_at, c.first_response_at
FROM {CONVERSATION_ROWS}
WHERE c.status = 'closed' AND (c.g * 17) %% 10 < 4
"""

TAGS_SQL = """
INSERT INTO inbox_conversationtag (organization_id, conversation_id, tag_id)
SELECT c.organization_id, c.id, (%(tags)s::bigint[])[1 + tag_index]
FROM (SELECT c.id, c.organization_id, substr(c.thread_key, 7)::int AS g, random() AS r FROM inbox_conversation c
      WHERE c.organization_id = %(org)s) AS c
CROSS JOIN LATERAL (
    SELECT floor(20 * ((c.g * 0.6180339887) %% 1) ^ 2)::int AS tag_index WHERE c.r < 0.45
    UNION ALL
    SELECT (floor(20 * ((c.g * 0.6180339887) %% 1) ^ 2)::int + 1 + c.g %% 19) %% 20 WHERE c.r < 0.10
) AS picked
"""


def check_columns(pg) -> None:
    """Fail early and clearly if a model gained a NOT NULL column the build does not fill."""
    filled = {
        "inbox_contact": CONTACTS_SQL, "inbox_conversation": CONVERSATIONS_SQL, "inbox_message": FIRST_MESSAGES_SQL,
    }
    with pg.cursor() as cursor:
        for table, sql in filled.items():
            rows = cursor.execute(
                """SELECT column_name FROM information_schema.columns WHERE table_name = %s AND is_nullable = 'NO'
                   AND column_default IS NULL AND is_generated = 'NEVER' AND is_identity = 'NO'""", [table],
            ).fetchall()
            head = sql.split("SELECT", 1)[0] if table != "inbox_conversation" else sql.split("INSERT INTO", 1)[1]
            missing = [name for (name,) in rows if name not in head]
            if missing:
                raise SystemExit(f"{table} has NOT NULL columns the build does not fill: {missing}")


def build(conversations: int, others: int) -> None:
    from django.db import connection
    from django.utils import timezone

    from accounts.models import Organization, User

    started = time.perf_counter()
    print(f"building {conversations} conversations (+2 x {others} beside them)...", flush=True)
    pg = connection_pg()
    restore_dropped_indexes(pg)
    check_columns(pg)
    old = list(Organization.objects.filter(slug__in=SLUGS).values_list("pk", flat=True))
    if old:
        with connection.cursor() as cursor:  # the build's rows are consistent: skip per-row trigger checks
            cursor.execute("SET session_replication_role = replica")
        purge_organizations(old)
        with connection.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
        User.objects.filter(email__endswith=".bench.invalid").delete()
        print(f"  removed the previous build in {time.perf_counter() - started:.1f}s", flush=True)

    main_texts = max(conversations, others)  # one distinct opening text per conversation of the big one
    generate_texts(pg, main_texts)
    made = create_organizations(conversations, others)
    drop_secondary_indexes(pg)
    now = timezone.now()
    try:
        with pg.cursor() as cursor:  # (Django keeps the connection in autocommit: one statement, one commit)
            # Foreign keys are checked by deferred triggers, one per row: the build's joins make the
            # rows consistent (checked below), so replica mode skips the millions of checks.
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET work_mem = '256MB'")
            for spec in made:
                params = {
                    "org": spec["organization"].pk, "count": spec["count"], "contacts": spec["contacts"],
                    "platforms": list(PLATFORMS), "channels": spec["channels"], "agents": spec["agents"],
                    "teams": spec["teams"], "tags": spec["tags"], "text_offset": spec["text_offset"],
                    "main_texts": main_texts, "now": now,
                    "replies_fr": list(AGENT_REPLIES_FR), "replies_en": list(AGENT_REPLIES_EN),
                }
                for label, sql in (("contacts", CONTACTS_SQL), ("conversations", CONVERSATIONS_SQL),
                                   ("opening messages", FIRST_MESSAGES_SQL), ("follow-ups", REPLY_MESSAGES_SQL),
                                   ("follow-ups made searchable", FOLLOW_UP_SEARCH_SQL),
                                   ("agents' answers", AGENT_MESSAGES_SQL), ("tags", TAGS_SQL)):
                    step = time.perf_counter()
                    cursor.execute(sql, params)
                    print(f"  {spec['organization'].slug}: {cursor.rowcount} {label} in "
                          f"{time.perf_counter() - step:.1f}s", flush=True)
    finally:
        with pg.cursor() as cursor:
            cursor.execute("SET session_replication_role = DEFAULT")
            cursor.execute("RESET work_mem")
        restore_dropped_indexes(pg)
    with pg.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_text")
        orphans = cursor.execute(
            """SELECT (SELECT count(*) FROM inbox_message m WHERE NOT EXISTS
                         (SELECT 1 FROM inbox_conversation c WHERE c.id = m.conversation_id)),
                      (SELECT count(*) FROM inbox_conversation c WHERE NOT EXISTS
                         (SELECT 1 FROM inbox_contact ct WHERE ct.id = c.contact_id))""").fetchone()
        assert orphans == (0, 0), f"inconsistent build: {orphans}"
    step = time.perf_counter()
    with pg.cursor() as cursor:
        for table in SECONDARY_TABLES:
            cursor.execute(f"VACUUM (ANALYZE) {table}")
    print(f"  vacuum analyze in {time.perf_counter() - step:.1f}s", flush=True)
    Organization.objects.filter(slug=SLUGS[0]).update(name=marker(conversations, others))
    for slug in SLUGS[1:]:
        Organization.objects.filter(slug=slug).update(name=f"Bench inbox {slug[-1].upper()}")
    print(f"built in {time.perf_counter() - started:.0f}s", flush=True)


def percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def measure(run_once, runs: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        run_once()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        run_once()
        samples.append((time.perf_counter() - started) * 1000)
    return samples


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=1_000_000)
    parser.add_argument("--others", type=int, default=200_000, help="conversations in each of two other organizations")
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--search-runs", type=int, default=20, help="runs per search word")
    parser.add_argument("--only", default="", help="comma-separated filter names to measure (default: all)")
    args = parser.parse_args(argv)

    django_setup()
    quiet_query_log()
    from accounts.models import Organization, Team, User
    from inbox.models import Conversation, Message, Tag
    from inbox.selectors import ConversationFilters, conversation_list, conversation_list_page

    if args.rebuild or not built(args.conversations, args.others):
        build(args.conversations, args.others)
    else:
        print("reusing the existing build (--rebuild to start again)")
    if args.build_only:
        return

    organization = Organization.objects.get(slug=SLUGS[0])
    conversations = Conversation.objects.for_organization(organization).count()
    messages = Message.objects.for_organization(organization).count()
    everything = Message.objects.unscoped().count()
    active = Conversation.objects.for_organization(organization).filter(status__in=["new", "open"]).count()
    print(f"organization {organization.slug}: conversations={conversations} active={active} messages={messages} "
          f"(all organizations: {everything} messages)")

    me = User.objects.get(email=f"agent0@{SLUGS[0]}.bench.invalid")
    team = Team.objects.for_organization(organization).get(name=TEAMS[2])
    tag = Tag.objects.for_organization(organization).get(name="bagages")
    cases = {
        "default": ConversationFilters(),
        "assigned_to_me": ConversationFilters(assignee="me"),
        "team": ConversationFilters(team_ids=[team.pk]),
        "tag": ConversationFilters(tags=[tag.name]),
        "priority_urgent": ConversationFilters(priorities=[3]),
        "sentiment_negative": ConversationFilters(sentiment="negative"),
        "sla_breached": ConversationFilters(sla="breached"),
        "sort_priority": ConversationFilters(sort="priority"),
    }
    only = {name for name in args.only.split(",") if name}

    def page(filters):
        queryset = conversation_list(organization=organization, filters=filters, user=me)
        return list(conversation_list_page(queryset)[:50])

    worst_list = 0.0
    for name, filters in cases.items():
        if only and name not in only:
            continue
        rows = len(page(filters))
        samples = measure(lambda f=filters: page(f), args.runs, args.warmup)
        p95 = percentile(samples, 0.95)
        worst_list = max(worst_list, p95)
        print(f"list {name:20s} rows={rows:2d} p50_ms={statistics.median(samples):7.2f} p95_ms={p95:7.2f}", flush=True)

    search_samples: list[float] = []
    if not only or "search" in only:
        for query, language, how in SEARCHES:
            filters = ConversationFilters(q=query)
            rows = len(page(filters))
            samples = measure(lambda f=filters: page(f), args.search_runs, 2)
            search_samples += samples
            print(f"search {query!r:20s} {language} {how:6s} rows={rows:2d} "
                  f"p50_ms={statistics.median(samples):7.2f} p95_ms={percentile(samples, 0.95):7.2f}", flush=True)
    search_p95 = percentile(search_samples, 0.95) if search_samples else 0.0
    if search_samples:
        print(f"search all: runs={len(search_samples)} p50_ms={statistics.median(search_samples):.2f} "
              f"p95_ms={search_p95:.2f}")
    print(f"list_p95_ms={worst_list:.1f} search_p95_ms={search_p95:.1f}")


if __name__ == "__main__":
    main()
