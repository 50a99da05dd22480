"""Webhook deliveries: stored before acknowledged, ingested from the table, and signed deliveries of
any shape answered 4xx or kept as dead letters, never 5xx."""

from __future__ import annotations

import json
import socket
import time

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from inbox.models import DeadLetter, Message, WebhookDelivery
from inbox.sandbox.control import x_signature
from inbox.sandbox.graph_api import APP_SECRET, IG_USER, PAGE, meta_signature
from inbox.sandbox.x_api import BRAND_USER
from inbox.tasks import ingest_webhook_delivery, sweep_webhook_deliveries
from tests.factories import ChannelFactory, OrganizationFactory
from tests.inbox.test_tasks import messages_of, sandbox_channel

# The many shapes run in a rolled-back transaction (the ingestion task runs from the captured
# commit callbacks); the outage and retry tests need real commits.
transactional = pytest.mark.django_db(transaction=True)

X_SECRET = "sandbox-consumer-secret"


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="airdemo-deliveries")


@pytest.fixture(autouse=True)
def eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def _channel(org, platform):
    from inbox.credentials import encrypt_credentials

    if platform == "x":
        return ChannelFactory(organization=org, platform="x", external_account_id=BRAND_USER["id"],
                              credentials_encrypted=encrypt_credentials({"bearer_token": "t",
                                                                         "consumer_secret": X_SECRET}))
    return ChannelFactory(organization=org, platform=platform,
                          external_account_id=IG_USER["id"] if platform == "instagram" else PAGE["id"],
                          connection={"page_id": PAGE["id"], "ig_user_id": IG_USER["id"]},
                          credentials_encrypted=encrypt_credentials({"page_access_token": "t",
                                                                     "app_secret": APP_SECRET}))


def _post(client, channel, body: bytes):
    if channel.platform == "x":
        return client.post(reverse("webhook-x", kwargs={"token": channel.webhook_token}), body,
                           content_type="application/json",
                           headers={"x-twitter-webhooks-signature": x_signature(body, X_SECRET)})
    return client.post(reverse("webhook-meta", kwargs={"token": channel.webhook_token}), body,
                       content_type="application/json", headers={"X-Hub-Signature-256": meta_signature(body)})


GOOD_TWEET = {"id_str": "900", "text": "@vigie_brand valise perdue", "created_at": "Mon Mar 02 08:00:00 +0000 2026",
              "user": {"id_str": "42", "screen_name": "camille", "name": "Camille"}}
GOOD_DM = {"type": "message_create", "id": "901", "created_timestamp": "1772438400000",
           "message_create": {"sender_id": "42", "target": {"recipient_id": BRAND_USER["id"]},
                              "message_data": {"text": "Bonjour"}}}


def x_body(**changes) -> dict:
    return {"for_user_id": BRAND_USER["id"], **changes}


def tweet(**changes) -> dict:
    return {**GOOD_TWEET, "id_str": "901", **changes}


def dm(**changes) -> dict:
    return {**GOOD_DM, "id": "902", **changes}


def fb_comment(**changes) -> dict:
    value = {"from": {"id": "77", "name": "Camille"}, "post_id": f"{PAGE['id']}_1", "comment_id": "c1",
             "message": "Mon vol", "created_time": 1772438400, "item": "comment", "verb": "add", **changes}
    return {"object": "page", "entry": [{"id": PAGE["id"], "time": 1772438400,
                                         "changes": [{"field": "feed", "value": value}]}]}


def fb_message(**changes) -> dict:
    event = {"sender": {"id": "77"}, "recipient": {"id": PAGE["id"]}, "timestamp": 1772438400000,
             "message": {"mid": "m1", "text": "Bonjour"}, **changes}
    return {"object": "page", "entry": [{"id": PAGE["id"], "time": 1772438400, "messaging": [event]}]}


def ig(changes) -> dict:
    return {"object": "instagram", "entry": [{"id": IG_USER["id"], "time": 1772438400, "changes": changes}]}


