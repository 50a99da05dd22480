"""Storm replies: mentions grouped as they are ingested, one answer sent to a whole cluster through the
inbox's exactly-once send, at each account's pace, once per person."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.roles import Role
from crisis import pacing
from crisis.models import (
    ClusterMention,
    ClusterReply,
    ClusterReplyItem,
    ClusterReplyStatus,
    CrisisEvent,
    EventKind,
    ItemState,
    StormCluster,
)
from crisis.services import clusters as cluster_services
from crisis.services.cell import crisis_close, crisis_declare
from inbox.models import Conversation, DeliveryState, Message
from inbox.tasks import poll_channel, send_message
from tests.factories import member
from tests.inbox.test_tasks import sandbox_channel

pytestmark = pytest.mark.django_db


@pytest.fixture
def lead(organization):
    return member(organization, Role.LEAD, email="lead@airdemo.example", full_name="Léa Lead")


@pytest.fixture
def crisis(organization, lead):
    return crisis_declare(organization=organization, actor=lead, title="AF123 annulé", keywords=["AF123"])


@pytest.fixture
def channel(organization, sandbox):
    return sandbox_channel(organization, sandbox)


def _storm(sandbox, channel, texts, django_capture_on_commit_callbacks, *, prefix="p"):
    """People post; the inbox polls them in (the clustering listener runs after the batch commits)."""
    sandbox.inject_many("x", "mentions", [{"text": text, "author": f"{prefix}{n}", "author_name": f"Camille{n} Martin"}
                                          for n, text in enumerate(texts)])
    with django_capture_on_commit_callbacks(execute=True):
        poll_channel(channel.pk)


def _send_all() -> None:
    """What the worker does with the send tasks enqueued after commit."""
    for message_id in Message.objects.unscoped().filter(direction="out", state=DeliveryState.QUEUED).values_list(
            "pk", flat=True):
        send_message.apply(args=[message_id])


def test_ingested_mentions_in_scope_are_grouped_by_question(organization, crisis, channel, sandbox,
                                                            django_capture_on_commit_callbacks):
    _storm(sandbox, channel, ["@vigie Mon vol AF123 est-il annulé ?", "est ce que le vol AF123 est annulé",
                              "remboursement AF123 ?", "je veux être remboursé pour AF123",
                              "rien à voir avec la crise"], django_capture_on_commit_callbacks)
    clusters = list(StormCluster.objects.for_organization(organization).filter(crisis=crisis).order_by("pk"))
    assert [c.count for c in clusters] == [2, 2]
    assert clusters[0].label == "@vigie Mon vol AF123 est-il annulé ?"
    assert ClusterMention.objects.for_organization(organization).count() == 4  # the off-topic one is out of scope
    person = ClusterMention.objects.for_organization(organization).get(text__startswith="@vigie")
    assert person.author_handle == "@p0" and person.author_name == "Camille0 Martin"
    assert Conversation.objects.for_organization(organization).filter(pk=person.conversation_id).exists()


def test_nothing_is_clustered_without_an_active_crisis(organization, crisis, channel, sandbox, lead,
                                                       django_capture_on_commit_callbacks):
    crisis_close(crisis=crisis, actor=lead)
    _storm(sandbox, channel, ["Mon vol AF123 est-il annulé ?"], django_capture_on_commit_callbacks)
    assert not StormCluster.objects.for_organization(organization).exists()


def test_a_second_mention_in_the_same_conversation_is_not_counted_twice(organization, crisis):
    from inbox.services.ingestion import IngestedMention

    mention = IngestedMention(created_at=timezone.now(), text="vol AF123 annulé ?", negative=True, reach=1,
                              channel_id=1, tag_ids=frozenset(), conversation_id=99, language="fr")
    cluster_services.clusters_assign(organization_id=organization.pk, mentions=[mention, mention])
    cluster_services.clusters_assign(organization_id=organization.pk, mentions=[mention])
    assert StormCluster.objects.for_organization(organization).get().count == 1


@pytest.fixture
def cluster(organization, crisis, channel, sandbox, django_capture_on_commit_callbacks):
    _storm(sandbox, channel, ["Mon vol AF123 est-il annulé ?", "est ce que le vol AF123 est annulé",
                              "vol AF123 annulé ??"], django_capture_on_commit_callbacks)
    return StormCluster.objects.for_organization(organization).get()


ANSWER = "Bonjour {first_name}, le vol AF123 est bien annulé : tout est sur airdemo.example/af123 ({handle})."


@pytest.fixture(autouse=True)
def answer_is_approved(monkeypatch):
    """Crisis rules let only approved words into the crisis queue: ANSWER is the cell's approved statement
    (the statements' own tests cover how it gets approved)."""
    monkeypatch.setattr("crisis.selectors.approved_statement_texts", lambda organization_id: (ANSWER,))


def test_unknown_placeholders_are_refused_in_words(cluster, lead):
    with pytest.raises(ValidationError) as refused:
        cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text="Bonjour {prenom}, {booking_ref}")
    assert "{booking_ref}, {prenom}" in str(refused.value) and "{first_name}" in str(refused.value)
    with pytest.raises(ValidationError):
        cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text="   ")
    assert not ClusterReply.objects.for_organization(cluster.organization_id).exists()


