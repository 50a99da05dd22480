"""Blogs, forums and online press through RSS/Atom: entries naming a watch term become articles."""

from __future__ import annotations

import calendar
import io
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import feedparser
import requests

from inbox.connectors.base import (
    AccountInfo,
    FetchResult,
    ItemKind,
    PlatformAuthor,
    PlatformItem,
    PlatformUnavailable,
    SendRefused,
    SentMessage,
)
from inbox.connectors.common import DEFAULT_TIMEOUT, html_to_text, matching_terms, now
from inbox.connectors.outbound import AddressRefused, guarded_session

SEEN_PER_FEED = 500
USER_AGENT = "VigieMonitor/1.0 (+https://vigie.example/bot)"


def plain(node: Any, name: str) -> str:
    """A feed's or entry's text field as a person reads it: feedparser hands titles over as HTML
    ("Fish &amp; chips"), summaries too; plain-text ones are kept as they are."""
    value = node.get(name, "") or ""
    detail = node.get(f"{name}_detail") or {}
    return html_to_text(value) if "html" in (detail.get("type") or "text/html") else value.strip()


def entry_time(entry: Any) -> datetime:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    return datetime.fromtimestamp(calendar.timegm(parsed), UTC) if parsed else now()


class WebFeedConnector:
    platform = "web"

    def __init__(self, *, feed_urls: Sequence[str], watch_terms: Sequence[str],
                 credentials: dict[str, str] | None = None, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Public feeds need no `credentials`; they are accepted so every connector builds alike."""
        self.feed_urls = list(feed_urls)
        self.watch_terms = list(watch_terms)
        self.timeout = timeout
        # Feed addresses come from admins, and feeds redirect: every connection is checked.
        self.session = guarded_session()
        self.session.headers["User-Agent"] = USER_AGENT

    def fetch(self, cursor: dict[str, Any]) -> FetchResult:
        """Cursor: {"feeds": {url: {"etag", "last_modified", "seen": [entry ids]}}}. A feed that fails is
        reported in `warnings`; only when every feed is unreachable does the fetch fail as a whole."""
        feeds_state: dict[str, Any] = dict(cursor.get("feeds") or {})
        items: list[PlatformItem] = []
        warnings: list[str] = []
        unreachable = 0
        for url in self.feed_urls:
            state = dict(feeds_state.get(url) or {})
            try:
                found, feeds_state[url] = self._read_feed(url, state, warnings)
                items.extend(found)
            except PlatformUnavailable as error:
                unreachable += 1
                warnings.append(str(error))
        if self.feed_urls and unreachable == len(self.feed_urls):
            raise PlatformUnavailable("; ".join(warnings))
        return FetchResult(items=sorted(items, key=lambda item: item.created_at),
                           cursor={"feeds": feeds_state}, warnings=warnings)

    def _read_feed(self, url: str, state: dict[str, Any], warnings: list[str]) -> tuple[list[PlatformItem], dict]:
        headers = {}
        if state.get("etag"):
            headers["If-None-Match"] = state["etag"]
        if state.get("last_modified"):
            headers["If-Modified-Since"] = state["last_modified"]
        try:
            response = self.session.get(url, headers=headers, timeout=self.timeout)
        except AddressRefused as error:
            raise PlatformUnavailable(f"The feed {url} cannot be read: {error}") from error
        except requests.Timeout as error:
            raise PlatformUnavailable(f"The feed {url} did not answer in time.") from error
        except requests.RequestException as error:
            raise PlatformUnavailable(f"Could not reach the feed {url}.") from error
        if response.status_code == 304:
            return [], state
        if response.status_code >= 500 or response.status_code == 429:
            raise PlatformUnavailable(f"The feed {url} answered HTTP {response.status_code}.")
        if response.status_code >= 400:
            warnings.append(f"The feed {url} answered HTTP {response.status_code}: check the address.")
            return [], state
        parsed = feedparser.parse(io.BytesIO(response.content), response_headers={name.lower(): value for name, value in response.headers.items()})
        if parsed.bozo and not parsed.entries:
            warnings.append(f"The feed {url} is broken ({parsed.get('bozo_exception')}): nothing could be read.")
            return [], state
        if parsed.bozo:
            warnings.append(f"The feed {url} is malformed ({parsed.get('bozo_exception')}): read what was usable.")
        seen = list(state.get("seen") or [])
        known = set(seen)
        title = plain(parsed.feed, "title") or urlsplit(url).netloc
        items = []
        # Feeds list newest first: read oldest first so entries sharing a timestamp keep their order.
        for entry in reversed(parsed.entries):
            entry_id = entry.get("id") or entry.get("link")
            if not entry_id or entry_id in known:
                continue
            seen.append(entry_id)
            known.add(entry_id)
            summary = plain(entry, "summary")
            entry_title = plain(entry, "title")
            text = f"{entry_title}\n\n{summary}".strip()
            terms = matching_terms(text, self.watch_terms)
            if not terms:
                continue
            site = urlsplit(entry.get("link") or url).netloc
            items.append(PlatformItem(
                external_id=entry_id, kind=ItemKind.ARTICLE, text=text,
                author=PlatformAuthor(external_id=site, handle=site, name=plain(entry, "author") or title,
                                      profile_url=parsed.feed.get("link", "")),
                created_at=entry_time(entry), thread_external_id=entry_id, url=entry.get("link", ""),
                context_text=title, language_hint=(parsed.feed.get("language") or "")[:2],
                raw={"feed": url, "title": entry_title, "matched_terms": terms}))
        # Every entry the feed still lists stays remembered, however long the feed: forgetting one would
        # bring it back as new.
        listed = [entry.get("id") or entry.get("link") for entry in parsed.entries]
        new_state = {"etag": response.headers.get("ETag"), "last_modified": response.headers.get("Last-Modified"),
                     "seen": seen[-max(SEEN_PER_FEED, len(listed)):]}
        return items, {key: value for key, value in new_state.items() if value}

    def send_reply(self, *, text: str, in_reply_to_external_id: str, idempotency_key: str) -> SentMessage:
        raise SendRefused("Web monitoring is read-only: answer on the site itself, then mark the article "
                          "as handled.", code="read_only")

    def send_private_message(self, *, recipient_external_id: str, text: str, idempotency_key: str) -> SentMessage:
        raise SendRefused("Web monitoring is read-only: there is nobody to message through a feed.",
                          code="read_only")

    def check_credentials(self) -> AccountInfo:
        return AccountInfo(external_id="web", handle=f"{len(self.feed_urls)} feeds", name="Web monitoring")