# Signed deliveries a platform (or a bug on its side) could send: each answers 4xx, or 200 with
# what could not be read kept as dead letters; none answers 5xx, none leaves its delivery failing.
SHAPES = [
    ("x", b"not json"), ("x", b"[]"), ("x", b'{"for_user_id": '), ("x", b'{"a": "\xff"}'),
    ("x", b"{" + b'"a":[' * 50_000 + b"]" * 50_000 + b"}"),
    ("x", x_body(tweet_create_events="nope")), ("x", x_body(tweet_create_events=[1, "x", None])),
    ("x", x_body(tweet_create_events=[{"text": "no id"}])), ("x", x_body(tweet_create_events=[tweet(id_str={})])),
    ("x", x_body(tweet_create_events=[tweet(id_str=True)])),
    ("x", x_body(tweet_create_events=[tweet(created_at="yesterday")])),
    ("x", x_body(tweet_create_events=[tweet(created_at=12345)])),
    ("x", x_body(tweet_create_events=[tweet(created_at="Mon, 02 Mar 2026 08:00:00")])),
    ("x", x_body(tweet_create_events=[tweet(user="camille")])),
    ("x", x_body(tweet_create_events=[tweet(user={"id_str": None})])),
    ("x", x_body(tweet_create_events=[tweet(text=42)])),
    ("x", x_body(tweet_create_events=[tweet(user={**GOOD_TWEET["user"], "followers_count": "many"})])),
    ("x", x_body(tweet_create_events=[tweet(retweet_count=10**30)])),
    ("x", x_body(tweet_create_events=[tweet(extended_tweet=[])])),
    ("x", x_body(tweet_create_events=[tweet(text="nul \u0000 inside", id_str="9\u00000")])),
    ("x", x_body(tweet_create_events=[tweet(text="lone \ud800 surrogate")])),
    ("x", x_body(direct_message_events=[dm(created_timestamp="soon")])),
    ("x", x_body(direct_message_events=[dm(created_timestamp=1e300)])),
    ("x", x_body(direct_message_events=[dm(message_create={"sender_id": "abc", "message_data": {"text": "x"}})])),
    ("x", x_body(direct_message_events=[dm(message_create="x")])),
    ("x", x_body(direct_message_events=[dm()], users=[])),
    ("x", x_body(direct_message_events=[dm()], users={"42": "camille"})),
    ("x", {"for_user_id": None, "tweet_create_events": [tweet()]}),
    ("x", b'{"for_user_id": "%s", "direct_message_events": [{"type": "message_create", "id": "9", '
          b'"created_timestamp": NaN, "message_create": {"sender_id": "42"}}]}' % BRAND_USER["id"].encode()),
    ("facebook", b"not json"), ("facebook", b"[]"), ("facebook", b'"text"'), ("facebook", b"\x00\x01"),
    ("facebook", {"object": "page", "entry": "x"}), ("facebook", {"object": "page", "entry": [1, None]}),
    ("facebook", {"object": "page", "entry": [{"id": PAGE["id"], "changes": "x"}]}),
    ("facebook", {"object": "page", "entry": [{"id": PAGE["id"], "changes": [{"field": "feed", "value": "x"}]}]}),
    ("facebook", fb_comment(comment_id=None)), ("facebook", fb_comment(comment_id=["c"])),
    ("facebook", fb_comment(**{"from": None})), ("facebook", fb_comment(**{"from": "camille"})),
    ("facebook", fb_comment(created_time="tuesday")), ("facebook", fb_comment(created_time=-10**20)),
    ("facebook", fb_comment(message={"text": "x"})), ("facebook", fb_comment(message="nul \u0000 here")),
    ("facebook", fb_comment(parent_id={"id": 1})),
    ("facebook", fb_message(timestamp="x")), ("facebook", fb_message(timestamp=None)),
    ("facebook", fb_message(message={"mid": "m2", "text": 5})), ("facebook", fb_message(sender=None)),
    ("facebook", fb_message(message="hello")),
    ("instagram", ig("x")), ("instagram", ig([{"field": "comments", "value": {"id": "i1"}}])),
    ("instagram", ig([{"field": "comments", "value": {"id": "i1", "from": {"id": "5"}, "media": "m"}}])),
    ("instagram", ig([{"field": "mentions", "value": {"media_id": {"id": 1}}}])),
    ("instagram", ig([{"field": "mentions", "value": "x"}])),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("platform", "payload"), SHAPES, ids=[f"{p}-{i}" for i, (p, _) in enumerate(SHAPES)])
def test_signed_malformed_deliveries_answer_4xx_or_become_dead_letters_never_5xx(
        org, client, platform, payload, django_capture_on_commit_callbacks):
    channel = _channel(org, platform)
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()

    with django_capture_on_commit_callbacks(execute=True):
        answer = _post(client, channel, body)

    assert answer.status_code in (200, 400, 403), answer.content[:300]
    assert answer["Content-Type"] in ("application/json", "text/plain; charset=utf-8")
    if answer.status_code == 200:
        # Stored, then ingested by the worker without failing: what it could not read is a dead letter.
        for delivery in WebhookDelivery.objects.for_organization(org):
            assert delivery.processed_at is not None and delivery.last_error == "", delivery.last_error
        received = answer.json()["received"]
        stored = Message.objects.for_organization(org).count() + DeadLetter.objects.for_organization(org).count()
        assert stored <= received


@transactional
def test_a_malformed_event_does_not_take_the_good_events_of_its_delivery_with_it(org, client):
    channel = _channel(org, "x")
    body = json.dumps(x_body(tweet_create_events=[GOOD_TWEET, tweet(created_at="yesterday"),
                                                  tweet(id_str="903", text="nul \u0000 ok")])).encode()

    answer = _post(client, channel, body)

    assert answer.status_code == 200 and answer.json() == {"received": 3}
    assert messages_of(channel) == ["900", "903"]
    assert Message.objects.for_organization(org).get(external_id="903").text == "nul  ok"
    (dead,) = DeadLetter.objects.for_organization(org)
    assert dead.payload["id_str"] == "901" and "shape" in dead.reason