def test_a_cluster_reply_answers_each_person_once_personalised_and_finishes(
        organization, cluster, lead, sandbox, django_capture_on_commit_callbacks, settings):
    settings.VIGIE_CLUSTER_PACE_SCALE = 0
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=False):
        reply = cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER, now=now)
    assert reply.total == 3 and reply.status == ClusterReplyStatus.RUNNING
    assert not Message.objects.unscoped().filter(direction="out").exists()  # it returns at once: nothing sent yet
    started = CrisisEvent.objects.for_organization(organization).get(kind=EventKind.CLUSTER_REPLY)
    assert started.data == {"action": "started", "cluster_id": cluster.pk, "count": 3, "reply_id": reply.pk}

    with django_capture_on_commit_callbacks(execute=False):
        assert cluster_services.cluster_replies_advance(now=now) == 3
        assert cluster_services.cluster_replies_advance(now=now) == 0  # nobody twice
    _send_all()
    with django_capture_on_commit_callbacks(execute=True):
        cluster_services.cluster_replies_advance(now=now + timedelta(seconds=1))

    reply.refresh_from_db()
    assert (reply.status, reply.sent, reply.failed, reply.queued) == (ClusterReplyStatus.FINISHED, 3, 0, 0)
    posted = sandbox.posted("x")
    assert len(posted) == 3
    assert sorted(p["text"] for p in posted) == sorted(
        f"Bonjour Camille{n}, le vol AF123 est bien annulé : tout est sur airdemo.example/af123 (@p{n})."
        for n in range(3))
    # Every send is traceable to its conversation: the item keeps the inbox reply, which is in it.
    for item in ClusterReplyItem.objects.for_organization(organization).filter(reply=reply):
        message = Message.objects.for_organization(organization).get(pk=item.message_id)
        assert item.state == ItemState.SENT and message.conversation_id == item.conversation_id
    finished = CrisisEvent.objects.for_organization(organization).filter(kind=EventKind.CLUSTER_REPLY).last()
    assert finished.data["action"] == "finished" and finished.data["count"] == 3


def test_progress_is_pushed_live_after_commit(cluster, lead, settings, django_capture_on_commit_callbacks, monkeypatch):
    settings.VIGIE_CLUSTER_PACE_SCALE = 0
    pushed = []
    monkeypatch.setattr("crisis.services.cell.broadcast_on_commit",
                        lambda **kwargs: pushed.append(kwargs["event"]))
    with django_capture_on_commit_callbacks(execute=False):
        cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER)
        cluster_services.cluster_replies_advance()
    progress = [e for e in pushed if e["type"] == "crisis.cluster_progress"]
    assert progress[0]["total"] == 3 and progress[0]["waiting"] == 3
    assert progress[-1]["queued"] == 3 and progress[-1]["waiting"] == 0


