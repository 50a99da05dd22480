from datetime import UTC, datetime, timedelta

import pytest

from inbox.connectors.base import CredentialsRevoked, ItemKind, PlatformUnavailable, RateLimited, SendRefused
from inbox.connectors.facebook import FacebookConnector


def make_connector(sandbox, **options) -> FacebookConnector:
    config = sandbox.config()["facebook"]
    options.setdefault("timeout", 2.0)
    secret = options.pop("app_secret", config["app_secret"])
    return FacebookConnector(credentials={"page_access_token": "page-token", "app_secret": secret},
                             page_id=config["page_id"], base_url=sandbox.base_url, **options)


def test_fetch_comments_replies_and_messenger_then_only_new(sandbox):
    post = sandbox.inject_facebook_post("Our autumn collection is out")
    comments = sandbox.inject_many("facebook", "comments", [
        {"post_id": post["id"], "message": f"Comment {n}", "author": f"Fan {n}"} for n in range(30)])
    reply = sandbox.inject_facebook_comment("Same question", parent_id=comments[0], author="Ben")
    message = sandbox.inject_facebook_message("Where is my order?", sender="Cid")
    connector = make_connector(sandbox, page_limit=10)

    first = connector.fetch({})

    by_id = {item.external_id: item for item in first.items}
    assert set(by_id) == set(comments) | {reply["id"], message["id"]}
    answered = by_id[reply["id"]]
    assert (answered.kind, answered.parent_external_id, answered.thread_external_id) == (
        ItemKind.REPLY, comments[0], post["id"])
    assert answered.context_text == "Our autumn collection is out"
    assert by_id[comments[5]].kind == ItemKind.COMMENT and by_id[comments[5]].author.name == "Fan 5"
    private = by_id[message["id"]]
    assert (private.kind, private.is_private, private.thread_external_id) == (
        ItemKind.PRIVATE_MESSAGE, True, f"dm:{message['psid']}")

    assert connector.fetch(first.cursor).items == []
    later = sandbox.inject_facebook_comment("One more", post_id=post["id"], author="Dan")
    second = connector.fetch(first.cursor)
    assert [item.external_id for item in second.items] == [later["id"]]


def test_reply_and_messenger_answer_are_posted(sandbox):
    comment = sandbox.inject_facebook_comment("Is it vegan?", author="Ann")
    message = sandbox.inject_facebook_message("Hello", sender="Ann")
    connector = make_connector(sandbox)

    reply = connector.send_reply(text="Yes it is!", in_reply_to_external_id=comment["id"], idempotency_key="a")
    answer = connector.send_private_message(recipient_external_id=f"dm:{message['psid']}", text="Hi Ann",
                                            idempotency_key="b")

    posted = sandbox.posted("facebook")
    assert [(p["kind"], p["id"], p["text"]) for p in posted] == [
        ("comment", reply.external_id, "Yes it is!"), ("message", answer.external_id, "Hi Ann")]
    assert posted[0]["in_reply_to"] == comment["id"]
    assert posted[1]["messaging_type"] == "RESPONSE"
    # The page's own reply is not read back as inbound traffic.
    assert all(item.external_id != reply.external_id for item in connector.fetch({}).items)


def test_message_outside_the_24_hour_window_is_refused(sandbox):
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    message = sandbox.inject_facebook_message("Old question", sender="Eve", created_time=two_days_ago)
    with pytest.raises(SendRefused, match="24 hours") as refused:
        make_connector(sandbox).send_private_message(recipient_external_id=message["psid"], text="Sorry",
                                                     idempotency_key="c")
    assert refused.value.code == "outside_window"
    assert sandbox.posted("facebook") == []


def test_graph_rate_limit_revoked_and_server_errors(sandbox):
    connector = make_connector(sandbox)
    sandbox.fail("facebook", "rate_limit", times=1, seconds=600)
    with pytest.raises(RateLimited) as limited:
        connector.fetch({})
    assert timedelta(minutes=9) < limited.value.reset_at - datetime.now(UTC) <= timedelta(minutes=10)

    sandbox.fail("facebook", "revoked", times=1)
    with pytest.raises(CredentialsRevoked, match="reconnect the channel"):
        connector.fetch({})

    sandbox.fail("facebook", "error", times=1)
    with pytest.raises(PlatformUnavailable):
        connector.fetch({})


def test_slow_graph_times_out(sandbox):
    sandbox.fail("facebook", "slow", times=1, delay_ms=1500)
    with pytest.raises(PlatformUnavailable, match="in time"):
        make_connector(sandbox, timeout=0.3).fetch({})


def test_wrong_app_secret_fails_the_appsecret_proof(sandbox):
    with pytest.raises(Exception, match="appsecret_proof"):
        make_connector(sandbox, app_secret="not-the-secret").check_credentials()
    assert make_connector(sandbox).check_credentials().name == "Vigie Brand"


def test_connectors_for_different_bases_do_not_interfere(sandbox, platform_sandbox):
    elsewhere = FacebookConnector(credentials={"page_access_token": "t", "app_secret": "s"}, page_id="1",
                                  base_url="http://127.0.0.1:9", timeout=0.5)
    with pytest.raises(PlatformUnavailable):
        elsewhere.fetch({})
    assert make_connector(sandbox).check_credentials().external_id == sandbox.config()["facebook"]["page_id"]
