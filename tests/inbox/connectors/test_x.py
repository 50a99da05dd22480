import json
from datetime import UTC, datetime, timedelta

import pytest

from inbox.connectors.base import (
    CredentialsRevoked,
    ItemKind,
    PlatformUnavailable,
    RateLimited,
    SendRefused,
)
from inbox.connectors.x import XConnector, items_from_dm_events, items_from_tweets, search_query

from .conftest import FIXTURES


def make_connector(sandbox, **options) -> XConnector:
    options.setdefault("timeout", 2.0)
    return XConnector(credentials={"bearer_token": "user-token"}, base_url=sandbox.base_url,
                      user_id=sandbox.config()["x"]["user_id"], username="vigie_brand", **options)


def recorded(name: str) -> list[dict]:
    return json.loads((FIXTURES / "x" / name).read_text())["interactions"]


def test_fetch_follows_pages_then_only_returns_new_mentions(sandbox):
    ids = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand order {n}", "author": f"fan{n}",
                                                 "followers": n} for n in range(12)])
    connector = make_connector(sandbox, page_size=5, page_limit=5)

    first = connector.fetch({})

    assert [item.external_id for item in first.items] == ids
    assert first.exhausted
    assert first.cursor["mentions"] == {"since_id": ids[-1]}
    newest = first.items[-1]
    assert (newest.kind, newest.text, newest.author.handle, newest.author.followers) == (
        ItemKind.MENTION, "@vigie_brand order 11", "@fan11", 11)
    assert newest.thread_external_id == newest.external_id
    assert first.rate_limit.limit == 450

    later = sandbox.inject_x_mention("@vigie_brand still waiting", author="fan3")
    second = connector.fetch(first.cursor)
    assert [item.external_id for item in second.items] == [later["id"]]
    assert connector.fetch(second.cursor).items == []


def test_page_limit_leaves_a_backlog_that_the_next_fetch_completes(sandbox):
    ids = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand {n}"} for n in range(8)])
    connector = make_connector(sandbox, page_size=5, page_limit=1)

    first = connector.fetch({})
    assert not first.exhausted
    assert [item.external_id for item in first.items] == ids[3:]

    newer = sandbox.inject_x_mention("@vigie_brand newer")["id"]
    second = connector.fetch(first.cursor)
    assert [item.external_id for item in second.items] == ids[:3]
    assert second.exhausted
    third = connector.fetch(second.cursor)
    assert [item.external_id for item in third.items] == [newer]


def test_replies_threads_search_and_direct_messages(sandbox):
    root = sandbox.inject_x_mention("@vigie_brand my parcel is lost", author="ann")
    reply = sandbox.inject_x_mention("@vigie_brand any news?", author="ann", in_reply_to=root["id"])
    found = sandbox.inject_x_post("Crème brûlée by Vigie Soft is great", author="ben")
    sandbox.inject_x_post("unrelated chatter", author="cid")
    dm = sandbox.inject_x_dm("please call me back", sender="dan")
    connector = make_connector(sandbox, watch_terms=["Vigie Soft"])

    result = connector.fetch({})

    by_id = {item.external_id: item for item in result.items}
    assert set(by_id) == {root["id"], reply["id"], found["id"], dm["id"]}
    assert by_id[reply["id"]].kind == ItemKind.REPLY
    assert by_id[reply["id"]].parent_external_id == root["id"]
    assert by_id[reply["id"]].thread_external_id == root["id"]
    assert by_id[reply["id"]].context_text == "@vigie_brand my parcel is lost"
    assert by_id[found["id"]].kind == ItemKind.MENTION
    message = by_id[dm["id"]]
    assert (message.kind, message.is_private, message.text) == (ItemKind.PRIVATE_MESSAGE, True, "please call me back")
    assert message.thread_external_id == dm["dm_conversation_id"]
    assert message.author.handle == "@dan"
    assert result.cursor["dms"]["ids"] == [dm["id"]] and "resume" not in result.cursor["dms"]
    assert result.cursor["search_query"] == '"Vigie Soft" -is:retweet -from:vigie_brand'

    again = connector.fetch(result.cursor)
    assert again.items == []


def test_reply_and_private_message_are_posted_once(sandbox):
    mention = sandbox.inject_x_mention("@vigie_brand hello", author="ann")
    dm = sandbox.inject_x_dm("hi there", sender="ann")
    connector = make_connector(sandbox)

    sent = connector.send_reply(text="Hello Ann!", in_reply_to_external_id=mention["id"], idempotency_key="r1")
    message = connector.send_private_message(recipient_external_id=dm["dm_conversation_id"], text="On it",
                                             idempotency_key="m1")

    posted = sandbox.posted("x")
    assert [(p["kind"], p["id"], p["text"]) for p in posted] == [
        ("tweet", sent.external_id, "Hello Ann!"), ("dm", message.external_id, "On it")]
    assert posted[0]["in_reply_to_tweet_id"] == mention["id"]
    assert posted[1]["participant_id"] == dm["sender_id"]
    assert sent.url.endswith(f"/vigie_brand/status/{sent.external_id}")

    with pytest.raises(SendRefused) as refused:
        connector.send_reply(text="Hello Ann!", in_reply_to_external_id=mention["id"], idempotency_key="r1")
    assert refused.value.code == "duplicate"
    assert len(sandbox.posted("x")) == 2


