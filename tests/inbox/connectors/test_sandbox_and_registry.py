import time

import requests

from inbox.connectors.facebook import FacebookConnector
from inbox.connectors.registry import connector_for
from inbox.connectors.webfeed import WebFeedConnector
from inbox.connectors.x import XConnector


def test_registry_builds_each_platform_from_settings(sandbox):
    x = connector_for("x", credentials={"bearer_token": "t"},
                      settings={"base_url": sandbox.base_url, "user_id": "1", "page_id": "ignored"})
    assert isinstance(x, XConnector) and x.user_id == "1"
    fb = connector_for("facebook", credentials={"page_access_token": "t", "app_secret": "s"},
                       settings={"base_url": sandbox.base_url, "page_id": "42"})
    assert isinstance(fb, FacebookConnector) and fb.page_id == "42"
    web = connector_for("web", credentials={}, settings={"feed_urls": ["u"], "watch_terms": ["vigie"]})
    assert isinstance(web, WebFeedConnector) and web.watch_terms == ["vigie"]


def test_ten_thousand_mentions_stay_fast(sandbox):
    ids = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand #{n}"} for n in range(10_000)])
    started = time.monotonic()
    connector = XConnector(credentials={"bearer_token": "t"}, base_url=sandbox.base_url,
                           user_id=sandbox.config()["x"]["user_id"], page_size=100, page_limit=3)
    result = connector.fetch({"mentions": {"since_id": ids[-301]}})
    assert [item.external_id for item in result.items] == ids[-300:]
    # Like X, the third full page still carries a next_token: only the next (empty) page says it is over.
    assert not result.exhausted
    after = connector.fetch(result.cursor)
    assert after.items == [] and after.exhausted and after.cursor["mentions"] == {"since_id": ids[-1]}
    assert time.monotonic() - started < 2


def test_rate_limit_headers_and_failure_counts(sandbox):
    user_id = sandbox.config()["x"]["user_id"]
    url = f"{sandbox.base_url}/2/users/{user_id}/mentions"
    sandbox.fail("x", "rate_limit", times=2, seconds=30)
    answers = [requests.get(url, headers={"Authorization": "Bearer t"}, timeout=2) for _ in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].headers["x-rate-limit-remaining"] == "0"
    assert int(answers[0].headers["x-rate-limit-reset"]) - time.time() > 25
    assert answers[2].json() == {"meta": {"result_count": 0}}
    assert requests.get(url, timeout=2).status_code == 401
    assert sandbox.requests_seen()["x"] == 4
