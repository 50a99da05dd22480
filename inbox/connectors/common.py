"""Plumbing the connectors share: reaching a sandbox through libraries with hard-coded hosts,
request timeouts, time parsing and watch-term matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html import unescape
from html.parser import HTMLParser
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


def unescape_x(text: str) -> str:
    """X escapes exactly `&`, `<` and `>` in tweet and DM text: give back what the author typed.

    Only those three: a person who literally wrote "&quot;" or "&#39;" keeps it, and `&amp;lt;`
    (someone typing "&lt;") becomes "&lt;", not "<"."""
    return re.sub(r"&(amp|lt|gt);", lambda found: {"amp": "&", "lt": "<", "gt": ">"}[found.group(1)], text or "")


class _TextExtractor(HTMLParser):
    """HTML (Mastodon statuses, feed summaries) to the plain text a person reads: paragraphs and line
    breaks kept, tags and scripts dropped, entities decoded once. Never evaluates anything."""

    BLOCKS = {"p", "div", "blockquote", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "pre", "tr"}
    SKIPPED = {"script", "style", "template", "head", "title"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIPPED:
            self.skipping += 1
        elif tag == "br":
            self.parts.append("\n")
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "br":
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str) -> str:
    if not html:
        return ""
    extractor = _TextExtractor()
    extractor.feed(html)
    extractor.close()
    text = "".join(extractor.parts)
    text = re.sub(r"[ \t]*\n[ \t]*", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()


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


@dataclass(frozen=True)
class Entry:
    """One element of a newest-first listing, as `read_newest_first` needs to see it."""

    id: str
    moment: datetime
    value: Any
    wanted: bool = True  # False for what the brand itself posted: passed over, never handed back


Page = tuple[list[Entry], Any]  # the entries, newest first, and the position of the next (older) page


# How far back a channel's very first read goes: the last week, not years of an account's history.
# Once a channel has a cursor, every read goes down to it, however far that is.
FIRST_READ_HISTORY = timedelta(days=7)


def read_newest_first(read_page: Callable[[Any], Page], state: dict[str, Any] | None, *,
                      page_limit: int) -> tuple[list[Any], dict[str, Any], bool]:
    """Reads a newest-first listing (X DMs, Bluesky notifications, Messenger conversations...) down to
    where the previous complete read started, across as many fetches as it takes.

    `state` holds the committed watermark (`since`, `ids`: everything at or below it was read) and,
    while a read is cut short by `page_limit`, `resume`: the position of the next older page and the
    newest item this read has seen. The watermark only moves once the read reaches it, so a burst of
    any size between two polls is read in full over several fetches, oldest pages last, and items
    arriving meanwhile sit above the resumed read, where the next complete read finds them.

    A channel's first read (no watermark yet) reaches back `FIRST_READ_HISTORY`.

    Answers the wanted values, the next state and whether the read is complete."""
    state = state or {}
    committed = Watermark(state if state.get("since") else {"since": (now() - FIRST_READ_HISTORY).isoformat()})
    resume = state.get("resume") or {}
    position = resume.get("position")
    newest = Watermark(resume.get("newest"))
    found: list[Any] = []
    for _ in range(page_limit):
        entries, next_position = read_page(position)
        reached = False
        for entry in entries:
            if not committed.covers(entry.moment):
                reached = True
                break
            if entry.wanted and committed.is_new(entry.id, entry.moment):
                found.append(entry.value)
            newest.saw(entry.id, entry.moment)
        if reached or not next_position or not entries:
            return found, newest.state() or committed.state(), True
        position = next_position
    return found, {**committed.state(), "resume": {"position": position, "newest": newest.state()}}, False


def read_oldest_first(read_page: Callable[[Any], tuple[list[Any], Any, bool]], after: Any, *,
                      page_limit: int) -> tuple[list[Any], Any, bool]:
    """Reads an oldest-first listing (Graph comments) onwards from `after`, the cursor of the last item
    the previous fetch read. `read_page(after)` answers (items, cursor after its last item, more).
    Answers the items, the cursor to continue from next time, and whether the end was reached."""
    found: list[Any] = []
    for _ in range(page_limit):
        items, page_after, more = read_page(after)
        found.extend(items)
        if items and page_after:
            after = page_after
        if not more or not items:
            return found, after, True
    return found, after, False
