import base64
import hashlib
import hmac
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from inbox.connectors.base import ItemKind, WebhookRejected
from inbox.connectors.facebook import FacebookConnector
from inbox.connectors.webhooks import (
    instagram_mentions_to_fetch,
    meta_verification_challenge,
    parse_meta_payload,
    parse_x_payload,
    verify_meta_signature,
    verify_x_signature,
    x_crc_response,
)
from inbox.connectors.x import XConnector


@pytest.fixture
def receiver():
    """A stand-in for the project's webhook endpoint: verifies like the real one and keeps what it parsed."""
    received: list = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                if "x-twitter-webhooks-signature" in self.headers:
                    verify_x_signature(body, self.headers["x-twitter-webhooks-signature"], "sandbox-consumer-secret")
                    received.extend(parse_x_payload(json.loads(body)))
                else:
                    verify_meta_signature(body, self.headers.get("X-Hub-Signature-256"), "sandbox-app-secret")
                    received.extend(parse_meta_payload(json.loads(body)))
                status = 200
            except WebhookRejected:
                status = 403
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args):
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hooks", received
    server.shutdown()
    server.server_close()


def test_meta_verification_handshake():
    params = {"hub.mode": "subscribe", "hub.verify_token": "s3cret", "hub.challenge": "1158201444"}
    assert meta_verification_challenge(params, "s3cret") == "1158201444"
    assert meta_verification_challenge({**params, "hub.verify_token": "guess"}, "s3cret") is None
    assert meta_verification_challenge({**params, "hub.mode": "unsubscribe"}, "s3cret") is None


def test_x_crc_response_matches_the_documented_hmac():
    expected = base64.b64encode(hmac.new(b"consumer", b"challenge-123", hashlib.sha256).digest()).decode()
    assert x_crc_response("challenge-123", "consumer") == {"response_token": f"sha256={expected}"}


def test_signature_checks_refuse_tampering():
    body = b'{"object":"page"}'
    good = "sha256=" + hmac.new(b"app", body, hashlib.sha256).hexdigest()
    verify_meta_signature(body, good, "app")
    for bad in (None, "", good[:-1] + "0", "sha1=abc"):
        with pytest.raises(WebhookRejected):
            verify_meta_signature(body, bad, "app")
    with pytest.raises(WebhookRejected):
        verify_meta_signature(body + b" ", good, "app")
    x_good = "sha256=" + base64.b64encode(hmac.new(b"c", body, hashlib.sha256).digest()).decode()
    verify_x_signature(body, x_good, "c")
    with pytest.raises(WebhookRejected):
        verify_x_signature(body, x_good, "other")


def test_meta_deliveries_give_the_same_ids_as_polling(sandbox, receiver):
    url, received = receiver
    post = sandbox.inject_facebook_post("Launch day")
    comment = sandbox.inject_facebook_comment("Love it", post_id=post["id"], author="Ann")
    reply = sandbox.inject_facebook_comment("Me too", parent_id=comment["id"], author="Ben")
    message = sandbox.inject_facebook_message("Hello", sender="Cid")

    for created in (comment, reply, message):
        assert sandbox.deliver_webhook(url, created["webhook"])["status"] == 200
    assert sandbox.deliver_webhook(url, comment["webhook"], valid=False)["status"] == 403

    config = sandbox.config()["facebook"]
    polled = FacebookConnector(credentials={"page_access_token": "t", "app_secret": config["app_secret"]},
                               page_id=config["page_id"], base_url=sandbox.base_url).fetch({}).items
    as_key = {(i.external_id, i.kind, i.thread_external_id, i.parent_external_id, i.text) for i in polled}
    assert {(i.external_id, i.kind, i.thread_external_id, i.parent_external_id, i.text) for i in received} == as_key
    assert len(received) == 3


def test_instagram_payloads(sandbox):
    comment = sandbox.inject_instagram_comment("So nice", username="ann")
    (item,) = parse_meta_payload(comment["webhook"])
    assert (item.external_id, item.kind, item.text, item.author.handle) == (
        comment["id"], ItemKind.COMMENT, "So nice", "@ann")
    assert item.thread_external_id == comment["media"]["id"]
    mention = {"object": "instagram", "entry": [{"id": "1784", "time": 1, "changes": [
        {"field": "mentions", "value": {"media_id": "17900", "comment_id": "17800"}}]}]}
    assert instagram_mentions_to_fetch(mention) == [{"media_id": "17900", "comment_id": "17800"}]
    assert parse_meta_payload(mention) == []


def test_x_account_activity_deliveries_match_polling(sandbox, receiver):
    url, received = receiver
    mention = sandbox.inject_x_mention("@vigie_brand where is my parcel", author="ann", followers=42)
    dm = sandbox.inject_x_dm("hello in private", sender="ben")
    assert sandbox.deliver_webhook(url, mention["webhook"], platform="x")["status"] == 200
    assert sandbox.deliver_webhook(url, dm["webhook"], platform="x")["status"] == 200
    assert sandbox.deliver_webhook(url, dm["webhook"], platform="x", valid=False)["status"] == 403

    polled = XConnector(credentials={"bearer_token": "t"}, base_url=sandbox.base_url,
                        user_id=sandbox.config()["x"]["user_id"]).fetch({}).items
    key = lambda i: (i.external_id, i.kind, i.text, i.author.external_id, i.thread_external_id,  # noqa: E731
                     i.is_private, i.created_at)
    assert sorted(map(key, received)) == sorted(map(key, polled))
    assert received[0].author.followers == 42
