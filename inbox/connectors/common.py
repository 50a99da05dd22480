"""Plumbing the connectors share: reaching a sandbox through libraries with hard-coded hosts,
request timeouts, time parsing and watch-term matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from html import unescape
from typing import Any

import requests
from requests.adapters import HTTPAdapter

DEFAULT_TIMEOUT = 10.0


class RebasingAdapter(HTTPAdapter):
    """Sends requests meant for a platform's fixed origin to `base_url` instead, with a timeout.

    tweepy and facebook-sdk hard-code their hosts; mounting this on the library's own session reaches
    the sandbox without touching module globals, so connectors for different bases never interfere.
    Libraries that pass no timeout (tweepy) get ours, so a hung platform cannot block a worker.
    """

    def __init__(self, origin: str, base_url: str, timeout: float) -> None:
        super().__init__()
        self.origin = origin.rstrip("/")
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        if request.url and request.url.startswith(self.origin):
            request.url = self.base_url + request.url[len(self.origin):]
        if kwargs.get("timeout") is None:
            kwargs["timeout"] = self.timeout
        return super().send(request, **kwargs)


def rebased_session(session: requests.Session, origin: str, base_url: str, timeout: float) -> requests.Session:
    adapter = RebasingAdapter(origin, base_url, timeout)
    session.mount(origin.rstrip("/") + "/", adapter)
    # The sandbox (or a proxy) may be plain http; the adapter above only catches the official origin.
    session.mount(base_url.rstrip("/") + "/", RebasingAdapter(base_url, base_url, timeout))
    return session


def parse_time(value: str | None) -> datetime | None:
    """ISO 8601 as the platforms write it (`Z`, `+0000`, `+00:00`), always aware UTC."""
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    if re.search(r"[+-]\d{4}$", text):
        text = text[:-2] + ":" + text[-2:]
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def now() -> datetime:
    return datetime.now(UTC)


def from_epoch(seconds: float | str | None, *, fallback_seconds: int) -> datetime:
    """A reset time from a platform header, or a conservative guess when the header is missing."""
    try:
        return datetime.fromtimestamp(float(seconds), UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return now() + timedelta(seconds=fallback_seconds)


def fold(text: str) -> str:
    """Case- and accent-insensitive form: "Crème BRÛLÉE" and "creme brulee" compare equal."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(char for char in decomposed if not unicodedata.combining(char)).casefold()


def matching_terms(text: str, terms: Iterable[str]) -> list[str]:
    folded = fold(text)
    return [term for term in terms if term.strip() and re.search(
        r"(?<!\w)" + re.escape(fold(term.strip())) + r"(?!\w)", folded)]


def html_to_text(html: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", html, flags=re.IGNORECASE)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", text, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return unescape(text).strip()


class Watermark:
    """Where a time-ordered stream without since_id stopped: the newest time seen and the ids seen at
    exactly that time, so a second fetch neither repeats nor skips items sharing a timestamp."""

    def __init__(self, state: dict[str, Any] | None) -> None:
        state = state or {}
        self.since = parse_time(state.get("since"))
        self.seen_at_since: set[str] = set(state.get("ids", []))
        self.newest = self.since
        self.newest_ids: set[str] = set(self.seen_at_since)

    def is_new(self, item_id: str, moment: datetime) -> bool:
        if self.since is None or moment > self.since:
            return True
        return moment == self.since and item_id not in self.seen_at_since

    def covers(self, moment: datetime) -> bool:
        """True while older items may still be new: paging may stop once this turns False."""
        return self.since is None or moment >= self.since

    def saw(self, item_id: str, moment: datetime) -> None:
        if self.newest is None or moment > self.newest:
            self.newest, self.newest_ids = moment, {item_id}
        elif moment == self.newest:
            self.newest_ids.add(item_id)

    def state(self) -> dict[str, Any]:
        if self.newest is None:
            return {}
        return {"since": self.newest.isoformat(), "ids": sorted(self.newest_ids)}


# How far before a send's start a found post may be dated (clocks of the platform and ours differ).
LOOKUP_CLOCK_MARGIN = timedelta(minutes=2)
# How many pages of the account's recent posts a look-up reads before answering "not found".
LOOKUP_PAGES = 3


def same_text(published: str | None, sent: str) -> bool:
    """What the platform shows is what we sent (it may escape HTML or trim blanks)."""
    return unescape(published or "").strip() == unescape(sent).strip()