def test_a_second_answer_to_the_cluster_goes_only_to_people_not_answered_yet(
        organization, cluster, lead, sandbox, channel, settings, django_capture_on_commit_callbacks):
    settings.VIGIE_CLUSTER_PACE_SCALE = 0
    with django_capture_on_commit_callbacks(execute=False):
        cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER)
        with pytest.raises(ValidationError, match="still being sent"):
            cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER)
        cluster_services.cluster_replies_advance()
    _send_all()
    cluster_services.cluster_replies_advance()
    _storm(sandbox, channel, ["le vol AF123 est-il annulé"], django_capture_on_commit_callbacks, prefix="late")
    cluster.refresh_from_db()
    assert cluster.count == 4
    second = cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER)
    assert second.total == 1


def test_the_pace_holds_people_back_per_account(cluster, lead, settings, django_capture_on_commit_callbacks):
    settings.VIGIE_CLUSTER_PACE_SCALE = 1
    now = timezone.now()
    spacing = pacing.pace_for("x").spacing
    with django_capture_on_commit_callbacks(execute=False):
        reply = cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER, now=now)
        assert cluster_services.cluster_replies_advance(now=now) == 1
        assert cluster_services.cluster_replies_advance(now=now + spacing / 2) == 0
        assert cluster_services.cluster_replies_advance(now=now + spacing) == 1
    queued = list(ClusterReplyItem.objects.for_organization(reply.organization_id).filter(
        reply=reply, state=ItemState.QUEUED).order_by("queued_at").values_list("queued_at", flat=True))
    assert queued == [now, now + spacing]


def test_a_claimed_person_is_skipped_by_a_concurrent_advance(cluster, lead, settings, django_capture_on_commit_callbacks):
    """SKIP LOCKED: an item another worker holds (its transaction open) is not handed over a second time."""
    import threading

    from django.db import connection, transaction

    settings.VIGIE_CLUSTER_PACE_SCALE = 0
    with django_capture_on_commit_callbacks(execute=False):
        reply = cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER)
    first = ClusterReplyItem.objects.for_organization(reply.organization_id).filter(reply=reply).order_by("pk").first()
    # This test's transaction holds the row lock on the first person; another connection asks.
    ClusterReplyItem.objects.for_organization(reply.organization_id).select_for_update().filter(pk=first.pk).get()
    seen = []

    def other_worker():
        try:
            with transaction.atomic():
                seen.extend(ClusterReplyItem.objects.for_organization(reply.organization_id)
                            .select_for_update(skip_locked=True).filter(reply=reply, state=ItemState.PENDING)
                            .order_by("pk").values_list("pk", flat=True))
        finally:
            connection.close()

    thread = threading.Thread(target=other_worker)
    thread.start()
    thread.join(10)
    assert first.pk not in seen


def test_the_guides_refusal_is_said_when_the_answer_starts(cluster, lead, monkeypatch):
    from inbox import reply_guard

    monkeypatch.setattr(reply_guard, "_guard", lambda attempt: reply_guard.Verdict(
        reply_guard.BLOCK, message="Crisis mode: replies must follow an approved template or statement."))
    with pytest.raises(ValidationError, match="approved template or statement"):
        cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text="Free text {first_name}")


def test_a_person_the_guides_refuse_at_send_time_fails_alone(organization, cluster, lead, settings, monkeypatch,
                                                               django_capture_on_commit_callbacks):
    from inbox import reply_guard

    settings.VIGIE_CLUSTER_PACE_SCALE = 0
    with django_capture_on_commit_callbacks(execute=False):
        reply = cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER)
    calls = []

    def guard(attempt):
        calls.append(attempt)
        return reply_guard.Verdict(reply_guard.BLOCK, message="Refused") if len(calls) == 2 else reply_guard.Verdict()

    monkeypatch.setattr(reply_guard, "_guard", guard)
    with django_capture_on_commit_callbacks(execute=False):
        cluster_services.cluster_replies_advance()
    states = sorted(ClusterReplyItem.objects.for_organization(organization).filter(reply=reply)
                    .values_list("state", flat=True))
    assert states == [ItemState.FAILED, ItemState.QUEUED, ItemState.QUEUED]
    reply.refresh_from_db()
    assert reply.failed == 1 and reply.queued == 2


