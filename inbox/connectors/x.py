"""X (Twitter) API v2 through tweepy: mentions, keyword search, direct messages, replies."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
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
    LookupUnsupported,
    PinUnsupported,
    PlatformAuthor,
    PlatformItem,
    PlatformUnavailable,
    RateLimited,
    RateLimitState,
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
    rebased_session,
    same_text,
    unescape_x,
)

X_ORIGIN = "https://api.twitter.com"
TWITTER_EPOCH_MS = 1288834974657
TWEET_FIELDS = ["author_id", "conversation_id", "created_at", "edit_history_tweet_ids", "in_reply_to_user_id", "lang",
                "public_metrics", "referenced_tweets"]
USER_FIELDS = ["name", "username", "profile_image_url", "public_metrics", "verified"]
EXPANSIONS = ["author_id", "in_reply_to_user_id", "referenced_tweets.id"]
DM_FIELDS = ["id", "text", "event_type", "created_at", "sender_id", "dm_conversation_id", "participant_ids"]
NO_LANGUAGE = {"und", "zxx", "qme", "qam", "qct", "qht", "qst"}
LOOKUP_BATCH = 100  # ids per GET /2/users and GET /2/tweets lookup, X's maximum


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
        # An edit is a new post under a new id; its history starts with the original's id. The inbox
        # knows the post by that first id, so an edit updates the message instead of adding one.
        history = [str(version) for version in tweet.get("edit_history_tweet_ids") or []]
        original_id = history[0] if history else tweet["id"]
        parent = references.get("replied_to")
        context_id = parent or references.get("quoted")
        author = author_of(tweet.get("author_id", ""), users)
        metrics = tweet.get("public_metrics") or {}
        language = tweet.get("lang", "")
        handle = author.handle.lstrip("@")
        items.append(PlatformItem(
            external_id=original_id,
            kind=ItemKind.REPLY if parent else kind_when_top_level,
            text=unescape_x(tweet.get("text", "")),
            author=author,
            created_at=snowflake_time(original_id) if original_id != tweet["id"] else (
                parse_time(tweet.get("created_at")) or snowflake_time(tweet["id"])),
            thread_external_id=tweet.get("conversation_id") or (None if parent else original_id),
            parent_external_id=parent,
            url=f"https://x.com/{handle or 'i/web'}/status/{tweet['id']}",
            context_text=unescape_x(quoted.get(context_id, {}).get("text", "")) if context_id else "",
            language_hint="" if language in NO_LANGUAGE else language,
            reach=sum(metrics.get(key, 0) for key in ("retweet_count", "quote_count", "like_count")),
            reshares=sum(metrics.get(key, 0) for key in ("retweet_count", "quote_count")),
            edited=original_id != tweet["id"],
            raw=tweet,
        ))
    return items


def version_of(item: PlatformItem) -> int:
    """Which version of a post this item holds: its own id, the newest for the latest edit."""
    return int(item.raw.get("id") or item.external_id)


def dm_thread(event: dict[str, Any], sender: str) -> str | None:
    """A one-to-one conversation is "<low id>-<high id>" (as webhooks rebuild it); a group conversation has
    an id of its own, marked "group:" so that a reply goes to the group, not to whoever wrote last."""
    conversation = event.get("dm_conversation_id") or ""
    if conversation and "-" not in conversation:
        return f"group:{conversation}"
    return conversation or (f"dm:{sender}" if sender else None)


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
            text=unescape_x(event.get("text", "")),
            author=author_of(sender, users),
            created_at=parse_time(event.get("created_at")) or snowflake_time(event["id"]),
            thread_external_id=dm_thread(event, sender),
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
        account_id: str = "",
        username: str = "",
        watch_terms: Sequence[str] = (),
        page_limit: int = 5,
        page_size: int = 100,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """`credentials`: an OAuth 2.0 user `bearer_token`, or OAuth 1.0a `consumer_key`, `consumer_secret`,
        `access_token`, `access_token_secret`. `user_id` (or `account_id`, the channel's stored account id):
        the brand account, looked up with `GET /2/users/me` only when neither is given, since that call has
        a small quota (75 per 15 minutes) that polling must not spend."""
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
        self.user_id = user_id or account_id
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
        `search_query` (the watch terms it was built for), `dms` (see `read_newest_first`)."""
        self._rate_limit = None
        user_id = self._brand_user_id()
        new_cursor: dict[str, Any] = {key: value for key, value in cursor.items() if key != "dm_last_event_id"}
        found: list[PlatformItem] = []

        with self._translated_errors("reading mentions"):
            mentions, new_cursor["mentions"], mentions_done = self._follow_stream(
                lambda **page: self.client.get_users_mentions(
                    user_id, expansions=EXPANSIONS, tweet_fields=TWEET_FIELDS, user_fields=USER_FIELDS,
                    max_results=self.page_size, user_auth=self.user_auth, **page),
                cursor.get("mentions") or {}, token_name="pagination_token")
        found += mentions

        search_done = True
        query = search_query(self.watch_terms, self.username)
        if query:
            previous = cursor.get("search") if cursor.get("search_query") == query else None
            with self._translated_errors("searching for watch terms"):
                matches, new_cursor["search"], search_done = self._follow_stream(
                    lambda **page: self.client.search_recent_tweets(
                        query, expansions=EXPANSIONS, tweet_fields=TWEET_FIELDS, user_fields=USER_FIELDS,
                        max_results=max(10, self.page_size), user_auth=self.user_auth, **page),
                    previous or {}, token_name="next_token")
            new_cursor["search_query"] = query
            found += matches

        with self._translated_errors("reading direct messages"):
            messages, new_cursor["dms"], dms_done = self._read_direct_messages(self._dm_state(cursor))
        found += messages

        with self._translated_errors("looking up authors"):
            found = self._complete_authors(found)
        items: dict[str, PlatformItem] = {}
        for item in found:
            if item.author.external_id == user_id:
                continue
            known = items.get(item.external_id)
            # The same post twice (mentions and search, or an edit beside its original): keep its latest version.
            if known is None or version_of(item) > version_of(known):
                items[item.external_id] = item
        ordered = sorted(items.values(), key=lambda item: int(item.external_id))
        return FetchResult(items=ordered, cursor=new_cursor, exhausted=mentions_done and search_done and dms_done,
                           rate_limit=self._rate_limit)

    def _follow_stream(self, call: Callable[..., dict[str, Any]], state: dict[str, Any],
                       *, token_name: str) -> tuple[list[PlatformItem], dict[str, Any], bool]:
        """Pages newest-first from `since_id`. When the page limit cuts a burst short, the next fetch
        resumes below the oldest id read (`until_id`) before moving `since_id`, so nothing is skipped.
        `until_id` rather than the page token: it never expires, and means the same on every endpoint."""
        since_id = state.get("since_id")
        until_id = state.get("backfill_until_id")
        newest_id = state.get("backfill_newest_id")
        items: list[PlatformItem] = []
        oldest = int(until_id) if until_id else None
        token = None
        for _ in range(self.page_limit):
            params: dict[str, Any] = {"since_id": since_id, "until_id": until_id, token_name: token}
            payload = call(**{key: value for key, value in params.items() if value})
            meta = payload.get("meta") or {}
            if meta.get("newest_id") and (not newest_id or int(meta["newest_id"]) > int(newest_id)):
                newest_id = meta["newest_id"]
            # The page's own ids (an edit's item carries its original's id): where the next read resumes.
            page_ids = [int(tweet["id"]) for tweet in payload.get("data") or []]
            if meta.get("oldest_id"):
                page_ids.append(int(meta["oldest_id"]))
            if page_ids:
                oldest = min([*page_ids, *([oldest] if oldest else [])])
            items.extend(items_from_tweets(payload))
            token = meta.get("next_token")
            if not token:
                return items, {"since_id": newest_id or since_id}, True
        backlog = {"since_id": since_id, "backfill_until_id": str(oldest) if oldest else until_id,
                   "backfill_newest_id": newest_id}
        return items, {key: value for key, value in backlog.items() if value}, False

    @staticmethod
    def _dm_state(cursor: dict[str, Any]) -> dict[str, Any]:
        if "dms" in cursor:
            return cursor["dms"] or {}
        last = cursor.get("dm_last_event_id")  # the cursor's shape before back-fills could resume
        return {"since": snowflake_time(last).isoformat(), "ids": [last]} if last else {}

    def _read_direct_messages(self, state: dict[str, Any]) -> tuple[list[PlatformItem], dict[str, Any], bool]:
        """dm_events has no since_id: read newest-first down to the last complete read, resuming a read
        cut short by the page limit from its page token (see `read_newest_first`)."""

        def read_page(token: str | None) -> tuple[list[Entry], str | None]:
            payload = self.client.get_direct_message_events(
                dm_event_fields=DM_FIELDS, event_types="MessageCreate", expansions=["sender_id"],
                user_fields=USER_FIELDS, max_results=min(100, self.page_size), pagination_token=token,
                user_auth=self.user_auth)
            events = payload.get("data") or []
            mine = {item.external_id: item for item in items_from_dm_events(payload, brand_user_id=self.user_id)}
            entries = [Entry(id=event["id"], moment=snowflake_time(event["id"]), value=mine.get(event["id"]),
                             wanted=event["id"] in mine) for event in events]
            return entries, (payload.get("meta") or {}).get("next_token")

        return read_newest_first(read_page, state, page_limit=self.page_limit)

    def _complete_authors(self, items: list[PlatformItem]) -> list[PlatformItem]:
        """Items whose page came without `author_id` or without the `users` expansion get their author
        from batched lookups (`GET /2/tweets?ids=`, `GET /2/users?ids=`), never dropped.

        A post without any author id cannot be threaded: when its lookup is rate limited the fetch
        fails as a whole (RateLimited, the cursor stays put, the channel waits for the reset). An author
        known by id only is kept as it is when the users lookup is rate limited."""
        authorless = sorted({str(item.raw.get("id") or item.external_id) for item in items
                             if not item.author.external_id and not item.is_private})
        author_ids: dict[str, str] = {}
        users: dict[str, dict[str, Any]] = {}
        for start in range(0, len(authorless), LOOKUP_BATCH):
            payload = self.client.get_tweets(authorless[start:start + LOOKUP_BATCH], tweet_fields=["author_id"],
                                             expansions=["author_id"], user_fields=USER_FIELDS,
                                             user_auth=self.user_auth)
            author_ids.update({tweet["id"]: tweet.get("author_id", "") for tweet in payload.get("data") or []})
            users.update(users_by_id(payload))
        wanted = {author_ids.get(str(item.raw.get("id") or item.external_id), "") or item.author.external_id
                  for item in items if not item.author.handle}
        wanted = sorted(user_id for user_id in wanted - set(users) if user_id)
        try:
            for start in range(0, len(wanted), LOOKUP_BATCH):
                payload = self.client.get_users(ids=wanted[start:start + LOOKUP_BATCH], user_fields=USER_FIELDS,
                                                user_auth=self.user_auth)
                users.update({user["id"]: user for user in payload.get("data") or []})
        except tweepy.TooManyRequests:
            pass  # the authors keep their ids; their names come with their next post
        completed = []
        for item in items:
            if item.author.handle:
                completed.append(item)
                continue
            author_id = item.author.external_id or author_ids.get(str(item.raw.get("id") or item.external_id), "")
            author = author_of(author_id, users) if author_id else item.author
            handle = author.handle.lstrip("@")
            url = item.url.replace("/i/web/", f"/{handle}/") if handle and not item.is_private else item.url
            completed.append(replace(item, author=author, url=url))
        return completed

    # -- writing -------------------------------------------------------------------------------

    def send_reply(self, *, text: str, in_reply_to_external_id: str, idempotency_key: str) -> SentMessage:
        # X has no idempotency key: exactly-once rests on the inbox recording the send before retrying.
        with self._translated_errors("sending a reply", sending=True):
            payload = self.client.create_tweet(text=text, in_reply_to_tweet_id=in_reply_to_external_id,
                                               user_auth=self.user_auth)
        tweet_id = payload["data"]["id"]
        handle = self.username or "i/web"
        return SentMessage(external_id=tweet_id, url=f"https://x.com/{handle}/status/{tweet_id}", raw=payload)

    def find_sent(self, *, text: str, in_reply_to_external_id: str, recipient_external_id: str = "",
                  private: bool = False, since: datetime) -> SentMessage | None:
        """Our reply with this text to that post, among the account's posts since the send began; or
        our direct message with this text in the conversation with that person."""
        user_id = self._brand_user_id()
        if private:
            return self._find_sent_direct_message(text=text, recipient=recipient_external_id.removeprefix("dm:"),
                                                  user_id=user_id, since=since)
        token = None
        with self._translated_errors("looking for a reply that may already be posted"):
            for _ in range(LOOKUP_PAGES):
                payload = self.client.get_users_tweets(
                    user_id, start_time=since - LOOKUP_CLOCK_MARGIN, max_results=100, pagination_token=token,
                    tweet_fields=["created_at", "referenced_tweets"], user_auth=self.user_auth)
                for tweet in payload.get("data") or []:
                    parents = {ref["id"] for ref in tweet.get("referenced_tweets") or [] if ref["type"] == "replied_to"}
                    if in_reply_to_external_id in parents and same_text(tweet.get("text"), text):
                        handle = self.username or "i/web"
                        return SentMessage(external_id=tweet["id"], url=f"https://x.com/{handle}/status/{tweet['id']}",
                                           raw={"data": tweet, "found_by_lookup": True})
                token = (payload.get("meta") or {}).get("next_token")
                if not token:
                    return None
        # Not found among more posts than a look-up reads: it cannot say "not posted".
        raise LookupUnsupported("The account posted too much since this reply to tell whether it went out.")

    def _find_sent_direct_message(self, *, text: str, recipient: str, user_id: str,
                                  since: datetime) -> SentMessage | None:
        oldest = since - LOOKUP_CLOCK_MARGIN
        if recipient.startswith("group:"):
            where = {"dm_conversation_id": recipient.removeprefix("group:")}
        else:
            where = {"dm_conversation_id": recipient} if "-" in recipient else {"participant_id": recipient}
        token = None
        with self._translated_errors("looking for a direct message that may already be sent"):
            for _ in range(LOOKUP_PAGES):
                payload = self.client.get_direct_message_events(
                    **where, dm_event_fields=DM_FIELDS, event_types="MessageCreate", max_results=100,
                    pagination_token=token, user_auth=self.user_auth)
                for event in payload.get("data") or []:  # newest first
                    moment = parse_time(event.get("created_at")) or snowflake_time(event["id"])
                    if moment < oldest:
                        return None
                    if event.get("sender_id") == user_id and same_text(event.get("text"), text):
                        return SentMessage(external_id=event["id"],
                                           url=f"https://x.com/messages/{event.get('dm_conversation_id', '')}",
                                           raw={"data": event, "found_by_lookup": True})
                token = (payload.get("meta") or {}).get("next_token")
                if not token:
                    return None
        raise LookupUnsupported("The conversation had too many messages since this one to tell whether it went out.")

    def send_private_message(self, *, recipient_external_id: str, text: str, idempotency_key: str) -> SentMessage:
        """`recipient_external_id`: a user id, "dm:<user id>", a one-to-one dm_conversation_id ("<id>-<id>"),
        or a group conversation ("group:<id>"), whose reply goes to the whole group."""
        recipient = recipient_external_id.removeprefix("dm:")
        with self._translated_errors("sending a direct message", sending=True):
            if recipient.startswith("group:"):
                payload = self.client.create_direct_message(dm_conversation_id=recipient.removeprefix("group:"),
                                                            text=text, user_auth=self.user_auth)
            elif "-" in recipient:
                payload = self.client.create_direct_message(dm_conversation_id=recipient, text=text,
                                                            user_auth=self.user_auth)
            else:
                payload = self.client.create_direct_message(participant_id=recipient, text=text,
                                                            user_auth=self.user_auth)
        data = payload["data"]
        return SentMessage(external_id=data["dm_event_id"],
                           url=f"https://x.com/messages/{data['dm_conversation_id']}", raw=payload)

    # -- brand posts ---------------------------------------------------------------------------

    def publish_post(self, *, text: str, idempotency_key: str) -> SentMessage:
        """POST /2/tweets with the text alone: a post of the brand account, answering nobody."""
        with self._translated_errors("publishing a post", sending=True):
            payload = self.client.create_tweet(text=text, user_auth=self.user_auth)
        tweet_id = payload["data"]["id"]
        return SentMessage(external_id=tweet_id, url=f"https://x.com/{self.username or 'i/web'}/status/{tweet_id}",
                           raw=payload)

    def find_post(self, *, text: str, since: datetime) -> SentMessage | None:
        """Our post with exactly this text, answering nobody, among the account's posts since `since`."""
        user_id = self._brand_user_id()
        token = None
        with self._translated_errors("looking for a post that may already be published"):
            for _ in range(LOOKUP_PAGES):
                payload = self.client.get_users_tweets(
                    user_id, start_time=since - LOOKUP_CLOCK_MARGIN, max_results=100, pagination_token=token,
                    tweet_fields=["created_at", "referenced_tweets"], user_auth=self.user_auth)
                for tweet in payload.get("data") or []:
                    answers = any(ref["type"] == "replied_to" for ref in tweet.get("referenced_tweets") or [])
                    if not answers and same_text(tweet.get("text"), text):
                        return SentMessage(external_id=tweet["id"],
                                           url=f"https://x.com/{self.username or 'i/web'}/status/{tweet['id']}",
                                           raw={"data": tweet, "found_by_lookup": True})
                token = (payload.get("meta") or {}).get("next_token")
                if not token:
                    return None
        raise LookupUnsupported("The account posted too much since this post to tell whether it went out.")

    def pin_post(self, *, external_id: str) -> None:
        # The X API v2 documents no endpoint to pin a post to the profile: said as it is.
        raise PinUnsupported("X's API offers no way to pin a post: pin it by hand on x.com if needed.")

    def check_credentials(self) -> AccountInfo:
        with self._translated_errors("checking the account"):
            payload = self.client.get_me(user_fields=["profile_image_url"], user_auth=self.user_auth)
        user = payload["data"]
        return AccountInfo(external_id=user["id"], handle=f"@{user['username']}", name=user.get("name", ""),
                           avatar_url=user.get("profile_image_url", ""))
