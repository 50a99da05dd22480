"""Mastodon REST API: mention notifications with `Link` paging, posting statuses, the account."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from inbox.sandbox.http import Request, Response, Router, json_response
from inbox.sandbox.state import SandboxState, Timeline, iso

ID_BASE = 113_000_000_000_000_000
INSTANCE = "sandbox.social"


def rate_limit_headers(remaining: int = 299, reset_in: int = 300) -> dict[str, str]:
    reset = datetime.now(UTC) + timedelta(seconds=reset_in)
    return {"X-RateLimit-Limit": "300", "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ")}


def status_html(text: str) -> str:
    """A status as Mastodon serves it: HTML-escaped text in paragraphs, mentions as h-card links."""
    paragraphs = []
    for paragraph in text.split("\n\n"):
        escaped = html.escape(paragraph, quote=False).replace("\n", "<br>")
        escaped = re.sub(r"(?<![\w@])@([\w.]+)(?:@([\w.-]+))?", lambda found: (
            f'<span class="h-card" translate="no"><a href="https://{found.group(2) or INSTANCE}/@{found.group(1)}" '
            f'class="u-url mention">@<span>{found.group(1)}</span></a></span>'), escaped)
        paragraphs.append(f"<p>{escaped}</p>")
    return "".join(paragraphs)


def failure_response(mode: str, seconds: int) -> Response:
    if mode == "rate_limit":
        return json_response(429, {"error": "Too many requests"}, rate_limit_headers(0, seconds))
    if mode == "revoked":
        return json_response(401, {"error": "The access token was revoked"}, rate_limit_headers())
    return json_response(500, {"error": "We're sorry, but something went wrong on our end."})


class MastodonWorld:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.accounts: dict[str, dict[str, Any]] = {}
        self.me = self.account("vigie", local=True)
        self.statuses: dict[int, dict[str, Any]] = {}
        self.notifications: dict[int, dict[str, Any]] = {}
        self.timeline = Timeline()
        self.idempotent: dict[str, dict[str, Any]] = {}

    def next_id(self) -> int:
        return ID_BASE + self.state.next_number()

    def account(self, handle: str, *, display_name: str = "", followers: int = 0, local: bool = False) -> dict:
        acct = handle if local or "@" in handle else f"{handle}@{INSTANCE}"
        if acct not in self.accounts:
            username, _, domain = acct.partition("@")
            account_id = str(self.next_id())
            self.accounts[acct] = {
                "id": account_id, "username": username, "acct": acct,
                "display_name": display_name or username.title(), "locked": False, "bot": False,
                "discoverable": True, "group": False, "created_at": "2023-01-01T00:00:00.000Z", "note": "",
                "url": f"https://{domain or INSTANCE}/@{username}",
                "avatar": f"https://{domain or INSTANCE}/avatars/{username}.png",
                "avatar_static": f"https://{domain or INSTANCE}/avatars/{username}.png",
                "header": "", "header_static": "", "followers_count": followers, "following_count": 0,
                "statuses_count": 1, "last_status_at": None, "emojis": [], "fields": [],
            }
        return self.accounts[acct]

    def add_status(self, *, text: str, account: dict, visibility: str = "public", in_reply_to: str | None = None,
                   language: str = "en", created_at: str | None = None, boosts: int = 0) -> dict[str, Any]:
        status_id = str(self.next_id())
        parent = self.statuses.get(int(in_reply_to)) if in_reply_to else None
        status = {
            "id": status_id, "uri": f"https://{INSTANCE}/users/{account['username']}/statuses/{status_id}",
            "url": f"https://{INSTANCE}/@{account['username']}/{status_id}",
            "created_at": created_at or iso(datetime.now(UTC)), "account": account,
            "content": status_html(text), "visibility": visibility, "sensitive": False, "spoiler_text": "",
            "media_attachments": [], "mentions": [], "tags": [], "emojis": [], "reblogs_count": boosts,
            "favourites_count": 0, "replies_count": 0, "in_reply_to_id": in_reply_to,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None, "reblog": None,
            "language": language, "application": None, "edited_at": None, "card": None, "poll": None,
        }
        self.statuses[int(status_id)] = status
        return status

    def add_mention(self, *, text: str, author: str = "someone", display_name: str = "", followers: int = 0,
                    visibility: str = "public", in_reply_to: str | None = None, language: str = "en",
                    created_at: str | None = None) -> dict[str, Any]:
        account = self.account(author, display_name=display_name, followers=followers)
        mentioned = text if f"@{self.me['acct']}" in text else f"@{self.me['acct']} {text}"
        status = self.add_status(text=mentioned, account=account, visibility=visibility, in_reply_to=in_reply_to,
                                 language=language, created_at=created_at)
        status["mentions"] = [{"id": self.me["id"], "username": self.me["username"], "acct": self.me["acct"],
                               "url": self.me["url"]}]
        number = self.next_id()
        self.notifications[number] = {"id": str(number), "type": "mention", "created_at": status["created_at"],
                                      "account": account, "status": status}
        self.timeline.add(number)
        return self.notifications[number]

    # -- API -----------------------------------------------------------------------------------

    def check_auth(self, request: Request) -> Response | None:
        if request.path.startswith(("/api/v1/instance", "/api/v2/instance")):
            return None
        if not request.header("Authorization").startswith("Bearer "):
            return json_response(401, {"error": "The access token is invalid"}, rate_limit_headers())
        return None

    def list_notifications(self, request: Request) -> Response:
        # Mastodon caps `limit` (80 for notifications); the `max_limit` quirk plays an instance capping lower.
        limit = min(int(request.arg("limit") or 40), int(self.state.quirk("mastodon", "max_limit", 80)))
        types = set(request.args("types"))
        if types and "mention" not in types:
            return json_response(200, [], rate_limit_headers())
        max_id = int(request.arg("max_id") or 0) or None
        min_id = int(request.arg("min_id") or 0) or None
        since_id = int(request.arg("since_id") or 0) or None
        if min_id is not None:
            numbers = list(reversed(self.timeline.oldest_first_after(min_id, limit)))
        else:
            numbers, _ = self.timeline.newest_first(since=since_id, until=max_id, limit=limit)
        headers = rate_limit_headers()
        if numbers:
            keep = {f"{key}[]": sorted(types) for key in ("types",) if types}
            older = urlencode({"max_id": numbers[-1], "limit": limit, **keep}, doseq=True)
            newer = urlencode({"min_id": numbers[0], "limit": limit, **keep}, doseq=True)
            base = f"{request.base_url}/api/v1/notifications"
            headers["Link"] = f'<{base}?{older}>; rel="next", <{base}?{newer}>; rel="prev"'
        return json_response(200, [self.notifications[n] for n in numbers], headers)

    def get_status(self, request: Request, status_id: str) -> Response:
        status = self.statuses.get(int(status_id))
        if not status:
            return json_response(404, {"error": "Record not found"}, rate_limit_headers())
        return json_response(200, status, rate_limit_headers())

    def post_status(self, request: Request) -> Response:
        key = request.header("Idempotency-Key")
        if key and key in self.idempotent:
            return json_response(200, self.idempotent[key], rate_limit_headers())
        text = request.arg("status") or ""
        if not text.strip():
            return json_response(422, {"error": "Validation failed: Text can't be blank"}, rate_limit_headers())
        in_reply_to = request.arg("in_reply_to_id")
        if in_reply_to and int(in_reply_to) not in self.statuses:
            return json_response(404, {"error": "Record not found"}, rate_limit_headers())
        status = self.add_status(text=text, account=self.me, visibility=request.arg("visibility") or "public",
                                 in_reply_to=in_reply_to)
        if key:
            self.idempotent[key] = status
        self.state.record_post("mastodon", {"kind": "status", "id": status["id"], "text": text,
                                            "in_reply_to_id": in_reply_to, "visibility": status["visibility"],
                                            "idempotency_key": key})
        return json_response(200, status, rate_limit_headers())

    def pin_status(self, request: Request, status_id: str) -> Response:
        """POST /api/v1/statuses/:id/pin: one's own public or unlisted status, up to five (Mastodon's cap)."""
        status = self.statuses.get(int(status_id))
        if not status:
            return json_response(404, {"error": "Record not found"}, rate_limit_headers())
        if status["account"]["id"] != self.me["id"] or status["visibility"] not in ("public", "unlisted"):
            return json_response(422, {"error": "Validation failed: Status is not your own public post"},
                                 rate_limit_headers())
        pinned = [s for s in self.statuses.values() if s.get("pinned") and s["id"] != status["id"]]
        if len(pinned) >= 5:
            return json_response(422, {"error": "Validation failed: You have already pinned the maximum number "
                                                "of posts"}, rate_limit_headers())
        status["pinned"] = True
        self.state.record_post("mastodon", {"kind": "pin", "id": status["id"]})
        return json_response(200, status, rate_limit_headers())

    def verify_credentials(self, request: Request) -> Response:
        return json_response(200, {**self.me, "source": {"privacy": "public", "note": "", "fields": []}},
                             rate_limit_headers())

    def instance(self, request: Request) -> Response:
        return json_response(200, {"uri": INSTANCE, "domain": INSTANCE, "title": "Sandbox Social",
                                   "version": "4.3.0", "description": "The Vigie platform sandbox",
                                   "languages": ["en", "fr"], "registrations": False})

    def register(self, router: Router) -> None:
        router.add("GET", r"/api/v1/notifications", self.list_notifications)
        router.add("GET", r"/api/v1/statuses/(?P<status_id>\d+)", self.get_status)
        router.add("POST", r"/api/v1/statuses", self.post_status)
        router.add("POST", r"/api/v1/statuses/(?P<status_id>\d+)/pin", self.pin_status)
        router.add("GET", r"/api/v1/accounts/verify_credentials", self.verify_credentials)
        router.add("GET", r"/api/v[12]/instance", self.instance)
