"""A scripted crisis with a known timeline, minute counters and crisis-queue conversations.

Times are from START, the storm's first minute (Sunday 22 November 2026, 02:00 UTC):
detected +40 s, first page +55 s, acknowledged +3 min, declared +8 min, statement drafted +10 min,
approved +12 min, published +14 min (and again at +60 min, which changes nothing), closed +5 h.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from crisis.mode import queue_tag
from crisis.models import Crisis, CrisisTask, EventKind, MentionBucket
from crisis.services import cell
from inbox.models import ConversationTag
from tests.factories import ChannelFactory, ConversationFactory, MessageFactory, TagFactory

START = datetime(2026, 11, 22, 2, 0, tzinfo=UTC)
CLOSED = START + timedelta(hours=5)


def at(**delta) -> datetime:
    return START + timedelta(**delta)


def declare(organization, lead, *, title="Vol AD1234 annulé", cell_members=()) -> Crisis:
    crisis = cell.crisis_declare(organization=organization, actor=lead, title=title, severity=3,
                                 cell=cell_members, now=at(minutes=8))
    # Declared by hand, the crisis would start at its declaration: the script says the storm began at START.
    Crisis.objects.for_organization(organization).filter(pk=crisis.pk).update(started_at=START)
    crisis.refresh_from_db()
    return crisis


def script_timeline(crisis, *, lead, executive, agent, with_statement=True) -> None:
    record = cell.event_record
    record(crisis=crisis, kind=EventKind.DETECTED, at=at(seconds=40), text="Mention spike")
    record(crisis=crisis, kind=EventKind.PAGED, at=at(seconds=55), data={"users": [lead.pk]})
    record(crisis=crisis, kind=EventKind.PAGED, at=at(minutes=2), data={"users": [executive.pk]})
    record(crisis=crisis, kind=EventKind.ACKNOWLEDGED, actor=lead, at=at(minutes=3))
    if with_statement:
        statement = {"statement_id": 1, "version": 1}
        record(crisis=crisis, kind=EventKind.STATEMENT, actor=lead, at=at(minutes=10),
               data={**statement, "action": "drafted"}, text="Nous sommes désolés")
        record(crisis=crisis, kind=EventKind.STATEMENT, actor=lead, at=at(minutes=11),
               data={**statement, "action": "submitted"})
        record(crisis=crisis, kind=EventKind.STATEMENT, actor=executive, at=at(minutes=12),
               data={**statement, "action": "approved"})
        record(crisis=crisis, kind=EventKind.STATEMENT, actor=lead, at=at(minutes=14),
               data={**statement, "action": "published"})
        record(crisis=crisis, kind=EventKind.STATEMENT, actor=lead, at=at(minutes=60),
               data={"statement_id": 2, "version": 1, "action": "published"})
    record(crisis=crisis, kind=EventKind.DECISION, actor=executive, at=at(minutes=20),
           text="Rembourser tous les passagers du AD1234")
    record(crisis=crisis, kind=EventKind.CLUSTER_REPLY, actor=agent, at=at(minutes=25),
           data={"action": "started", "cluster_id": 7, "count": 120})
    record(crisis=crisis, kind=EventKind.TASK, actor=agent, at=at(minutes=15), data={"action": "created"},
           text="Mettre à jour la FAQ")
    record(crisis=crisis, kind=EventKind.TASK, actor=agent, at=at(minutes=45), data={"action": "done"},
           text="Mettre à jour la FAQ")
    CrisisTask.objects.create(organization=crisis.organization, crisis=crisis, title="Mettre à jour la FAQ",
                              owner=agent, due_at=at(minutes=40), done_at=at(minutes=45), created_by=lead,
                              created_at=at(minutes=15))


def minute_counters(organization) -> None:
    """Two mentions a minute before the storm, then 100 a minute (30 negative, 500 re-shares) for 20 minutes."""
    rows = [MentionBucket(organization=organization, topic_id=0, minute=at(minutes=m), mentions=2, negative=0)
            for m in range(-30, 0)]
    rows += [MentionBucket(organization=organization, topic_id=0, minute=at(minutes=m), mentions=100, negative=30,
                           reshares=500) for m in range(0, 20)]
    MentionBucket.objects.bulk_create(rows)


def queue_conversations(crisis, *, agent) -> dict:
    """Five conversations in the crisis queue and one outside it (see test_report for the expected figures)."""
    organization = crisis.organization
    channel = ChannelFactory(organization=organization)
    tag = TagFactory(organization=organization, name=queue_tag(crisis))

    def conversation(created, *, answered=None, breached=None, tagged=True):
        found = ConversationFactory(organization=organization, channel=channel, created_at=created,
                                    last_message_at=created, first_response_at=answered, sla_target_seconds=900,
                                    sla_started_at=created, sla_due_at=created + timedelta(seconds=900),
                                    sla_breached_at=breached)
        MessageFactory(conversation=found, created_at=created)
        if tagged:
            ConversationTag.objects.create(organization=organization, conversation=found, tag=tag)
        if answered:
            MessageFactory(conversation=found, direction="out", kind="reply", state="sent", author_user=agent,
                           author_contact=None, created_at=answered, sent_at=answered, text="Nous sommes désolés")
        return found

    return {
        "fast": conversation(at(minutes=1), answered=at(minutes=11)),  # 600 s, within the SLA
        "late": conversation(at(minutes=2), answered=at(minutes=32), breached=at(minutes=17)),  # 1800 s
        "slow": conversation(at(minutes=3), answered=at(hours=3, minutes=3), breached=at(minutes=18)),  # 10800 s
        "never": conversation(at(minutes=4), breached=at(minutes=19)),  # unanswered, its 2 hours long past
        "fresh": conversation(at(hours=4, minutes=40)),  # unanswered, still inside its 2 hours and its SLA
        "outside": conversation(at(minutes=5), answered=at(minutes=6), tagged=False),  # not in the queue
    }
