"""Webhook addresses and proofs: a CRC answer is never a delivery signature, addresses cannot be
enumerated, and every proof is compared in constant time without ever answering 500."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse

from config.celery import app as celery_app
from inbox.connectors.base import WebhookRejected
from inbox.connectors.webhooks import verify_x_signature, x_crc_response
from inbox.models import Message, WebhookDelivery
from inbox.sandbox.control import x_signature
from inbox.sandbox.graph_api import meta_signature
from tests.factories import ChannelFactory, OrganizationFactory
from tests.inbox.test_tasks import sandbox_channel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="airdemo-hook-security")


@pytest.fixture(autouse=True)
def eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = previous


def x_url(channel) -> str:
    return reverse("webhook-x", kwargs={"token": channel.webhook_token})


def meta_url(channel) -> str:
    return reverse("webhook-meta", kwargs={"token": channel.webhook_token})


def test_a_crc_answer_cannot_be_used_to_forge_a_delivery(org, sandbox, client):
    """The attack of issue 8: ask the CRC endpoint to sign a body, then POST it as a delivery."""
    channel = sandbox_channel(org, sandbox, platform="x")
    forged = json.dumps({"for_user_id": channel.external_account_id, "tweet_create_events": [{
        "id_str": "666", "text": "@vigie_brand forged", "created_at": "Mon Mar 02 08:00:00 +0000 2026",
        "user": {"id_str": "42", "screen_name": "mallory"}}]})

    # Asking to sign a JSON body is refused: a "{" is never in a CRC token X sends...
    asked = client.get(x_url(channel), {"crc_token": forged})
    assert asked.status_code == 403 and b"response_token" not in asked.content
    # ...and whatever a CRC did sign cannot be delivered: a delivery must be a JSON object.
    token = base64.b64encode(b"any bytes the caller likes").decode()
    answer = client.get(x_url(channel), {"crc_token": token})
    assert answer.status_code == 200
    stolen_signature = answer.json()["response_token"]
    replayed = client.post(x_url(channel), token.encode(), content_type="application/json",
                           headers={"x-twitter-webhooks-signature": stolen_signature})
    assert replayed.status_code == 403

    assert not Message.objects.for_organization(org).exists()
    assert not WebhookDelivery.objects.for_organization(org).exists()


def test_no_crc_answer_is_the_signature_of_an_accepted_body():
    # The separation, stated on the two functions: the token alphabet has no "{", an accepted body
    # starts with one, so no (token, body) pair shares an HMAC input.
    for crc_token in ("{}", '{"a":1}', " {}", "é", "a" * 257, "", "a b", "<b>x</b>"):
        with pytest.raises(WebhookRejected):
            x_crc_response(crc_token, "secret")
    for body in (b"abc", b"[]", b"", b'"{}"'):
        with pytest.raises(WebhookRejected):
            verify_x_signature(body, x_signature(body, "secret"), "secret")
    verify_x_signature(b' {"ok": 1}', x_signature(b' {"ok": 1}', "secret"), "secret")


def test_webhook_addresses_are_random_tokens_not_ids(org, sandbox, client):
    first, second = (sandbox_channel(org, sandbox, platform="x"),
                     ChannelFactory(organization=org, platform="facebook"))
    assert first.webhook_token != second.webhook_token and len(first.webhook_token) >= 43
    assert str(first.pk) not in x_url(first).split("/")
    # The old address by id answers like any unknown address.
    by_id = client.get(f"/webhooks/x/{first.pk}/", {"crc_token": "abc"})
    assert (by_id.status_code, by_id.content) == (403, b"Refused.")


def test_the_sandbox_checks_the_crc_like_x_does(org, sandbox, live_server):
    channel = sandbox_channel(org, sandbox, platform="x")
    assert sandbox.x_crc_check(live_server.url + x_url(channel)) == {"status": 200, "valid": True}
    assert sandbox.x_crc_check(live_server.url + x_url(channel), secret="another")["valid"] is False


@pytest.mark.parametrize("platform", ["x", "meta"])
def test_an_unknown_address_and_a_wrong_proof_answer_the_same(org, sandbox, client, platform):
    channel = sandbox_channel(org, sandbox, platform="x" if platform == "x" else "facebook")
    url = x_url(channel) if platform == "x" else meta_url(channel)
    missing = reverse(f"webhook-{platform}", kwargs={"token": "A" * 43})
    header = "x-twitter-webhooks-signature" if platform == "x" else "X-Hub-Signature-256"
    get_params = {"crc_token": "{}"} if platform == "x" else {"hub.mode": "subscribe", "hub.verify_token": "guess",
                                                              "hub.challenge": "1"}

    answers = [
        client.get(missing, get_params), client.get(url, get_params),
        client.get(f"/webhooks/{platform}/%00/", get_params), client.get(f"/webhooks/{platform}/{'A' * 500}/"),
        client.post(missing, b"{}", content_type="application/json", headers={header: "sha256=00"}),
        client.post(url, b"{}", content_type="application/json", headers={header: "sha256=00"}),
        client.post(url, b"{}", content_type="application/json"),
    ]
    assert {(answer.status_code, answer.content, answer["Content-Type"]) for answer in answers} == {
        (403, b"Refused.", "text/plain; charset=utf-8")}


@pytest.mark.parametrize("header", ["sha256=é", "sha256=\u00ff" * 40, "", "sha256"])
def test_odd_signature_headers_are_refused_not_crashed(org, sandbox, client, header):
    x_channel = sandbox_channel(org, sandbox, platform="x")
    fb_channel = sandbox_channel(org, sandbox, platform="facebook")
    encoded = header.encode("latin-1").decode("latin-1")
    assert client.post(x_url(x_channel), b"{}", content_type="application/json",
                       headers={"x-twitter-webhooks-signature": encoded}).status_code == 403
    assert client.post(meta_url(fb_channel), b"{}", content_type="application/json",
                       headers={"X-Hub-Signature-256": encoded}).status_code == 403


def test_meta_verification_compares_the_channels_own_token_and_never_echoes_markup(org, sandbox, client):
    channel = sandbox_channel(org, sandbox, platform="facebook")
    other = ChannelFactory(organization=OrganizationFactory(), platform="facebook")
    params = {"hub.mode": "subscribe", "hub.verify_token": "sandbox-verify", "hub.challenge": "1158201444"}

    assert client.get(meta_url(channel), params).content == b"1158201444"
    # Another channel's address does not take this channel's token.
    assert client.get(meta_url(other), params).status_code == 403
    # A non-ASCII token is a wrong token, not a 500.
    assert client.get(meta_url(channel), {**params, "hub.verify_token": "vérifié"}).status_code == 403
    # A challenge that is not Meta's number is not echoed back.
    scripted = client.get(meta_url(channel), {**params, "hub.challenge": "<script>alert(1)</script>"})
    assert scripted.status_code == 403 and b"<script>" not in scripted.content


def test_a_signed_meta_delivery_needs_the_channels_own_app_secret(org, sandbox, client):
    channel = sandbox_channel(org, sandbox, platform="facebook")
    body = json.dumps({"object": "page", "entry": []}).encode()
    assert client.post(meta_url(channel), body, content_type="application/json",
                       headers={"X-Hub-Signature-256": meta_signature(body, "another-apps-secret")}).status_code == 403
    assert client.post(meta_url(channel), body, content_type="application/json",
                       headers={"X-Hub-Signature-256": meta_signature(body)}).status_code == 200


def test_the_webhook_address_is_shown_to_those_who_manage_channels_only(org, sandbox, client):
    from accounts.roles import Role
    from tests.factories import member

    channel = sandbox_channel(org, sandbox, platform="x")
    page = reverse("channel-detail", kwargs={"organization_slug": org.slug, "pk": channel.pk})
    client.force_login(member(org, Role.ADMIN, email="admin@example.com"))
    assert channel.webhook_token in client.get(page).content.decode()
    client.force_login(member(org, Role.AGENT, email="agent@example.com"))
    shown = client.get(page)
    assert shown.status_code == 200 and channel.webhook_token not in shown.content.decode()
