import pytest

from inbox.connectors.base import CredentialsRevoked, ItemKind, PlatformUnavailable, RateLimited
from inbox.connectors.instagram import InstagramConnector


def make_connector(sandbox, **options) -> InstagramConnector:
    config = sandbox.config()["instagram"]
    options.setdefault("timeout", 2.0)
    return InstagramConnector(credentials={"page_access_token": "t", "app_secret": config["app_secret"]},
                              page_id=config["page_id"], ig_user_id=config["ig_user_id"],
                              base_url=sandbox.base_url, **options)


def test_comments_replies_and_tags_then_only_new(sandbox):
    media = sandbox.inject_instagram_media("Summer drop")
    comment = sandbox.inject_instagram_comment("Love the colours", media_id=media["id"], username="ann")
    reply = sandbox.inject_instagram_comment("Same", parent_id=comment["id"], username="ben")
    tag = sandbox.inject_instagram_tag("Wearing @vigie.brand today", username="cid")
    connector = make_connector(sandbox)

    first = connector.fetch({})

    by_id = {item.external_id: item for item in first.items}
    assert set(by_id) == {comment["id"], reply["id"], tag["id"]}
    assert (by_id[comment["id"]].kind, by_id[comment["id"]].context_text) == (ItemKind.COMMENT, "Summer drop")
    assert (by_id[reply["id"]].kind, by_id[reply["id"]].parent_external_id) == (ItemKind.REPLY, comment["id"])
    assert (by_id[tag["id"]].kind, by_id[tag["id"]].author.handle) == (ItemKind.MENTION, "@cid")
    assert connector.fetch(first.cursor).items == []

    later = sandbox.inject_instagram_comment("Restock when?", media_id=media["id"], username="dan")
    assert [item.external_id for item in connector.fetch(first.cursor).items] == [later["id"]]


def test_replies_go_to_comments_or_through_the_mentions_edge(sandbox):
    comment = sandbox.inject_instagram_comment("Price?", username="ann")
    tag = sandbox.inject_instagram_tag("Look @vigie.brand", username="cid")
    connector = make_connector(sandbox)
    to_comment = connector.send_reply(text="49 EUR", in_reply_to_external_id=comment["id"], idempotency_key="a")
    to_tag = connector.send_reply(text="Thanks for the tag", in_reply_to_external_id=tag["id"], idempotency_key="b")
    posted = sandbox.posted("instagram")
    assert [(p["kind"], p["id"], p["in_reply_to"]) for p in posted] == [
        ("comment", to_comment.external_id, comment["id"]), ("mention_reply", to_tag.external_id, tag["id"])]
    # The brand's own answers are not read back as inbound comments.
    assert {item.external_id for item in connector.fetch({}).items} == {comment["id"], tag["id"]}
    assert connector.fetch_mention(media_id=tag["id"]).text == "Look @vigie.brand"


def test_failures(sandbox):
    connector = make_connector(sandbox)
    sandbox.inject_instagram_media("x")
    for mode, error in (("rate_limit", RateLimited), ("revoked", CredentialsRevoked), ("error", PlatformUnavailable)):
        sandbox.fail("instagram", mode, times=1)
        with pytest.raises(error, match="Instagram"):
            connector.fetch({})


def test_the_251st_comment_and_later_replies_to_older_comments_are_read(sandbox):
    media = sandbox.inject_instagram_media("Launch day")
    first_ones = sandbox.inject_many("instagram", "comments", [
        {"media_id": media["id"], "text": f"comment {n}", "username": f"fan{n % 9}"} for n in range(260)])
    connector = make_connector(sandbox, page_size=50, page_limit=5)

    seen, cursor = [], {}
    for _ in range(5):
        result = connector.fetch(cursor)
        seen += [item.external_id for item in result.items]
        cursor = result.cursor
        if result.exhausted:
            break
    assert sorted(seen) == sorted(first_ones)

    later = sandbox.inject_instagram_comment("comment 261", media_id=media["id"], username="late")
    answers = sandbox.inject_many("instagram", "comments", [
        {"parent_id": first_ones[3], "text": f"answer {n}", "username": f"replier{n}"} for n in range(30)])
    seen = []
    for _ in range(10):
        result = connector.fetch(cursor)
        seen += [item.external_id for item in result.items]
        cursor = result.cursor
        if result.exhausted:
            break

    assert sorted(seen) == sorted([later["id"], *answers])
    by_id = {item.external_id: item for item in connector.fetch({}).items if item.external_id in answers}
    assert {item.parent_external_id for item in by_id.values()} == {first_ones[3]}
    assert connector.fetch(cursor).items == []
