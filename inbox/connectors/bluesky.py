"""Bluesky through atproto: mention and reply notifications, threaded replies."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

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
    PlatformAuthor,
    PlatformItem,
    PlatformUnavailable,
    RateLimited,
    SendRefused,
    SentMessage,
)
from inbox.connectors.common import DEFAULT_TIMEOUT, Watermark, from_epoch, parse_time
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
    def _translated_errors(self, action: str, *, sending: bool = False) -> Iterator[None]:
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
            raise PlatformUnavailable(f"Could not reach Bluesky while {action}.") from error
        except RequestException as error:
            status = error.response.status_code if error.response else 0
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
        """Cursor: {"since": ISO indexedAt of the newest notification, "ids": uris seen at that time}."""
        watermark = Watermark(cursor)
        items: list[PlatformItem] = []
        exhausted = True
        with self._translated_errors("reading notifications"):
            self._login()
            page_cursor = None
            for _ in range(self.page_limit):
                answer = self.client.app.bsky.notification.list_notifications(params={
                    "reasons": ["mention", "reply"], "limit": self.page_size, "cursor": page_cursor})
                reached_seen = False
                for notification in answer.notifications:
                    moment = parse_time(notification.indexed_at)
                    if moment is None or notification.reason not in ("mention", "reply"):
                        continue
                    if not watermark.covers(moment):
                        reached_seen = True
                        break
                    if watermark.is_new(notification.uri, moment):
                        items.append(notification_item(notification))
                        watermark.saw(notification.uri, moment)
                page_cursor = answer.cursor
                if reached_seen or not page_cursor:
                    break
            else:
                exhausted = False
        items.sort(key=lambda item: item.created_at)
        return FetchResult(items=items, cursor=watermark.state() or dict(cursor), exhausted=exhausted)

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
            created = self.client.send_post(text, profile_identify=self.did,
                                            reply_to=models.AppBskyFeedPost.ReplyRef(parent=parent, root=root))
        return SentMessage(external_id=created.uri, url=web_url(created.uri, self.handle),
                           raw={"uri": created.uri, "cid": created.cid})

    def send_private_message(self, *, recipient_external_id: str, text: str, idempotency_key: str) -> SentMessage:
        raise SendRefused("Bluesky private messages are not supported by this channel: reply in public or "
                          "ask the person to write to another channel.", code="unsupported")

    def check_credentials(self) -> AccountInfo:
        with self._translated_errors("checking the account"):
            self._login()
            profile = self.client.app.bsky.actor.get_profile(params={"actor": self.did})
        return AccountInfo(external_id=profile.did, handle=f"@{profile.handle}", name=profile.display_name or "",
                           avatar_url=profile.avatar or "")
