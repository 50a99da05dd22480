"""RSS feeds for web monitoring, answering conditional GETs with 304 as real servers do."""

from __future__ import annotations

import hashlib
import time
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any
from xml.sax.saxutils import escape

from inbox.sandbox.http import Request, Response, Router
from inbox.sandbox.state import SandboxState


def failure_response(mode: str, seconds: int) -> Response:
    if mode == "rate_limit":
        return Response(429, b"Too Many Requests", {"Retry-After": str(seconds), "Content-Type": "text/plain"})
    if mode == "revoked":
        return Response(403, b"Forbidden", {"Content-Type": "text/plain"})
    return Response(500, b"Internal Server Error", {"Content-Type": "text/plain"})


class FeedsWorld:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.feeds: dict[str, dict[str, Any]] = {}

    def check_auth(self, request: Request) -> Response | None:
        return None  # public feeds

    def feed(self, name: str) -> dict[str, Any]:
        return self.feeds.setdefault(name, {"entries": [], "raw": None, "modified": time.time()})

    def add_entry(self, *, feed: str = "press", title: str, summary: str = "", link: str = "",
                  published: str | None = None, author: str = "") -> dict[str, Any]:
        number = self.state.next_number()
        entry = {"id": f"urn:sandbox:{feed}:{number}", "title": title, "summary": summary,
                 "link": link or f"https://news.example.com/{feed}/{number}", "author": author,
                 "published": published or format_datetime(datetime.now(UTC), usegmt=True)}
        target = self.feed(feed)
        target["entries"].append(entry)
        target["modified"] = time.time()
        return entry

    def set_raw(self, *, feed: str, body: str) -> dict[str, Any]:
        target = self.feed(feed)
        target["raw"] = body.encode("utf-8")
        target["modified"] = time.time()
        return {"id": feed}

    def render(self, name: str) -> bytes:
        feed = self.feeds[name]
        if feed["raw"] is not None:
            return feed["raw"]
        items = "".join(
            f"<item><guid isPermaLink=\"false\">{escape(e['id'])}</guid><title>{escape(e['title'])}</title>"
            f"<link>{escape(e['link'])}</link><description>{escape(e['summary'])}</description>"
            f"<author>{escape(e['author'])}</author><pubDate>{e['published']}</pubDate></item>"
            for e in reversed(feed["entries"][-200:])
        )
        return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>{escape(name)}</title>'
                f"<link>https://news.example.com/{escape(name)}</link><description>Sandbox feed</description>"
                f"{items}</channel></rss>").encode()

    def get_feed(self, request: Request, name: str) -> Response:
        if name not in self.feeds:
            return Response(404, b"Not Found", {"Content-Type": "text/plain"})
        body = self.render(name)
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        modified = datetime.fromtimestamp(int(self.feeds[name]["modified"]), UTC)
        headers = {"ETag": etag, "Last-Modified": format_datetime(modified, usegmt=True)}
        if request.header("If-None-Match"):
            if request.header("If-None-Match") == etag:
                return Response(304, b"", headers)
        elif request.header("If-Modified-Since"):
            try:
                since = parsedate_to_datetime(request.header("If-Modified-Since"))
            except (TypeError, ValueError):
                since = None
            if since and modified <= since:
                return Response(304, b"", headers)
        return Response(200, body, {**headers, "Content-Type": "application/rss+xml; charset=utf-8"})

    def register(self, router: Router) -> None:
        router.add("GET", r"/feeds/(?P<name>[\w-]+)\.xml", self.get_feed)
