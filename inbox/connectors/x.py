"""X (Twitter) API v2 through tweepy: mentions, keyword search, direct messages, replies."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests
import tweepy

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
    SendOutcomeUnknown,
    SendRefused,
    SentMessage,
)
from inbox.connectors.common import DEFAULT_TIMEOUT, from_epoch, parse_time, rebased_session

X_ORIGIN = "https://api.twitter.com"
TWITTER_EPOCH_MS = 1288834974657
TWEET_FIELDS = ["author_id", "conversation_id", "created_at", "in_reply_to_user_id", "lang", "public_metrics",
                "referenced_tweets"]
USER_FIELDS = ["name", "username", "profile_image_url", "public_metrics", "verified"]
EXPANSIONS = ["author_id", "in_reply_to_user_id", "referenced_tweets.id"]
DM_FIELDS = ["id", "text", "event_type", "created_at", "sender_id", "dm_conversation_id", "participant_ids"]
NO_LANGUAGE = {"und", "zxx", "qme", "qam", "qct", "qht", "qst"}


def snowflake_time(tweet_id: str) -> datetime:
    """X ids carry their creation time: the fallback when `created_at` was not asked for."""
    return datetime.fromtimestamp(((int(tweet_id) >> 22) + TWITTER_EPOCH_MS) / 1000, UTC)


def users_by_id(payload: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {user["id"]: user for user in (payload.get("includes") or {}).get("users", [])}


def author_of(author_id: str, users: dict[str, dict[str, Any]]) -> PlatformAuthor:
    user = users.get(author_id)
    if not user:
        # Recorded responses and calls without expansions carry no user objects: keep the id alone.
        return PlatformAuthor(external_id=author_id)
    handle = user.get("username", "")
    return PlatformAuthor(
        external_id=author_id,
        handle=f"@{handle}" if handle else "",
        name=user.get("name", ""),
        avatar_url=user.get("profile_image_url", ""),
        followers=(user.get("public_metrics") or {}).get("followers_count", 0),
        verified=bool(user.get("verified")),
        profile_url=f"https://x.com/{handle}" if handle else "",
    )


def items_from_tweets(payload: dict[str, Any], *, kind_when_top_level: str = ItemKind.MENTION) -> list[PlatformItem]:
    """Raw `/2/...` tweet listings (mentions, search) into items; copes without any expansion."""
    users = users_by_id(payload)
    quoted = {t["id"]: t for t in (payload.get("includes") or {}).get("tweets", [])}
    items = []
    for tweet in payload.get("data") or []:
        references = {ref["type"]: ref["id"] for ref in tweet.get("referenced_tweets", [])}
        parent = references.get("replied_to")
        context_id = parent or references.get("quoted")
        author = author_of(tweet.get("author_id", ""), users)
        metrics = tweet.get("public_metrics") or {}
        language = tweet.get("lang", "")
        handle = author.handle.lstrip("@")
        items.append(PlatformItem(
            external_id=tweet["id"],
            kind=ItemKind.REPLY if parent else kind_when_top_level,
            text=tweet.get("text", ""),
            author=author,
            created_at=parse_time(tweet.get("created_at")) or snowflake_time(tweet["id"]),
            thread_external_id=tweet.get("conversation_id") or (None if parent else tweet["id"]),
            parent_external_id=parent,
            url=f"https://x.com/{handle or 'i/web'}/status/{tweet['id']}",
            context_text=quoted.get(context_id, {}).get("text", "") if context_id else "",
            language_hint="" if language in NO_LANGUAGE else language,
            reach=sum(metrics.get(key, 0) for key in ("retweet_count", "quote_count", "like_count")),
            raw=tweet,
        ))
    return items


def items_from_dm_events(payload: dict[str, Any], *, brand_user_id: str = "") -> list[PlatformItem]:
    """Raw `/2/dm_events` listings into private messages, leaving out what the brand itself sent."""
    users = users_by_id(payload)
    items = []
    for event in payload.get("data") or []:
        sender = event.get("sender_id", "")
        if event.get("event_type", "MessageCreate") != "MessageCreate" or (brand_user_id and sender == brand_user_id):
            continue
        items.append(PlatformItem(
            external_id=event["id"],
            kind=ItemKind.PRIVATE_MESSAGE,
            text=event.get("text", ""),
            author=author_of(sender, users),
            created_at=parse_time(event.get("created_at")) or snowflake_time(event["id"]),
            thread_external_id=event.get("dm_conversation_id") or (f"dm:{sender}" if sender else None),
            is_private=True,
            raw=event,
        ))
    return items


def search_query(watch_terms: Sequence[str], brand_username: str = "") -> str:
    terms = [f'"{term}"' if " " in term else term for term in (t.strip() for t in watch_terms) if term]
    query = " OR ".join(terms)
    if len(terms) > 1:
        query = f"({query})"
    exclusions = " -is:retweet" + (f" -from:{brand_username}" if brand_username else "")
    return query + exclusions if query else ""


class XConnector:
    platform = "x"

    def __init__(
        self,
        *,
        credentials: dict[str, str],
        base_url: str = X_ORIGIN,
        user_id: str = "",
        username: str = "",
        watch_terms: Sequence[str] = (),
        page_limit: int = 5,
        page_size: int = 100,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """`credentials`: an OAuth 2.0 user `bearer_token`, or OAuth 1.0a `consumer_key`, `consumer_secret`,
        `access_token`, `access_token_secret`. `user_id`: the brand account (looked up when empty)."""
        self.user_auth = bool(credentials.get("consumer_key") and credentials.get("access_token"))
        self.client = tweepy.Client(
            bearer_token=credentials.get("bearer_token"),
            consumer_key=credentials.get("consumer_key"),
            consumer_secret=credentials.get("consumer_secret"),
            access_token=credentials.get("access_token"),
            access_token_secret=credentials.get("access_token_secret"),
            return_type=dict,
            wait_on_rate_limit=False,  # a worker never sleeps: RateLimited lets it reschedule the channel
        )
        rebased_session(self.client.session, X_ORIGIN, base_url, timeout)
        self.client.session.hooks["response"].append(self._remember_rate_limit)
        self.user_id = user_id
        self.username = username
        self.watch_terms = list(watch_terms)
        self.page_limit = page_limit
        self.page_size = page_size
        self._rate_limit: RateLimitState | None = None

    # -- plumbing ------------------------------------------------------------------------------

    def _remember_rate_limit(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """Keeps the tightest limit seen during a fetch, so the worker can pace the channel."""
        remaining = response.headers.get("x-rate-limit-remaining")
        if remaining is None:
            return
        state = RateLimitState(
            limit=int(response.headers.get("x-rate-limit-limit", 0)) or None,
            remaining=int(remaining),
            reset_at=from_epoch(response.headers.get("x-rate-limit-reset"), fallback_seconds=900),
        )
        if self._rate_limit is None or (state.remaining or 0) < (self._rate_limit.remaining or 0):
            self._rate_limit = state

    @contextmanager
    def _translated_errors(self, action: str, *, sending: bool = False) -> Iterator[None]:
        try:
            yield
        except tweepy.TooManyRequests as error:
            reset_at = from_epoch(error.response.headers.get("x-rate-limit-reset"), fallback_seconds=900)
            raise RateLimited(f"X rate limit reached while {action}: waiting until "
                              f"{reset_at:%H:%M} UTC.", reset_at=reset_at) from error
        except tweepy.Unauthorized as error:
            raise CredentialsRevoked("X says the access token was revoked or has expired: reconnect the "
                                     "channel.") from error
        except tweepy.Forbidden as error:
            detail = "; ".join(error.api_messages) or str(error)
            if sending and "duplicate" in detail.lower():
                raise SendRefused("X refused this reply as duplicate content: the same text was already "
                                  "sent to this post.", code="duplicate") from error
            if sending:
                raise SendRefused(f"X refused the message: {detail}", code="forbidden") from error
            raise CredentialsRevoked(f"X refused access while {action} ({detail}): check the app's API tier "
                                     "and permissions, then reconnect the channel.") from error
        except tweepy.NotFound as error:
            if sending:
                raise SendRefused("X says the post or person no longer exists.", code="not_found") from error
            raise ConnectorError(f"X could not find what was asked while {action}.") from error
        except tweepy.BadRequest as error:
            detail = "; ".join(error.api_messages) or str(error)
            if sending:
                raise SendRefused(f"X refused the message: {detail}", code="bad_request") from error
            raise ConnectorError(f"X rejected the request while {action}: {detail}") from error
        except tweepy.TwitterServerError as error:
            if sending:
                raise SendOutcomeUnknown(f"X failed ({error.response.status_code}) while {action}: the post may "
                                         "or may not be published.") from error
            raise PlatformUnavailable(f"X is having trouble ({error.response.status_code}) while {action}.") from error
        except requests.ConnectTimeout as error:
            raise PlatformUnavailable(f"Could not reach X while {action}.") from error
        except requests.Timeout as error:
            if sending:
                raise SendOutcomeUnknown(f"X did not answer in time while {action}: the post may or may not "
                                         "be published.") from error
            raise PlatformUnavailable(f"X did not answer in time while {action}.") from error
        except requests.RequestException as error:
            raise PlatformUnavailable(f"Could not reach X while {action}.") from error
        except tweepy.HTTPException as error:
            raise ConnectorError(f"X answered {error.response.status_code} while {action}.") from error

    def _brand_user_id(self) -> str:
        if not self.user_id:
            account = self.check_credentials()
            self.user_id, self.username = account.external_id, account.handle.lstrip("@")
        return self.user_id

    # -- reading -------------------------------------------------------------------------------

    def fetch(self, cursor: dict[str, Any]) -> FetchResult:
        """Cursor: `mentions` and `search` streams ({"since_id", "backfill_until_id", "backfill_newest_id"}),
        `search_query` (the watch terms it was built for), `dm_last_event_id`."""
        self._rate_limit = None
        user_id = self._brand_user_id()
        new_cursor: dict[str, Any] = dict(cursor)
        items: dict[str, PlatformItem] = {}

        with self._translated_errors("reading mentions"):
            mentions, new_cursor["mentions"], mentions_done = self._follow_stream(
                lambda **page: self.client.get_users_mentions(
                    user_id, expansions=EXPANSIONS, tweet_fields=TWEET_FIELDS, user_fields=USER_FIELDS,
                    max_results=self.page_size, user_auth=self.user_auth, **page),
                cursor.get("mentions") or {}, token_name="pagination_token")
        for item in mentions:
            if item.author.external_id != user_id:
                items[item.external_id] = item

        search_done = True
        query = search_query(self.watch_terms, self.username)
        if query:
            previous = cursor.get("search") if cursor.get("search_query") == query else None
            with self._translated_errors("searching for watch terms"):
                found, new_cursor["search"], search_done = self._follow_stream(
                    lambda **page: self.client.search_recent_tweets(
                        query, expansions=EXPANSIONS, tweet_fields=TWEET_FIELDS, user_fields=USER_FIELDS,
                        max_results=max(10, self.page_size), user_auth=self.user_auth, **page),
                    previous or {}, token_name="next_token")
            new_cursor["search_query"] = query
            for item in found:
                if item.author.external_id != user_id:
                    items.setdefault(item.external_id, item)

        with self._translated_errors("reading direct messages"):
            messages, new_cursor["dm_last_event_id"], dms_done = self._read_direct_messages(
                cursor.get("dm_last_event_id"))
        for item in messages:
            items[item.external_id] = item

        ordered = sorted(items.values(), key=lambda item: int(item.external_id))
        return FetchResult(items=ordered, cursor=new_cursor, exhausted=mentions_done and search_done and dms_done,
                           rate_limit=self._rate_limit)

    def _follow_stream(self, call: Callable[..., dict[str, Any]], state: dict[str, Any],
                       *, token_name: str) -> tuple[list[PlatformItem], dict[str, Any], bool]:
        """Pages newest-first from `since_id`. When the page limit cuts a burst short, the next fetch
        resumes below the oldest id read (`until_id`) before moving `since_id`, so nothing is skipped."""
        since_id = state.get("since_id")
        until_id = state.get("backfill_until_id")
        newest_id = state.get("backfill_newest_id")
        items: list[PlatformItem] = []
        token = None
        for _ in range(self.page_limit):
            params: dict[str, Any] = {"since_id": since_id, "until_id": until_id, token_name: token}
            payload = call(**{key: value for key, value in params.items() if value})
            meta = payload.get("meta") or {}
            if meta.get("newest_id") and (not newest_id or int(meta["newest_id"]) > int(newest_id)):
                newest_id = meta["newest_id"]
            items.extend(items_from_tweets(payload))
            token = meta.get("next_token")
            if not token:
                return items, {"since_id": newest_id or since_id}, True
        oldest = min((int(item.external_id) for item in items), default=None)
        backlog = {"since_id": since_id, "backfill_until_id": str(oldest) if oldest else until_id,
                   "backfill_newest_id": newest_id}
        return items, {key: value for key, value in backlog.items() if value}, False

    def _read_direct_messages(self, last_event_id: str | None) -> tuple[list[PlatformItem], str | None, bool]:
        """dm_events has no since_id: read newest-first until the last event already seen."""
        items: list[PlatformItem] = []
        newest = last_event_id
        token = None
        for _ in range(self.page_limit):
            payload = self.client.get_direct_message_events(
                dm_event_fields=DM_FIELDS, event_types="MessageCreate", expansions=["sender_id"],
                user_fields=USER_FIELDS, max_results=100, pagination_token=token, user_auth=self.user_auth)
            events = payload.get("data") or []
            fresh = [e for e in events if not last_event_id or int(e["id"]) > int(last_event_id)]
            if fresh and (not newest or int(fresh[0]["id"]) > int(newest)):
                newest = fresh[0]["id"]
            items.extend(items_from_dm_events({**payload, "data": fresh}, brand_user_id=self.user_id))
            token = (payload.get("meta") or {}).get("next_token")
            if not token or len(fresh) < len(events):
                return items, newest, True
        return items, newest, False

    # -- writing -------------------------------------------------------------------------------

    def send_reply(self, *, text: str, in_reply_to_external_id: str, idempotency_key: str) -> SentMessage:
        # X has no idempotency key: exactly-once rests on the inbox recording the send before retrying.
        with self._translated_errors("sending a reply", sending=True):
            payload = self.client.create_tweet(text=text, in_reply_to_tweet_id=in_reply_to_external_id,
                                               user_auth=self.user_auth)
        tweet_id = payload["data"]["id"]
        handle = self.username or "i/web"
        return SentMessage(external_id=tweet_id, url=f"https://x.com/{handle}/status/{tweet_id}", raw=payload)

    def send_private_message(self, *, recipient_external_id: str, text: str, idempotency_key: str) -> SentMessage:
        """`recipient_external_id`: a user id, "dm:<user id>", or a dm_conversation_id ("<id>-<id>")."""
        recipient = recipient_external_id.removeprefix("dm:")
        with self._translated_errors("sending a direct message", sending=True):
            if "-" in recipient:
                payload = self.client.create_direct_message(dm_conversation_id=recipient, text=text,
                                                            user_auth=self.user_auth)
            else:
                payload = self.client.create_direct_message(participant_id=recipient, text=text,
                                                            user_auth=self.user_auth)
        data = payload["data"]
        return SentMessage(external_id=data["dm_event_id"],
                           url=f"https://x.com/messages/{data['dm_conversation_id']}", raw=payload)

    def check_credentials(self) -> AccountInfo:
        with self._translated_errors("checking the account"):
            payload = self.client.get_me(user_fields=["profile_image_url"], user_auth=self.user_auth)
        user = payload["data"]
        return AccountInfo(external_id=user["id"], handle=f"@{user['username']}", name=user.get("name", ""),
                           avatar_url=user.get("profile_image_url", ""))
