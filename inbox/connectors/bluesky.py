"""Bluesky through atproto: mention and reply notifications, threaded replies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import httpx
from atproto import Client, models
from atproto_client.exceptions import (
    AtProtocolError,
    BadRequestError,
    NetworkError,
    RateLimitExceededError,
    RequestException,
    UnauthorizedError,
)
from atproto_client.request import Request

from inbox.connectors.base import (
    AccountInfo,
    ConnectorError,
    CredentialsRevoked,
    FetchResult,
    ItemKind,
    LookupUnsupported,
    PinUnsupported,
    PlatformAuthor,
    PlatformItem,
    PlatformUnavailable,
    RateLimited,
    SendOutcomeUnknown,
    SendRefused,
    SentMessage,
)
from inbox.connectors.common import (
    DEFAULT_TIMEOUT,
    LOOKUP_CLOCK_MARGIN,
    LOOKUP_PAGES,
    Entry,
    from_epoch,
    parse_time,
    read_newest_first,
    same_text,
)
from inbox.connectors.outbound import AddressRefused, GuardedHTTPXTransport

BSKY_ORIGIN = "https://bsky.social"
REVOKED_ERRORS = {"ExpiredToken", "InvalidToken", "AuthenticationRequired", "AccountTakedown"}


def web_url(uri: str, handle: str) -> str:
    return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"


def notification_item(notification: Any) -> PlatformItem:
    record = notification.record
    reply = getattr(record, "reply", None)
    author = notification.author
    langs = getattr(record, "langs", None) or []
    return PlatformItem(
        external_id=notification.uri,
        kind=ItemKind.REPLY if notification.reason == "reply" else ItemKind.MENTION,
        text=getattr(record, "text", ""),
        author=PlatformAuthor(external_id=author.did, handle=f"@{author.handle}", name=author.display_name or "",
                              avatar_url=author.avatar or "", profile_url=f"https://bsky.app/profile/{author.handle}"),
        created_at=parse_time(getattr(record, "created_at", None) or notification.indexed_at),  # type: ignore[arg-type]
        thread_external_id=reply.root.uri if reply else notification.uri,
        parent_external_id=reply.parent.uri if reply else None,
        url=web_url(notification.uri, author.handle),
        language_hint=langs[0] if langs else "",
        raw={"uri": notification.uri, "cid": notification.cid, "reason": notification.reason},
    )


class BlueskyConnector:
    platform = "bluesky"

    def __init__(self, *, credentials: dict[str, str], base_url: str = BSKY_ORIGIN, page_limit: int = 5,
                 page_size: int = 50, timeout: float = DEFAULT_TIMEOUT) -> None:
        """`credentials`: `handle` and `app_password`. Logs in lazily, on the first call."""
        self.handle = credentials["handle"]
        self.app_password = credentials["app_password"]
        # After login atproto moves to the server the account's DID document names, an address
        # whoever controls the account chooses: every connection goes through the private-network check.
        self.client = Client(base_url=base_url, request=Request(timeout=timeout, transport=GuardedHTTPXTransport()))
        self.page_limit = page_limit
        self.page_size = page_size
        self.did = ""

    @contextmanager
    def _translated_errors(self, action: str, *, sending: bool = False, posting: bool = False) -> Iterator[None]:
        """`posting`: the call creates the post, so a failure after the request left (a read timeout,
        a dropped connection, a 5xx) leaves it unknown whether Bluesky published it."""
        try:
            yield
        except AddressRefused as error:
            raise ConnectorError(f"The Bluesky server of this account cannot be reached: {error}") from error
        except RateLimitExceededError as error:
            headers = error.response.headers if error.response else {}
            reset_at = from_epoch(headers.get("ratelimit-reset"), fallback_seconds=300)
            raise RateLimited(f"Bluesky rate limit reached while {action}: waiting until {reset_at:%H:%M} UTC.",
                              reset_at=reset_at) from error
        except (UnauthorizedError, BadRequestError) as error:
            content = error.response.content if error.response else None
            code = getattr(content, "error", "") or ""
            if isinstance(error, UnauthorizedError) or code in REVOKED_ERRORS:
                raise CredentialsRevoked("Bluesky refused the session (expired or revoked app password): "
                                         "reconnect the channel.") from error
            message = getattr(content, "message", "") or code
            if sending:
                raise SendRefused(f"Bluesky refused the post: {message}", code=code) from error
            raise ConnectorError(f"Bluesky rejected the request while {action}: {message}") from error
        except NetworkError as error:
            never_left = isinstance(error.__cause__, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout))
            if posting and not never_left:
                raise SendOutcomeUnknown(f"Bluesky did not answer in time while {action}: the post may or may not "
                                         "be published.") from error
            raise PlatformUnavailable(f"Could not reach Bluesky while {action}.") from error
        except RequestException as error:
            status = error.response.status_code if error.response else 0
            if posting and (status >= 500 or not status):
                raise SendOutcomeUnknown(f"Bluesky failed ({status or 'no answer'}) while {action}: the post may or "
                                         "may not be published.") from error
            if status >= 500 or not status:
                raise PlatformUnavailable(f"Bluesky is having trouble while {action}.") from error
            raise ConnectorError(f"Bluesky answered {status} while {action}.") from error
        except AtProtocolError as error:
            raise ConnectorError(f"Bluesky failed while {action}: {error}") from error

    def _login(self) -> None:
        if not self.did:
            profile = self.client.login(self.handle, self.app_password)
            self.did = profile.did if profile else ""

    def fetch(self, cursor: dict[str, Any]) -> FetchResult:
        """Cursor: {"since": ISO indexedAt of the newest notification read, "ids": uris seen at that time,
        "resume": where a read cut short by the page limit continues} (see `read_newest_first`)."""

        def read_page(page_cursor: str | None) -> tuple[list[Entry], str | None]:
            answer = self.client.app.bsky.notification.list_notifications(params={
                "reasons": ["mention", "reply"], "limit": self.page_size, "cursor": page_cursor})
            entries = []
            for notification in answer.notifications:
                moment = parse_time(notification.indexed_at)
                if moment is not None:
                    entries.append(Entry(id=notification.uri, moment=moment, value=notification,
                                         wanted=notification.reason in ("mention", "reply")))
            return entries, answer.cursor

        with self._translated_errors("reading notifications"):
            self._login()
            notifications, state, exhausted = read_newest_first(read_page, cursor, page_limit=self.page_limit)
            items = [notification_item(notification) for notification in notifications]
        items.sort(key=lambda item: item.created_at)
        return FetchResult(items=items, cursor=state, exhausted=exhausted)

    def send_reply(self, *, text: str, in_reply_to_external_id: str, idempotency_key: str) -> SentMessage:
        with self._translated_errors("sending a reply", sending=True):
            self._login()
            posts = self.client.app.bsky.feed.get_posts(params={"uris": [in_reply_to_external_id]}).posts
            if not posts:
                raise SendRefused("Bluesky says the post no longer exists.", code="not_found")
            post = posts[0]
            parent = models.ComAtprotoRepoStrongRef.Main(uri=post.uri, cid=post.cid)
            thread = getattr(post.record, "reply", None)
            root = models.ComAtprotoRepoStrongRef.Main(uri=thread.root.uri, cid=thread.root.cid) if thread else parent
        with self._translated_errors("sending a reply", sending=True, posting=True):
            created = self.client.send_post(text, profile_identify=self.did,
                                            reply_to=models.AppBskyFeedPost.ReplyRef(parent=parent, root=root))
        return SentMessage(external_id=created.uri, url=web_url(created.uri, self.handle),
                           raw={"uri": created.uri, "cid": created.cid})

    def find_sent(self, *, text: str, in_reply_to_external_id: str, recipient_external_id: str = "",
                  private: bool = False, since: datetime) -> SentMessage | None:
        """Our reply with this text under that post, in the account's own feed (newest first)."""
        if private:
            raise LookupUnsupported("Bluesky private messages are not sent by this channel.")
        oldest = since - LOOKUP_CLOCK_MARGIN
        with self._translated_errors("looking for a reply that may already be posted"):
            self._login()
            cursor = None
            for _ in range(LOOKUP_PAGES):
                answer = self.client.app.bsky.feed.get_author_feed(params={
                    "actor": self.did, "filter": "posts_with_replies", "limit": 50, "cursor": cursor})
                for entry in answer.feed:
                    post, record = entry.post, entry.post.record
                    if getattr(entry, "reason", None) is not None or post.author.did != self.did:
                        continue  # a repost shown in the feed, not our own post
                    moment = parse_time(getattr(record, "created_at", None) or post.indexed_at)
                    if moment is not None and moment < oldest:
                        return None  # older than the send: it was not posted
                    reply = getattr(record, "reply", None)
                    if reply and reply.parent.uri == in_reply_to_external_id and same_text(
                            getattr(record, "text", ""), text):
                        return SentMessage(external_id=post.uri, url=web_url(post.uri, self.handle),
                                           raw={"uri": post.uri, "cid": post.cid, "found_by_lookup": True})
                cursor = answer.cursor
                if not cursor:
                    return None
        # Not found among more posts than a look-up reads: it cannot say "not posted".
        raise LookupUnsupported("The account posted too much since this reply to tell whether it went out.")

    # -- brand posts ---------------------------------------------------------------------------

    def publish_post(self, *, text: str, idempotency_key: str) -> SentMessage:
        """An app.bsky.feed.post record (com.atproto.repo.createRecord), answering nobody."""
        with self._translated_errors("publishing a post", sending=True, posting=True):
            self._login()
            created = self.client.send_post(text, profile_identify=self.did)
        return SentMessage(external_id=created.uri, url=web_url(created.uri, self.handle),
                           raw={"uri": created.uri, "cid": created.cid})

    def find_post(self, *, text: str, since: datetime) -> SentMessage | None:
        """Our own post (not a reply) with this text in the account's feed, newest first, since `since`."""
        oldest = since - LOOKUP_CLOCK_MARGIN
        with self._translated_errors("looking for a post that may already be published"):
            self._login()
            cursor = None
            for _ in range(LOOKUP_PAGES):
                answer = self.client.app.bsky.feed.get_author_feed(params={
                    "actor": self.did, "filter": "posts_no_replies", "limit": 50, "cursor": cursor})
                for entry in answer.feed:
                    post, record = entry.post, entry.post.record
                    if getattr(entry, "reason", None) is not None or post.author.did != self.did:
                        continue
                    moment = parse_time(getattr(record, "created_at", None) or post.indexed_at)
                    if moment is not None and moment < oldest:
                        return None
                    if getattr(record, "reply", None) is None and same_text(getattr(record, "text", ""), text):
                        return SentMessage(external_id=post.uri, url=web_url(post.uri, self.handle),
                                           raw={"uri": post.uri, "cid": post.cid, "found_by_lookup": True})
                cursor = answer.cursor
                if not cursor:
                    return None
        raise LookupUnsupported("The account posted too much since this post to tell whether it went out.")

    def pin_post(self, *, external_id: str) -> None:
        # Bluesky pins through `pinnedPost` in the account's profile record (app.bsky.actor.profile/self);
        # rewriting that record is not wired yet, so it is said rather than pretended.
        raise PinUnsupported("Pinning on Bluesky is not available yet: pin the post from the Bluesky app.")

    def send_private_message(self, *, recipient_external_id: str, text: str, idempotency_key: str) -> SentMessage:
        raise SendRefused("Bluesky private messages are not supported by this channel: reply in public or "
                          "ask the person to write to another channel.", code="unsupported")

    def check_credentials(self) -> AccountInfo:
        with self._translated_errors("checking the account"):
            self._login()
            profile = self.client.app.bsky.actor.get_profile(params={"actor": self.did})
        return AccountInfo(external_id=profile.did, handle=f"@{profile.handle}", name=profile.display_name or "",
                           avatar_url=profile.avatar or "")
