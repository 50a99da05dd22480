"""Mastodon through Mastodon.py: mentions from notifications, replies, direct statuses."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServerError,
    MastodonUnauthorizedError,
)

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
    RateLimitState,
    SendRefused,
    SentMessage,
)
from inbox.connectors.common import (
    DEFAULT_TIMEOUT,
    FIRST_READ_HISTORY,
    from_epoch,
    html_to_text,
    now,
    parse_time,
)
from inbox.connectors.outbound import guarded_session, refused_in


def created_at(notification: dict[str, Any]) -> datetime:
    moment = notification["created_at"]
    return moment if isinstance(moment, datetime) else parse_time(moment)  # type: ignore[return-value]


def status_item(notification: dict[str, Any]) -> PlatformItem:
    status = notification["status"]
    account = status["account"]
    created = status["created_at"]
    private = status.get("visibility") == "direct"
    parent = status.get("in_reply_to_id")
    return PlatformItem(
        external_id=str(status["id"]),
        kind=ItemKind.PRIVATE_MESSAGE if private else (ItemKind.REPLY if parent else ItemKind.MENTION),
        text=html_to_text(status.get("content", "")),
        # acct, not the numeric id: ids are local to each instance, acct is what a reply must mention.
        author=PlatformAuthor(external_id=account["acct"], handle=f"@{account['acct']}",
                              name=account.get("display_name", ""), avatar_url=account.get("avatar", ""),
                              followers=account.get("followers_count", 0), profile_url=account.get("url", "")),
        created_at=created if not isinstance(created, str) else parse_time(created),  # type: ignore[arg-type]
        # Mastodon exposes no thread id: a reply threads under the status it answers.
        thread_external_id=f"dm:{account['acct']}" if private else str(parent or status["id"]),
        parent_external_id=str(parent) if parent else None,
        is_private=private,
        url=status.get("url") or status.get("uri", ""),
        language_hint=status.get("language") or "",
        reach=status.get("reblogs_count", 0) + status.get("favourites_count", 0),
        reshares=status.get("reblogs_count", 0),
        raw={"notification_id": str(notification["id"]), "status_id": str(status["id"])},
    )


def instance_account_id(acct: str, base_url: str) -> str:
    """The brand account's id across instances: `acct` is bare ("brand") for the instance's own
    accounts, so two instances' "brand" would look alike. Qualified with the host of the instance we
    talk to (not a host the instance reports, which it could make up)."""
    return acct if "@" in acct else f"{acct}@{(urlsplit(base_url).hostname or '').lower()}"


class MastodonConnector:
    platform = "mastodon"

    def __init__(self, *, credentials: dict[str, str], base_url: str, page_limit: int = 5, page_size: int = 40,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        """`credentials`: `access_token`. `base_url`: the brand account's instance."""
        # The instance is the admin's choice, and its pagination links and redirects are the
        # instance's: every connection goes through the private-network check.
        self.api = Mastodon(access_token=credentials["access_token"], api_base_url=base_url,
                            version_check_mode="none", ratelimit_method="throw", request_timeout=timeout,
                            session=guarded_session())
        self.base_url = base_url
        self.page_limit = page_limit
        self.page_size = page_size

    @contextmanager
    def _translated_errors(self, action: str, *, sending: bool = False) -> Iterator[None]:
        try:
            yield
        except MastodonRatelimitError as error:
            reset_at = from_epoch(self.api.ratelimit_reset, fallback_seconds=300)
            raise RateLimited(f"Mastodon rate limit reached while {action}: waiting until {reset_at:%H:%M} UTC.",
                              reset_at=reset_at) from error
        except MastodonUnauthorizedError as error:
            raise CredentialsRevoked("Mastodon says the access token was revoked or is invalid: reconnect the "
                                     "channel.") from error
        except (MastodonServerError, MastodonNetworkError) as error:
            if refused := refused_in(error):
                raise ConnectorError(f"The Mastodon instance cannot be reached: {refused}") from error
            raise PlatformUnavailable(f"The Mastodon instance is unreachable or failing while {action}.") from error
        except MastodonNotFoundError as error:
            if sending:
                raise SendRefused("Mastodon says the status no longer exists.", code="not_found") from error
            raise ConnectorError(f"Mastodon could not find what was asked while {action}.") from error
        except MastodonAPIError as error:
            if sending:
                raise SendRefused(f"Mastodon refused the status: {error.args[-1]}", code="refused") from error
            raise ConnectorError(f"Mastodon rejected the request while {action}: {error}") from error

    def _rate_limit(self) -> RateLimitState:
        return RateLimitState(limit=self.api.ratelimit_limit, remaining=self.api.ratelimit_remaining,
                              reset_at=from_epoch(self.api.ratelimit_reset, fallback_seconds=300)
                              if self.api.ratelimit_reset else None)

    def fetch(self, cursor: dict[str, Any]) -> FetchResult:
        """Cursor: {"last_notification_id"}: later fetches walk forward with `min_id`, which Mastodon answers
        oldest-first in chunks, without gaps. Until a first read has gone through the whole list it is
        {"backfill_max_id", "backfill_newest_id"}: the read continues below the oldest notification read
        (`max_id`), then the walk forward starts from the newest. A page limit only delays either."""
        last = cursor.get("last_notification_id")
        notifications: list[dict[str, Any]] = []
        exhausted = True
        with self._translated_errors("reading mentions"):
            if not last:
                max_id = cursor.get("backfill_max_id")
                newest = cursor.get("backfill_newest_id")
                horizon = now() - FIRST_READ_HISTORY  # a first read brings the last week, not years
                for _ in range(self.page_limit):
                    page = self.api.notifications(types=["mention"], max_id=max_id, limit=self.page_size)
                    if not page:  # not a short page: an instance may cap `limit` below what we ask
                        break
                    ids = [int(n["id"]) for n in page]
                    max_id = str(min(ids))
                    newest = str(max([*ids, int(newest)] if newest else ids))
                    recent = [n for n in page if created_at(n) >= horizon]
                    notifications.extend(recent)
                    if len(recent) < len(page):
                        break  # newest first: the rest is older still
                else:
                    exhausted = False
                new_cursor = ({"last_notification_id": newest} if exhausted else
                              {"backfill_max_id": max_id, "backfill_newest_id": newest}) if newest else {}
            else:
                for _ in range(self.page_limit):
                    page = self.api.notifications(types=["mention"], min_id=last, limit=self.page_size)
                    notifications.extend(page)
                    if page:
                        last = str(max(int(n["id"]) for n in page))
                    if not page:
                        break
                else:
                    exhausted = False
                new_cursor = {"last_notification_id": last}
        notifications = [n for n in notifications if n.get("status")]
        notifications.sort(key=lambda n: int(n["id"]))
        return FetchResult(items=[status_item(n) for n in notifications], cursor={k: v for k, v in new_cursor.items() if v},
                           exhausted=exhausted, rate_limit=self._rate_limit())

    def send_reply(self, *, text: str, in_reply_to_external_id: str, idempotency_key: str) -> SentMessage:
        with self._translated_errors("sending a reply", sending=True):
            original = self.api.status(in_reply_to_external_id)
            acct = original["account"]["acct"]
            # A reply that does not name its author never reaches them.
            body = text if f"@{acct}" in text else f"@{acct} {text}"
            visibility = original["visibility"] if original["visibility"] in ("direct", "private") else "public"
            status = self.api.status_post(body, in_reply_to_id=in_reply_to_external_id, visibility=visibility,
                                          idempotency_key=idempotency_key)
        return SentMessage(external_id=str(status["id"]), url=status.get("url") or "", raw={"id": str(status["id"])})

    def send_private_message(self, *, recipient_external_id: str, text: str, idempotency_key: str) -> SentMessage:
        """A direct-visibility status naming `recipient_external_id` (an acct, or "dm:<acct>")."""
        acct = recipient_external_id.removeprefix("dm:").lstrip("@")
        with self._translated_errors("sending a private message", sending=True):
            status = self.api.status_post(f"@{acct} {text}", visibility="direct", idempotency_key=idempotency_key)
        return SentMessage(external_id=str(status["id"]), url=status.get("url") or "", raw={"id": str(status["id"])})

    # -- brand posts ---------------------------------------------------------------------------

    def publish_post(self, *, text: str, idempotency_key: str) -> SentMessage:
        """POST /api/v1/statuses, public. The instance honours the Idempotency-Key: a repeat with the
        same key answers the first status instead of posting again."""
        with self._translated_errors("publishing a post", sending=True):
            status = self.api.status_post(text, visibility="public", idempotency_key=idempotency_key)
        return SentMessage(external_id=str(status["id"]), url=status.get("url") or "", raw={"id": str(status["id"])})

    def find_post(self, *, text: str, since: datetime) -> SentMessage | None:
        return None  # never needed: publishing again with the same idempotency key is harmless

    def pin_post(self, *, external_id: str) -> None:
        """POST /api/v1/statuses/:id/pin (to the profile; instances cap how many)."""
        with self._translated_errors("pinning a post", sending=True):
            self.api.status_pin(external_id)

    def check_credentials(self) -> AccountInfo:
        with self._translated_errors("checking the account"):
            account = self.api.account_verify_credentials()
        return AccountInfo(external_id=instance_account_id(account["acct"], self.base_url), handle=f"@{account['acct']}",
                           name=account.get("display_name", ""), avatar_url=account.get("avatar", ""))
