"""A small client for the sandbox's control API, for tests and the demo traffic generator."""

from __future__ import annotations

from typing import Any

import requests


class SandboxClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.session.request(method, f"{self.base_url}/_sandbox/{path}", timeout=self.timeout, **kwargs)
        response.raise_for_status()
        return response.json()

    # -- world ---------------------------------------------------------------------------------

    def reset(self) -> None:
        self._call("POST", "reset")

    def config(self) -> dict[str, Any]:
        """The brand accounts the sandbox plays (X user id, Page id, Instagram user id...) and its secrets."""
        return self._call("GET", "config")

    def inject(self, platform: str, kind: str, **fields: Any) -> dict[str, Any]:
        """Creates one item; the answer holds its ids and, where the platform has one, its `webhook` payload."""
        return self._call("POST", f"{platform}/{kind}", json=fields)

    def inject_many(self, platform: str, kind: str, items: list[dict[str, Any]]) -> list[str]:
        return self._call("POST", f"{platform}/{kind}", json={"items": items})["ids"]

    def inject_x_mention(self, text: str, *, author: str = "someone", **fields: Any) -> dict[str, Any]:
        return self.inject("x", "mentions", text=text, author=author, **fields)

    def inject_x_post(self, text: str, *, author: str = "someone", **fields: Any) -> dict[str, Any]:
        """A post that does not name the brand account, found only by keyword search."""
        return self.inject("x", "posts", text=text, author=author, **fields)

    def inject_x_dm(self, text: str, *, sender: str = "someone", **fields: Any) -> dict[str, Any]:
        return self.inject("x", "dms", text=text, sender=sender, **fields)

    def inject_x_group_dm(self, text: str, *, sender: str, others: list[str], **fields: Any) -> dict[str, Any]:
        """A message in a group conversation between the brand, `sender` and `others` (created once)."""
        return self.inject("x", "group_dms", text=text, sender=sender, others=others, **fields)

    def edit_x_post(self, tweet_id: str, text: str) -> dict[str, Any]:
        """The author edits a post: a new version under a new id, listing the earlier ids."""
        return self.inject("x", "edits", tweet_id=tweet_id, text=text)

    def inject_facebook_post(self, message: str, **fields: Any) -> dict[str, Any]:
        return self.inject("facebook", "posts", message=message, **fields)

    def inject_facebook_comment(self, message: str, *, author: str = "Someone", **fields: Any) -> dict[str, Any]:
        """`post_id` to comment under a given post, `parent_id` to answer a comment."""
        return self.inject("facebook", "comments", message=message, author=author, **fields)

    def inject_facebook_message(self, text: str, *, sender: str = "Someone", **fields: Any) -> dict[str, Any]:
        """A Messenger message to the Page; `created_time` in the past puts it outside the 24-hour window."""
        return self.inject("facebook", "messages", text=text, sender=sender, **fields)

    def inject_instagram_media(self, caption: str, **fields: Any) -> dict[str, Any]:
        return self.inject("instagram", "media", caption=caption, **fields)

    def inject_instagram_comment(self, text: str, *, username: str = "someone", **fields: Any) -> dict[str, Any]:
        return self.inject("instagram", "comments", text=text, username=username, **fields)

    def inject_instagram_tag(self, caption: str, *, username: str = "someone", **fields: Any) -> dict[str, Any]:
        """Someone else's media tagging the brand account."""
        return self.inject("instagram", "tags", caption=caption, username=username, **fields)

    def inject_mastodon_mention(self, text: str, *, author: str = "someone", **fields: Any) -> dict[str, Any]:
        """`visibility="direct"` makes it a private message."""
        return self.inject("mastodon", "mentions", text=text, author=author, **fields)

    def inject_bluesky_mention(self, text: str, *, author: str = "someone", **fields: Any) -> dict[str, Any]:
        """`reply_to=<uri>` makes it a reply notification inside that thread."""
        return self.inject("bluesky", "mentions", text=text, author=author, **fields)

    def inject_feed_entry(self, feed: str, title: str, **fields: Any) -> dict[str, Any]:
        return self.inject("web", "entries", feed=feed, title=title, **fields)

    def set_feed_body(self, feed: str, body: str) -> None:
        """Serve this exact body for the feed, e.g. broken XML."""
        self.inject("web", "raw", feed=feed, body=body)

    # -- failures ------------------------------------------------------------------------------

    def fail(self, platform: str, mode: str, *, times: int | None = None, path: str = "", seconds: int = 60,
             delay_ms: int = 0) -> None:
        """Make `platform` answer with `mode` (rate_limit, revoked, error, slow, slow_accept: handled at once
        but answered `delay_ms` later) for the next `times` calls,
        or until `clear()` when `times` is None; `path` narrows it to requests whose path contains it, or
        matches it when it starts with "^"."""
        self._call("POST", "fail", json={"platform": platform, "mode": mode, "times": times, "path": path,
                                         "seconds": seconds, "delay_ms": delay_ms})

    def clear(self, platform: str | None = None) -> None:
        self._call("POST", "clear", json={"platform": platform})

    # -- observation ---------------------------------------------------------------------------

    def posted(self, platform: str) -> list[dict[str, Any]]:
        """Everything connectors posted on `platform` (replies, private messages), oldest first."""
        return self._call("GET", "posted", params={"platform": platform})

    def requests_seen(self) -> dict[str, int]:
        return self._call("GET", "requests")

    def calls(self, method_and_path: str) -> int:
        """How many times a request such as "GET /2/users/me" reached the sandbox since the reset."""
        return self._call("GET", "requests/paths").get(method_and_path, 0)

    def quirks(self, platform: str, **habits: Any) -> None:
        """Switch on awkward habits of the real platform (see each platform module of the sandbox)."""
        self._call("POST", "quirks", json={"platform": platform, **habits})

    def deliver_webhook(self, url: str, payload: dict[str, Any], *, platform: str = "meta", valid: bool = True,
                        secret: str | None = None) -> dict[str, Any]:
        """POST `payload` to `url` signed as Meta (`platform="meta"`) or X would; `valid=False` spoils the
        signature. Answers the receiver's status and body."""
        body: dict[str, Any] = {"url": url, "payload": payload, "platform": platform, "valid": valid}
        if secret:
            body["secret"] = secret
        return self._call("POST", "webhooks/deliver", json=body)

    def x_crc_check(self, url: str, *, secret: str | None = None) -> dict[str, Any]:
        """X's CRC against `url`: `{"status": <HTTP status>, "valid": <answer matches the secret>}`."""
        return self._call("POST", "webhooks/crc", json={"url": url, **({"secret": secret} if secret else {})})
