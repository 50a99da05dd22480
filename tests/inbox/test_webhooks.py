"""Webhooks: handshakes, signatures, and the same dedup as polling (a webhook then a poll = one message)."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from inbox.connectors.webhooks import x_crc_response
from inbox.models import Message
from inbox.sandbox.control import x_signature
from inbox.tasks import poll_channel
from tests.factories import OrganizationFactory
from tests.inbox.test_tasks import messages_of, sandbox_channel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="airdemo-hooks")


@pytest.fixture(autouse=True)
def eager_tasks():
    # The webhook's ingest task runs in the request's thread here, right after the commit.
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def meta_url(channel) -> str:
    return reverse("webhook-meta", kwargs={"token": channel.webhook_token})


def x_url(channel) -> str:
    return reverse("webhook-x", kwargs={"token": channel.webhook_token})


def test_meta_subscription_check_answers_the_challenge_only_with_the_channels_verify_token(org, sandbox, client):
    channel = sandbox_channel(org, sandbox, platform="facebook")
    params = {"hub.mode": "subscribe", "hub.challenge": "1158201444", "hub.verify_token": "sandbox-verify"}

    answer = client.get(meta_url(channel), params)
    assert (answer.status_code, answer.content) == (200, b"1158201444")

    assert client.get(meta_url(channel), {**params, "hub.verify_token": "guess"}).status_code == 403


def test_x_crc_is_answered_with_the_consumer_secret(org, sandbox, client):
    channel = sandbox_channel(org, sandbox, platform="x")

    answer = client.get(x_url(channel), {"crc_token": "challenge-123"})

    assert answer.status_code == 200
    assert answer.json() == x_crc_response("challenge-123", sandbox.config()["x"]["consumer_secret"])


def test_a_signed_meta_delivery_is_ingested_and_a_later_poll_adds_nothing(org, sandbox, live_server):
    channel = sandbox_channel(org, sandbox, platform="facebook")
    post = sandbox.inject_facebook_post("Nos vols de ce week-end")
    comment = sandbox.inject_facebook_comment("Mon vol est annulé !", author="Camille", post_id=post["id"])

    delivered = sandbox.deliver_webhook(live_server.url + meta_url(channel), comment["webhook"])

    assert delivered["status"] == 200, delivered
    assert json.loads(delivered["body"]) == {"received": 1}
    assert messages_of(channel) == [comment["id"]]

    poll_channel(channel.pk)
    assert messages_of(channel) == [comment["id"]]


def test_a_delivery_with_a_wrong_signature_is_refused_and_ingests_nothing(org, sandbox, live_server, caplog):
    channel = sandbox_channel(org, sandbox, platform="facebook")
    comment = sandbox.inject_facebook_comment("Mon vol est annulé !", author="Camille")

    spoiled = sandbox.deliver_webhook(live_server.url + meta_url(channel), comment["webhook"], valid=False)
    other_secret = sandbox.deliver_webhook(live_server.url + meta_url(channel), comment["webhook"], secret="nope")

    assert spoiled["status"] == other_secret["status"] == 403
    assert messages_of(channel) == []
    assert "signature does not match" in caplog.text


def test_signed_x_events_are_ingested_once_and_unsigned_ones_refused(org, sandbox, client):
    channel = sandbox_channel(org, sandbox, platform="x")
    mention = sandbox.inject_x_mention("@vigie_brand valise perdue à CDG", author="camille")
    dm = sandbox.inject_x_dm("Bonjour, mon numéro de dossier est ABC123", sender="camille")
    body = json.dumps({**mention["webhook"], **{"direct_message_events": dm["webhook"]["direct_message_events"],
                                                "users": dm["webhook"]["users"]}}).encode()
    secret = sandbox.config()["x"]["consumer_secret"]

    refused = client.post(x_url(channel), body, content_type="application/json",
                          headers={"x-twitter-webhooks-signature": x_signature(body, "wrong-secret")})
    assert refused.status_code == 403
    assert messages_of(channel) == []

    for _ in range(2):  # X redelivers: the second delivery adds nothing
        accepted = client.post(x_url(channel), body, content_type="application/json",
                               headers={"x-twitter-webhooks-signature": x_signature(body, secret)})
        assert accepted.status_code == 200
    assert messages_of(channel) == sorted([mention["id"], dm["id"]])

    poll_channel(channel.pk)
    assert Message.objects.for_organization(org).filter(external_id=mention["id"]).count() == 1


def test_entries_about_another_page_are_ignored(org, sandbox, client):
    channel = sandbox_channel(org, sandbox, platform="facebook")
    comment = sandbox.inject_facebook_comment("Hello", author="Camille")
    payload = comment["webhook"]
    payload["entry"][0]["id"] = "999999"  # same app, a Page connected elsewhere
    body = json.dumps(payload).encode()
    from inbox.sandbox.graph_api import meta_signature

    answer = client.post(meta_url(channel), body, content_type="application/json",
                         headers={"X-Hub-Signature-256": meta_signature(body, sandbox.config()["facebook"]["app_secret"])})

    assert answer.status_code == 200 and answer.json() == {"received": 0}
    assert messages_of(channel) == []


def test_unknown_channels_and_wrong_platforms_are_refused(org, sandbox, client):
    x_channel = sandbox_channel(org, sandbox, platform="x")
    assert client.get(meta_url(x_channel), {"hub.mode": "subscribe", "hub.verify_token": "x"}).status_code == 403
    assert client.post(reverse("webhook-x", kwargs={"token": "no-such-channel"}), b"{}",
                       content_type="application/json").status_code == 403
