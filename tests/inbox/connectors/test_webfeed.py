import pytest

from inbox.connectors.base import ItemKind, PlatformUnavailable, SendRefused
from inbox.connectors.webfeed import WebFeedConnector


def make_connector(sandbox, *feeds: str, terms=("Vigie", "crème brûlée"), timeout: float = 2.0) -> WebFeedConnector:
    urls = [f"{sandbox.base_url}/feeds/{name}.xml" for name in feeds]
    return WebFeedConnector(feed_urls=urls, watch_terms=list(terms), timeout=timeout)


def test_matching_entries_become_articles_and_conditional_get_skips_unchanged(sandbox):
    hit = sandbox.inject_feed_entry("press", "VIGIE opens a new shop", summary="<p>In <b>Lyon</b></p>",
                                    link="https://news.example.com/vigie-lyon", author="Le Progrès")
    accented = sandbox.inject_feed_entry("press", "Best Creme Brulee in town", summary="a review")
    sandbox.inject_feed_entry("press", "Weather tomorrow", summary="rain, and vigiesoft is not a match")
    connector = make_connector(sandbox, "press")

    first = connector.fetch({})

    assert [item.external_id for item in first.items] == [hit["id"], accented["id"]]
    article = first.items[0]
    assert (article.kind, article.url, article.author.name) == (
        ItemKind.ARTICLE, "https://news.example.com/vigie-lyon", "Le Progrès")
    assert article.text == "VIGIE opens a new shop\n\nIn Lyon"
    assert article.raw["matched_terms"] == ["Vigie"]
    assert first.items[1].raw["matched_terms"] == ["crème brûlée"]
    state = first.cursor["feeds"][f"{sandbox.base_url}/feeds/press.xml"]
    assert state["etag"] and state["last_modified"] and len(state["seen"]) == 3

    assert connector.fetch(first.cursor).items == []
    later = sandbox.inject_feed_entry("press", "Vigie recalls a product")
    assert [item.external_id for item in connector.fetch(first.cursor).items] == [later["id"]]


def test_broken_feed_is_reported_without_failing_the_batch(sandbox):
    sandbox.set_feed_body("forum", "<rss><channel><item><title>unclosed")
    sandbox.inject_feed_entry("press", "Vigie in the news")
    result = make_connector(sandbox, "forum", "press").fetch({})
    assert [item.text for item in result.items] == ["Vigie in the news"]
    assert len(result.warnings) == 1 and "forum" in result.warnings[0]


def test_unreachable_feeds(sandbox):
    sandbox.inject_feed_entry("press", "Vigie")
    sandbox.inject_feed_entry("blog", "Vigie")
    sandbox.fail("web", "error", path="/feeds/press.xml")
    partial = make_connector(sandbox, "press", "blog").fetch({})
    assert len(partial.items) == 1 and "HTTP 500" in partial.warnings[0]
    with pytest.raises(PlatformUnavailable, match="500"):
        make_connector(sandbox, "press").fetch({})
    sandbox.clear("web")
    sandbox.fail("web", "slow", times=1, delay_ms=1500)
    with pytest.raises(PlatformUnavailable, match="in time"):
        make_connector(sandbox, "press", timeout=0.3).fetch({})


def test_web_monitoring_is_read_only(sandbox):
    connector = make_connector(sandbox, "press")
    with pytest.raises(SendRefused, match="read-only"):
        connector.send_reply(text="hi", in_reply_to_external_id="x", idempotency_key="k")
    with pytest.raises(SendRefused, match="read-only"):
        connector.send_private_message(recipient_external_id="x", text="hi", idempotency_key="k")


def test_titles_and_summaries_are_stored_as_people_read_them(sandbox):
    rss = sandbox.inject_feed_entry("press", "Fish & chips <3 at Vigie", summary="<p>A &amp; B</p>",
                                    author="Dupont & fils")
    sandbox.set_feed_body("atom", (
        '<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title type="html">'
        "Le &lt;i&gt;Blog&lt;/i&gt; &amp;amp; co</title><entry><id>urn:atom:1</id>"
        '<title type="html">&lt;b&gt;Vigie&lt;/b&gt; &amp;amp; co</title>'
        '<summary type="html">&lt;p&gt;1 &amp;lt; 2&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;</summary>'
        '<updated>2026-01-01T00:00:00Z</updated></entry></feed>'))

    items = {item.external_id: item for item in make_connector(sandbox, "press", "atom").fetch({}).items}

    assert items[rss["id"]].text == "Fish & chips <3 at Vigie\n\nA & B"
    assert items[rss["id"]].raw["title"] == "Fish & chips <3 at Vigie"
    assert items[rss["id"]].author.name == "Dupont & fils"
    atom = items["urn:atom:1"]
    assert atom.text == "Vigie & co\n\n1 < 2" and atom.context_text == "Le Blog & co"