@pytest.fixture
def broker_unreachable():
    """Celery's broker and result backend pointed at a port nothing listens on: publishing really
    fails, as with Redis down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    conf = celery_app.conf
    previous = (conf.broker_url, conf.result_backend, conf.task_always_eager)

    def reset_connections():
        celery_app._pool = None
        celery_app.amqp._producer_pool = None
        celery_app._backend = celery_app._get_backend()  # built from the current result_backend

    dead = f"redis://127.0.0.1:{port}/0"
    conf.broker_url, conf.result_backend, conf.task_always_eager = dead, dead, False
    reset_connections()

    class Outage:
        @staticmethod
        def end():
            conf.broker_url, conf.result_backend, conf.task_always_eager = previous[0], previous[1], True
            reset_connections()

    yield Outage
    conf.broker_url, conf.result_backend, conf.task_always_eager = previous
    reset_connections()


@transactional
def test_a_delivery_is_stored_and_acknowledged_while_the_broker_is_down_then_swept_in(
        org, sandbox, client, broker_unreachable, caplog):
    channel = sandbox_channel(org, sandbox, platform="x")
    mention = sandbox.inject_x_mention("@vigie_brand valise perdue à CDG", author="camille")
    body = json.dumps(mention["webhook"]).encode()

    started = time.monotonic()
    answer = client.post(reverse("webhook-x", kwargs={"token": channel.webhook_token}), body,
                         content_type="application/json",
                         headers={"x-twitter-webhooks-signature": x_signature(body, X_SECRET)})

    assert answer.status_code == 200 and answer.json() == {"received": 1}
    assert time.monotonic() - started < 3  # answered well within the platforms' timeouts
    # The broker really refused the task (or was still refusing it when the platform got its answer).
    assert "is stored" in caplog.text and "the sweep" in caplog.text
    (delivery,) = WebhookDelivery.objects.for_organization(org)
    assert bytes(delivery.body) == body and delivery.processed_at is None
    assert messages_of(channel) == []

    broker_unreachable.end()
    assert sweep_webhook_deliveries() == 0  # still within its task's grace period
    assert sweep_webhook_deliveries(grace_seconds=0) == 1
    assert messages_of(channel) == [mention["id"]]
    delivery.refresh_from_db()
    assert delivery.processed_at is not None
    assert sweep_webhook_deliveries(grace_seconds=0) == 0
    assert ingest_webhook_delivery(delivery.pk) == 0  # a late duplicate task ingests nothing twice
    assert messages_of(channel) == [mention["id"]]


@transactional
def test_a_delivery_that_keeps_failing_becomes_a_dead_letter(org, client, monkeypatch):
    channel = _channel(org, "x")
    calls = []

    def broken(**kwargs):
        calls.append(1)
        raise RuntimeError("ingestion is broken")

    monkeypatch.setattr("inbox.tasks.mentions_ingest", broken)
    assert _post(client, channel, json.dumps(x_body(tweet_create_events=[GOOD_TWEET])).encode()).status_code == 200
    while sweep_webhook_deliveries(grace_seconds=0):
        assert len(calls) <= 5
    (delivery,) = WebhookDelivery.objects.for_organization(org)
    assert (delivery.attempts, delivery.processed_at is not None) == (5, True)
    assert "ingestion is broken" in delivery.last_error
    (dead,) = DeadLetter.objects.for_organization(org)
    assert dead.payload["body"]["tweet_create_events"][0]["id_str"] == "900"


@transactional
def test_deliveries_for_another_account_or_a_paused_channel_are_not_stored(org, client):
    channel = _channel(org, "x")
    assert _post(client, channel, json.dumps({"for_user_id": "1", "tweet_create_events": [GOOD_TWEET]}).encode()
                 ).json() == {"received": 0}
    channel.status = "disabled"
    channel.save()
    assert _post(client, channel, json.dumps(x_body(tweet_create_events=[GOOD_TWEET])).encode()
                 ).json() == {"received": 0}
    assert not WebhookDelivery.objects.for_organization(org).exists()


@pytest.mark.django_db
def test_the_sweep_hands_a_waiting_delivery_over_once_per_grace_period(org, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    channel = _channel(org, "x")
    delivery = WebhookDelivery.objects.create(organization=org, channel=channel, body=b"{}")
    WebhookDelivery.objects.for_organization(org).update(received_at=timezone.now() - timedelta(minutes=2))
    handed: list[int] = []
    monkeypatch.setattr("inbox.tasks.enqueue_webhook_delivery", handed.append)

    assert sweep_webhook_deliveries(grace_seconds=60) == 1
    assert sweep_webhook_deliveries(grace_seconds=60) == 0  # a worker behind on a backlog gets no copies
    WebhookDelivery.objects.for_organization(org).update(swept_at=timezone.now() - timedelta(seconds=61))
    assert sweep_webhook_deliveries(grace_seconds=60) == 1
    assert handed == [delivery.pk, delivery.pk]
