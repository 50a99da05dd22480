from datetime import UTC, datetime, timedelta

import pytest

from inbox.connectors.base import CredentialsRevoked, ItemKind, PlatformUnavailable, RateLimited, SendRefused
from inbox.connectors.bluesky import BlueskyConnector


def make_connector(sandbox, **options) -> BlueskyConnector:
    options.setdefault("timeout", 2.0)
    return BlueskyConnector(credentials={"handle": "vigie.sandbox.social", "app_password": "app-pass"},
                            base_url=sandbox.base_url, **options)


def test_mentions_and_replies_with_cursor(sandbox):
    root = sandbox.inject_bluesky_mention("is the app down?", author="ann")
    reply = sandbox.inject_bluesky_mention("same here", author="ben", reply_to=root["uri"])
    others = sandbox.inject_many("bluesky", "mentions", [{"text": f"hi {n}"} for n in range(3)])
    connector = make_connector(sandbox, page_size=2)

    first = connector.fetch({})

    by_id = {item.external_id: item for item in first.items}
    assert set(by_id) == {root["uri"], reply["uri"], *others}
    assert by_id[root["uri"]].kind == ItemKind.MENTION
    assert by_id[root["uri"]].text == "@vigie.sandbox.social is the app down?"
    answered = by_id[reply["uri"]]
    assert (answered.kind, answered.parent_external_id, answered.thread_external_id) == (
        ItemKind.REPLY, root["uri"], root["uri"])
    assert answered.author.handle == "@ben.bsky.social"
    assert connector.fetch(first.cursor).items == []


def test_reply_keeps_the_thread_root(sandbox):
    root = sandbox.inject_bluesky_mention("question", author="ann")
    reply = sandbox.inject_bluesky_mention("follow-up", author="ben", reply_to=root["uri"])
    connector = make_connector(sandbox)
    sent = connector.send_reply(text="We are on it", in_reply_to_external_id=reply["uri"], idempotency_key="k")
    (posted,) = sandbox.posted("bluesky")
    assert posted["id"] == sent.external_id and posted["text"] == "We are on it"
    assert posted["reply"]["parent"]["uri"] == reply["uri"]
    assert posted["reply"]["root"]["uri"] == root["uri"]
    with pytest.raises(SendRefused, match="private messages"):
        connector.send_private_message(recipient_external_id="did:plc:x", text="hi", idempotency_key="k")


def test_failures(sandbox):
    connector = make_connector(sandbox)
    assert connector.check_credentials().external_id == "did:plc:vigiebrand0000000000000"
    sandbox.fail("bluesky", "rate_limit", times=1, seconds=200)
    with pytest.raises(RateLimited) as limited:
        connector.fetch({})
    assert abs((limited.value.reset_at - datetime.now(UTC) - timedelta(seconds=200)).total_seconds()) < 3
    sandbox.fail("bluesky", "revoked", times=1)
    with pytest.raises(CredentialsRevoked):
        connector.fetch({})
    sandbox.fail("bluesky", "error", times=1)
    with pytest.raises(PlatformUnavailable):
        connector.fetch({})
    sandbox.fail("bluesky", "slow", times=1, delay_ms=1500)
    with pytest.raises(PlatformUnavailable):
        make_connector(sandbox, timeout=0.3).fetch({})
