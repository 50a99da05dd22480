"""Bursts larger than one fetch, for every connector: a page limit delays a read, never ends it.

Each case primes the cursor, lets a burst of several page limits arrive, then fetches until the
connector says nothing more is waiting, asserting that every item came exactly once. The stream cases
inject new items while the connector is paging (from its own HTTP hooks), as a storm does."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from inbox.connectors.bluesky import BlueskyConnector
from inbox.connectors.facebook import FacebookConnector
from inbox.connectors.instagram import InstagramConnector
from inbox.connectors.mastodon import MastodonConnector
from inbox.connectors.x import XConnector

PAGE = 5
LIMIT = 2  # pages per fetch: a fetch reads at most 10 items of a stream


def drain(connector, cursor: dict[str, Any], *, most: int = 60) -> tuple[list[str], dict[str, Any], int]:
    """Fetches as the worker does when told `more_waiting`: again at once, until nothing more waits."""
    seen: list[str] = []
    for fetches in range(1, most + 1):
        result = connector.fetch(cursor)
        seen += [item.external_id for item in result.items]
        cursor = result.cursor
        if result.exhausted:
            return seen, cursor, fetches
    raise AssertionError(f"still not exhausted after {most} fetches")


def assert_once(seen: list[str], expected: list[str]) -> None:
    doubled = [key for key, count in Counter(seen).items() if count > 1]
    assert doubled == [], f"{len(doubled)} items read twice"
    missing = set(expected) - set(seen)
    assert not missing, f"{len(missing)} of {len(expected)} items lost"


@dataclass
class Case:
    """One stream of one connector: how to build it, add one item to it, and hook into its paging."""

    connect: Callable[[Any], Any]
    add_many: Callable[[Any, int, str], list[str]]
    on_response: Callable[[Any, Callable[[], None]], None]  # runs the callable after each page it reads


def _requests_hook(session_of: Callable[[Any], Any]) -> Callable[[Any, Callable[[], None]], None]:
    def install(connector, during):
        session_of(connector).hooks["response"].append(lambda response, *args, **kwargs: during())
    return install


def _bluesky_hook(connector, during):
    namespace = connector.client.app.bsky.notification
    real = namespace.list_notifications

    def listing(*args, **kwargs):
        answer = real(*args, **kwargs)
        during()
        return answer

    namespace.list_notifications = listing


def _x(sandbox, **options):
    return XConnector(credentials={"bearer_token": "t"}, base_url=sandbox.base_url, timeout=3.0,
                      account_id=sandbox.config()["x"]["user_id"], username="vigie_brand", page_size=PAGE,
                      page_limit=LIMIT, **options)


def _graph(cls, sandbox, **options):
    config = sandbox.config()
    return cls(credentials={"page_access_token": "t", "app_secret": config["facebook"]["app_secret"]},
               page_id=config["facebook"]["page_id"], base_url=sandbox.base_url, timeout=3.0, page_size=PAGE,
               page_limit=LIMIT, **options)


def _ids(sandbox, platform, kind, items):
    return sandbox.inject_many(platform, kind, items)


CASES: dict[str, Case] = {
    "x mentions": Case(
        connect=lambda sb: _x(sb),
        add_many=lambda sb, n, tag: _ids(sb, "x", "mentions", [{"text": f"@vigie_brand {tag} {i}",
                                                                 "author": f"fan{i % 7}"} for i in range(n)]),
        on_response=_requests_hook(lambda c: c.client.session)),
    "x keyword search": Case(
        connect=lambda sb: _x(sb, watch_terms=["croissant"]),
        add_many=lambda sb, n, tag: _ids(sb, "x", "posts", [{"text": f"croissant {tag} {i}", "author": f"eater{i % 5}"}
                                                             for i in range(n)]),
        on_response=_requests_hook(lambda c: c.client.session)),
    "x direct messages": Case(
        connect=lambda sb: _x(sb),
        add_many=lambda sb, n, tag: _ids(sb, "x", "dms", [{"text": f"dm {tag} {i}", "sender": f"client{i % 9}"}
                                                           for i in range(n)]),
        on_response=_requests_hook(lambda c: c.client.session)),
    "bluesky": Case(
        connect=lambda sb: BlueskyConnector(credentials={"handle": "vigie.sandbox.social", "app_password": "pw"},
                                            base_url=sb.base_url, page_size=PAGE, page_limit=LIMIT, timeout=3.0),
        add_many=lambda sb, n, tag: _ids(sb, "bluesky", "mentions", [{"text": f"sky {tag} {i}", "author": f"sky{i % 4}"}
                                                                      for i in range(n)]),
        on_response=_bluesky_hook),
    "mastodon": Case(
        connect=lambda sb: MastodonConnector(credentials={"access_token": "t"}, base_url=sb.base_url,
                                             page_size=PAGE, page_limit=LIMIT, timeout=3.0),
        add_many=lambda sb, n, tag: [item["status"]["id"] for item in sb.inject(
            "mastodon", "mentions", items=[{"text": f"toot {tag} {i}", "author": f"t{i % 3}"} for i in range(n)])["items"]],
        on_response=_requests_hook(lambda c: c.api.session)),
    "facebook comments on one post": Case(
        connect=lambda sb: _graph(FacebookConnector, sb),
        add_many=lambda sb, n, tag: _ids(sb, "facebook", "comments", [
            {"post_id": _shared_post(sb), "message": f"comment {tag} {i}", "author": f"Fan {i % 6}"} for i in range(n)]),
        on_response=_requests_hook(lambda c: c.graph.session)),
    "facebook messenger": Case(
        connect=lambda sb: _graph(FacebookConnector, sb),
        add_many=lambda sb, n, tag: _ids(sb, "facebook", "messages", [
            {"text": f"message {tag} {i}", "sender": f"Person {tag} {i}"} for i in range(n)]),
        on_response=_requests_hook(lambda c: c.graph.session)),
    "instagram comments on one media": Case(
        connect=lambda sb: _graph(InstagramConnector, sb, ig_user_id=sb.config()["instagram"]["ig_user_id"]),
        add_many=lambda sb, n, tag: _ids(sb, "instagram", "comments", [
            {"media_id": _shared_media(sb), "text": f"insta {tag} {i}", "username": f"gram{i % 8}"} for i in range(n)]),
        on_response=_requests_hook(lambda c: c.graph.session)),
    "instagram tags": Case(
        connect=lambda sb: _graph(InstagramConnector, sb, ig_user_id=sb.config()["instagram"]["ig_user_id"]),
        add_many=lambda sb, n, tag: _ids(sb, "instagram", "tags", [
            {"caption": f"tagged {tag} {i}", "username": f"tagger{i}"} for i in range(n)]),
        on_response=_requests_hook(lambda c: c.graph.session)),
}

_shared: dict[str, str] = {}


def _shared_post(sandbox) -> str:
    if "post" not in _shared:
        _shared["post"] = sandbox.inject_facebook_post("The brand's post everyone answers")["id"]
    return _shared["post"]


def _shared_media(sandbox) -> str:
    if "media" not in _shared:
        _shared["media"] = sandbox.inject_instagram_media("The brand's photo everyone answers")["id"]
    return _shared["media"]


@pytest.fixture
def world(sandbox):
    """The sandbox with the platforms' awkward habits on: X pages without their users, Graph pages
    shorter than asked while more follow, Mastodon and Bluesky capping the page size below ours."""
    _shared.clear()
    sandbox.quirks("x", omit_users=True)
    sandbox.quirks("facebook", page_shortfall=2)
    sandbox.quirks("instagram", page_shortfall=2)
    sandbox.quirks("mastodon", max_limit=PAGE - 2)
    sandbox.quirks("bluesky", max_limit=PAGE - 1)
    yield sandbox
    _shared.clear()


@pytest.fixture(params=sorted(CASES))
def case(request) -> Case:
    return CASES[request.param]


def test_a_burst_of_several_page_limits_between_two_polls_is_read_in_full_once(world, case):
    connector = case.connect(world)
    primed = case.add_many(world, 1, "before")
    seen, cursor, _ = drain(connector, {})
    assert_once(seen, primed)

    burst = case.add_many(world, PAGE * LIMIT * 3 + 3, "burst")  # 33 items: four fetches' worth
    seen, cursor, fetches = drain(connector, cursor)

    assert_once(seen, burst)
    assert not set(seen) & set(primed)
    assert fetches >= 2  # the page limit held a fetch to its share, and the rest was not skipped
    again, _, _ = drain(connector, cursor)
    assert again == []


def test_a_stream_that_keeps_arriving_during_the_read_loses_and_repeats_nothing(world, case):
    connector = case.connect(world)
    seen, cursor, _ = drain(connector, {})
    burst = case.add_many(world, PAGE * LIMIT * 2 + 1, "burst")
    arrived: list[str] = []

    def one_more_while_paging():
        if len(arrived) < 15:
            arrived.extend(case.add_many(world, 1, f"live{len(arrived)}"))

    case.on_response(connector, one_more_while_paging)
    seen, cursor, _ = drain(connector, cursor)
    while len(arrived) < 15:  # the read may end before the stream does: polls go on as usual
        more, cursor, _ = drain(connector, cursor)
        seen += more
    arrived_before_last = list(arrived)
    more, cursor, _ = drain(connector, cursor)
    seen += more
    # The items injected by the very last read's own pages arrive after it: one more poll takes them.
    more, _, _ = drain(connector, cursor)
    seen += more

    assert_once(seen, burst + arrived)
    assert len(arrived_before_last) >= 15


def test_beat_stopped_for_two_minutes_many_pages_waiting(world):
    """X DMs and Bluesky were the worst hit: a dozen page limits waiting are read back, nothing skipped."""
    for name in ("x direct messages", "bluesky"):
        case = CASES[name]
        connector = case.connect(world)
        _, cursor, _ = drain(connector, {})
        waiting = case.add_many(world, PAGE * LIMIT * 12, "while beat was stopped")
        seen, _, fetches = drain(connector, cursor)
        assert_once(seen, waiting)
        assert fetches >= 12


def test_cursors_stored_before_resumable_reads_carry_on_without_repeats(world):
    """Channels polled by the previous version keep their place: nothing read again, nothing skipped."""
    x = CASES["x direct messages"].connect(world)
    old_dms = CASES["x direct messages"].add_many(world, 3, "old")
    new_dms = CASES["x direct messages"].add_many(world, 2, "new")
    result = x.fetch({"dm_last_event_id": old_dms[-1]})
    # The old cursor kept one id: older events of the very same millisecond may come once more (the
    # inbox drops them as duplicates); nothing newer is missed.
    same_millisecond = [i for i in old_dms[:-1] if int(i) >> 22 == int(old_dms[-1]) >> 22]
    assert sorted(item.external_id for item in result.items) == sorted(new_dms + same_millisecond)
    assert "dm_last_event_id" not in result.cursor and new_dms[-1] in result.cursor["dms"]["ids"]

    facebook = CASES["facebook comments on one post"].connect(world)
    old_comments = CASES["facebook comments on one post"].add_many(world, 3, "old")
    seen = facebook.fetch({})
    newest = max(item.created_at for item in seen.items)
    legacy = {"comments": {"since": newest.isoformat(), "ids": old_comments}, "messages": {}}
    new_comment = world.inject_facebook_comment("new one", post_id=_shared_post(world), author="Zed")
    result = facebook.fetch(legacy)
    assert [item.external_id for item in result.items] == [new_comment["id"]]
    assert facebook.fetch(result.cursor).items == []


def test_one_person_writing_more_than_a_fetch_holds_is_read_in_full(world):
    connector = CASES["facebook messenger"].connect(world)
    _, cursor, _ = drain(connector, {})
    flood = world.inject_many("facebook", "messages", [{"text": f"hello? {n}", "sender": "Impatient Person"}
                                                        for n in range(PAGE * LIMIT * 3 + 2)])
    other = world.inject_facebook_message("unrelated", sender="Someone Else")["id"]

    seen, cursor, fetches = drain(connector, cursor)

    assert_once(seen, [*flood, other])
    assert fetches >= 4
    assert "threads" not in cursor["messages"]


def test_a_channels_first_read_brings_the_last_week_not_years(world):
    """Only the very first read is bounded: once a channel has a cursor, every read goes down to it."""
    long_ago = "2026-01-05T10:00:00+0000"
    old_tag = world.inject_instagram_tag("tagged last winter", username="old", timestamp=long_ago)["id"]
    new_tag = world.inject_instagram_tag("tagged today", username="new")["id"]
    old_message = world.inject_facebook_message("hello last winter", sender="Old Friend", created_time=long_ago)["id"]
    new_message = world.inject_facebook_message("hello today", sender="New Friend")["id"]
    old_toot = world.inject_mastodon_mention("last winter", author="old", created_at="2026-01-05T10:00:00.000Z")
    new_toot = world.inject_mastodon_mention("today", author="new")

    instagram = CASES["instagram tags"].connect(world)
    facebook = CASES["facebook messenger"].connect(world)
    mastodon = CASES["mastodon"].connect(world)
    tags, _, _ = drain(instagram, {})
    messages, _, _ = drain(facebook, {})
    toots, toots_cursor, _ = drain(mastodon, {})

    assert new_tag in tags and old_tag not in tags
    assert new_message in messages and old_message not in messages
    assert toots == [new_toot["status"]["id"]] and old_toot["status"]["id"] not in toots
    later = world.inject_mastodon_mention("tomorrow", author="later")
    assert drain(mastodon, toots_cursor)[0] == [later["status"]["id"]]


def test_a_first_read_of_comments_skips_old_ones_across_fetches(world):
    post = world.inject_facebook_post("An old post still commented", created_time="2026-01-05T10:00:00+0000")["id"]
    old = world.inject_many("facebook", "comments", [
        {"post_id": post, "message": f"winter {n}", "created_time": "2026-01-06T10:00:00+0000"} for n in range(12)])
    new = world.inject_many("facebook", "comments", [{"post_id": post, "message": f"today {n}"} for n in range(3)])

    seen, cursor, fetches = drain(CASES["facebook comments on one post"].connect(world), {})

    assert sorted(seen) == sorted(new) and not set(old) & set(seen)
    assert fetches >= 2  # the old comments were paged through over several fetches, never ingested