def test_rate_limit_carries_the_reset_time(sandbox):
    sandbox.fail("x", "rate_limit", times=1, seconds=120)
    with pytest.raises(RateLimited) as limited:
        make_connector(sandbox).fetch({})
    expected = datetime.now(UTC) + timedelta(seconds=120)
    assert abs((limited.value.reset_at - expected).total_seconds()) < 3
    assert limited.value.reset_at.tzinfo is not None


@pytest.mark.parametrize(("mode", "error"), [("revoked", CredentialsRevoked), ("error", PlatformUnavailable)])
def test_failures_become_connector_errors(sandbox, mode, error):
    sandbox.fail("x", mode, times=1)
    with pytest.raises(error) as raised:
        make_connector(sandbox).fetch({})
    assert "X" in str(raised.value)


def test_revoked_token_while_sending(sandbox):
    mention = sandbox.inject_x_mention("@vigie_brand hi")
    sandbox.fail("x", "revoked", path="/2/tweets")
    with pytest.raises(CredentialsRevoked, match="reconnect"):
        make_connector(sandbox).send_reply(text="hi", in_reply_to_external_id=mention["id"], idempotency_key="k")
    assert sandbox.posted("x") == []


def test_slow_answer_times_out_as_unavailable(sandbox):
    sandbox.fail("x", "slow", times=1, delay_ms=1500)
    with pytest.raises(PlatformUnavailable, match="in time"):
        make_connector(sandbox, timeout=0.3).fetch({})


def test_search_query_groups_terms():
    assert search_query(["vigie", "crème brûlée"], "brand") == '(vigie OR "crème brûlée") -is:retweet -from:brand'
    assert search_query([]) == ""


def test_recorded_mentions_parse_without_expansions():
    response = recorded("get_users_mentions.json")[0]["response"]["body"]
    items = items_from_tweets(response)
    assert len(items) == 10
    first = items[0]
    assert first.external_id == "1578516295611748353"
    assert first.text.startswith("@Twitter @TwitterSupport this is my ENTIRE feed")
    assert first.author.external_id == "" and first.author.handle == ""
    assert first.thread_external_id == "1578516295611748353"
    # No created_at was asked for: the time comes from the snowflake id.
    assert first.created_at == datetime(2022, 10, 7, 22, 43, 6, 945000, tzinfo=UTC)
    assert first.url == "https://x.com/i/web/status/1578516295611748353"


def test_recorded_search_and_tweet_lookups_parse():
    search = recorded("search_recent_tweets.json")[0]["response"]["body"]
    items = items_from_tweets(search)
    assert [item.text for item in items[:2]] == ["2022-10-07 22:42:12.637103 tweepy",
                                                 "2022-10-07 22:40:12.640354 tweepy"]
    assert items[0].created_at.date().isoformat() == "2022-10-07"
    single = recorded("get_tweet.json")[0]["response"]["body"]
    # A single-tweet lookup answers an object, not a list.
    (tweet,) = items_from_tweets({"data": [single["data"]]})
    assert tweet.external_id == "1293593516040269825"
    assert "#TwitterAPI" in tweet.text
    many = recorded("get_tweets.json")[0]["response"]["body"]
    assert [item.external_id for item in items_from_tweets(many)] == ["1293593516040269825", "1293595870563381249"]


def test_recorded_direct_messages_parse():
    interactions = recorded("manage_and_lookup_direct_messages.json")
    empty = next(i for i in interactions if i["request"]["uri"].endswith("/2/dm_events"))
    assert items_from_dm_events(empty["response"]["body"]) == []
    listing = next(i for i in interactions if i["request"]["uri"].endswith("/dm_events") and
                   "data" in i["response"]["body"])
    items = items_from_dm_events(listing["response"]["body"])
    assert [(item.external_id, item.text, item.is_private) for item in items] == [
        ("1585800613752881156", "Testing 2", True), ("1585800613253812228", "Testing 1", True)]
    assert items[0].kind == ItemKind.PRIVATE_MESSAGE


def test_recorded_created_tweet_shape_matches_the_sandbox(sandbox):
    recorded_body = recorded("create_and_delete_tweet.json")[0]["response"]["body"]
    mention = sandbox.inject_x_mention("@vigie_brand hello")
    sent = make_connector(sandbox).send_reply(text="Thanks", in_reply_to_external_id=mention["id"],
                                              idempotency_key="k")
    assert set(recorded_body["data"]) <= set(sent.raw["data"])