def test_personalisation_falls_back_to_the_handle():
    assert cluster_services.personalise("Hi {first_name} ({handle})", name="", handle="@sam") == "Hi sam (@sam)"
    assert cluster_services.personalise("Hi {first_name}", name="Zoé Durand", handle="@z") == "Hi Zoé"


def test_a_worker_dying_mid_hand_over_leaves_the_person_waiting_and_no_reply_behind(
        organization, cluster, lead, settings, monkeypatch, django_capture_on_commit_callbacks):
    """The item turns QUEUED in the transaction that creates the inbox reply: dying between the two
    (here, as the item is saved) rolls both back, and the next tick hands the person over once."""
    settings.VIGIE_CLUSTER_PACE_SCALE = 0
    with django_capture_on_commit_callbacks(execute=False):
        reply = cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER)
    save = ClusterReplyItem.save

    def killed(self, *args, **kwargs):
        raise SystemExit("worker killed")

    monkeypatch.setattr(ClusterReplyItem, "save", killed)
    with django_capture_on_commit_callbacks(execute=False) as enqueued, pytest.raises(SystemExit):
        cluster_services.cluster_replies_advance()
    assert enqueued == []  # no send task left behind
    assert not Message.objects.for_organization(organization).filter(direction="out").exists()
    assert set(ClusterReplyItem.objects.for_organization(organization).values_list("state", flat=True)) == {
        ItemState.PENDING}

    monkeypatch.setattr(ClusterReplyItem, "save", save)
    with django_capture_on_commit_callbacks(execute=False):
        assert cluster_services.cluster_replies_advance() == 3
    outbound = list(Message.objects.for_organization(organization).filter(direction="out")
                    .values_list("conversation_id", flat=True))
    assert sorted(outbound) == sorted(ClusterReplyItem.objects.for_organization(organization).filter(reply=reply)
                                      .values_list("conversation_id", flat=True))


def test_beat_advances_cluster_replies_often_and_off_the_paging_queue(settings, cluster, lead,
                                                                     django_capture_on_commit_callbacks):
    from config.celery import app
    from crisis.tasks import advance_cluster_replies

    schedule = settings.CELERY_BEAT_SCHEDULE["cluster-replies"]
    assert schedule["task"] == "crisis.tasks.advance_cluster_replies" and schedule["schedule"] <= 5
    assert app.amqp.router.route({}, schedule["task"])["queue"].name == "default"
    settings.VIGIE_CLUSTER_PACE_SCALE = 0
    with django_capture_on_commit_callbacks(execute=False):
        cluster_services.cluster_reply_start(cluster=cluster, actor=lead, text=ANSWER)
        assert advance_cluster_replies.apply().get() == 3


def test_a_declared_crisis_clusters_the_mentions_that_came_before_it(organization, lead, channel, sandbox,
                                                                      django_capture_on_commit_callbacks):
    _storm(sandbox, channel, ["Mon vol AF123 est-il annulé ?", "est ce que le vol AF123 est annulé"],
           django_capture_on_commit_callbacks)
    assert not StormCluster.objects.for_organization(organization).exists()  # no crisis yet
    with django_capture_on_commit_callbacks(execute=True):
        crisis = crisis_declare(organization=organization, actor=lead, title="AF123", keywords=["AF123"],
                                now=timezone.now() - timedelta(hours=1))
    assert StormCluster.objects.for_organization(organization).get(crisis=crisis).count == 2
