from datetime import UTC, datetime, timedelta

import pytest

from inbox.connectors.base import CredentialsRevoked, ItemKind, PlatformUnavailable, RateLimited
from inbox.connectors.mastodon import MastodonConnector


def make_connector(sandbox, **options) -> MastodonConnector:
    options.setdefault("timeout", 2.0)
    return MastodonConnector(credentials={"access_token": "token"}, base_url=sandbox.base_url, **options)


def test_fetch_walks_forward_without_gaps(sandbox):
    first_batch = sandbox.inject_many("mastodon", "mentions", [{"text": f"hello {n}", "author": f"fan{n}"}
                                                               for n in range(3)])
    connector = make_connector(sandbox, page_size=2, page_limit=3)
    first = connector.fetch({})
    assert [item.raw["notification_id"] for item in first.items] == first_batch
    assert first.items[0].text == "@vigie hello 0"
    assert first.items[0].author.external_id == "fan0@sandbox.social"
    assert first.rate_limit.remaining == 299

    # inject_many answers notification ids; items are keyed by status id and keep the notification's.
    later = sandbox.inject_many("mastodon", "mentions", [{"text": f"again {n}"} for n in range(7)])
    second = connector.fetch(first.cursor)
    assert [item.raw["notification_id"] for item in second.items] == later[:6]
    assert not second.exhausted
    third = connector.fetch(second.cursor)
    assert [item.raw["notification_id"] for item in third.items] == later[6:]
    assert third.exhausted
    assert connector.fetch(third.cursor).items == []


def test_direct_statuses_are_private_messages_and_replies_thread(sandbox):
    root = sandbox.inject_mastodon_mention("is the shop open?", author="ann")
    direct = sandbox.inject_mastodon_mention("my address is...", author="ann", visibility="direct")
    reply = sandbox.inject_mastodon_mention("hello?", author="ben", in_reply_to=root["status"]["id"])
    items = {item.external_id: item for item in make_connector(sandbox).fetch({}).items}
    assert items[direct["status"]["id"]].kind == ItemKind.PRIVATE_MESSAGE
    assert items[direct["status"]["id"]].thread_external_id == "dm:ann@sandbox.social"
    assert items[reply["status"]["id"]].kind == ItemKind.REPLY
    assert items[reply["status"]["id"]].parent_external_id == root["status"]["id"]
    assert items[root["status"]["id"]].kind == ItemKind.MENTION


def test_reply_mentions_the_author_and_idempotency_key_prevents_doubles(sandbox):
    mention = sandbox.inject_mastodon_mention("help", author="ann")
    direct = sandbox.inject_mastodon_mention("secret", author="ben", visibility="direct")
    connector = make_connector(sandbox)

    first = connector.send_reply(text="On it!", in_reply_to_external_id=mention["status"]["id"], idempotency_key="k1")
    retry = connector.send_reply(text="On it!", in_reply_to_external_id=mention["status"]["id"], idempotency_key="k1")
    private = connector.send_reply(text="Got it", in_reply_to_external_id=direct["status"]["id"], idempotency_key="k2")
    message = connector.send_private_message(recipient_external_id="dm:ann@sandbox.social", text="psst",
                                             idempotency_key="k3")

    assert first.external_id == retry.external_id
    posted = sandbox.posted("mastodon")
    assert [(p["text"], p["visibility"]) for p in posted] == [
        ("@ann@sandbox.social On it!", "public"), ("@ben@sandbox.social Got it", "direct"),
        ("@ann@sandbox.social psst", "direct")]
    assert posted[0]["in_reply_to_id"] == mention["status"]["id"]
    assert message.external_id == posted[2]["id"] and private.external_id == posted[1]["id"]


def test_failures(sandbox):
    connector = make_connector(sandbox)
    sandbox.fail("mastodon", "rate_limit", times=1, seconds=300)
    with pytest.raises(RateLimited) as limited:
        connector.fetch({})
    expected = datetime.now(UTC) + timedelta(seconds=300)
    assert abs((limited.value.reset_at - expected).total_seconds()) < 3
    sandbox.fail("mastodon", "revoked", times=1)
    with pytest.raises(CredentialsRevoked, match="reconnect"):
        connector.fetch({})
    sandbox.fail("mastodon", "error", times=1)
    with pytest.raises(PlatformUnavailable):
        connector.fetch({})
    sandbox.fail("mastodon", "slow", times=1, delay_ms=1500)
    with pytest.raises(PlatformUnavailable):
        make_connector(sandbox, timeout=0.3).fetch({})
    assert connector.check_credentials().handle == "@vigie"


def test_status_html_becomes_the_text_the_author_wrote(sandbox):
    sandbox.inject_mastodon_mention('Fish & chips <3 "quoted" &amp; kept\n\nsecond paragraph', author="ann")

    (item,) = make_connector(sandbox).fetch({}).items

    assert item.text == '@vigie Fish & chips <3 "quoted" &amp; kept\n\nsecond paragraph'


def test_html_to_text_drops_markup_and_scripts_but_keeps_lines():
    from inbox.connectors.common import html_to_text

    html = ('<p>Hello <a href="https://x.example/?a=1&amp;b=2" title="a>b">@<span>ann</span></a><br>'
            'line two</p><p>1 &lt; 2 &amp;&amp; <script>alert(1)</script>3 &gt; 2</p>'
            '<p><span class="invisible">https://</span>example.com</p>')
    assert html_to_text(html) == "Hello @ann\nline two\n\n1 < 2 && 3 > 2\n\nhttps://example.com"
    assert html_to_text("") == "" and html_to_text("plain & simple") == "plain & simple"
