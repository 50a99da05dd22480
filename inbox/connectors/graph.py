"""What the Facebook and Instagram connectors share: Graph API calls through facebook-sdk, with
appsecret_proof, HTTP status checks, and Graph error codes turned into connector errors."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

import facebook
import requests

from inbox.connectors.base import (
    ConnectorError,
    CredentialsRevoked,
    ItemKind,
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
    Entry,
    Watermark,
    now,
    parse_time,
    read_newest_first,
    read_oldest_first,
    rebased_session,
    same_text,
)

GRAPH_ORIGIN = "https://graph.facebook.com"
API_VERSION = "v21.0"
TOKEN_ERRORS = {102, 190, 463, 467}
PERMISSION_ERRORS = {10, 200, 230}
THROTTLING_ERRORS = {4, 17, 32, 613, 80001, 80002, 80004, 80006}
OUTSIDE_WINDOW_SUBCODES = {2018278, 2534022}


class _HttpFailure(Exception):
    """An HTTP error without a Graph error body, which facebook-sdk would misreport."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(f"HTTP {response.status_code}")
        self.status = response.status_code


class GraphConnector:
    platform = "facebook"
    label = "Facebook"
    ig_user_id = ""  # set by the Instagram connector, whose own messages must not read as inbound

    def __init__(
        self,
        *,
        credentials: dict[str, str],
        page_id: str,
        base_url: str = GRAPH_ORIGIN,
        api_version: str = API_VERSION,
        page_limit: int = 5,
        page_size: int = 100,
        posts_scanned: int = 25,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """`credentials`: `page_access_token` and `app_secret` (for appsecret_proof). `page_size`: comments
        and messages per page (conversations and posts: at most 25, as Graph answers them)."""
        token = credentials["page_access_token"]
        session = rebased_session(requests.Session(), GRAPH_ORIGIN, base_url, timeout)
        session.hooks["response"].append(self._check_response)
        # No `version=` here: facebook-sdk only accepts versions up to 3.1; every path carries ours.
        self.graph = facebook.GraphAPI(access_token=token, timeout=timeout, session=session)
        self.graph.version = api_version
        self.proof = hmac.new(credentials["app_secret"].encode(), token.encode(), hashlib.sha256).hexdigest()
        self.page_id = page_id
        self.page_limit = page_limit
        self.page_size = page_size
        self.posts_scanned = posts_scanned
        self._last_headers = threading.local()

    # -- plumbing ------------------------------------------------------------------------------

    def _check_response(self, response: requests.Response, *args: Any, **kwargs: Any) -> None:
        """facebook-sdk never looks at the status: keep headers for rate limits, stop non-Graph failures."""
        self._last_headers.value = response.headers
        if response.status_code >= 400 and "json" not in response.headers.get("content-type", ""):
            raise _HttpFailure(response)

    def call(self, path: str, *, args: dict[str, Any] | None = None, post: dict[str, Any] | None = None,
             action: str) -> dict[str, Any]:
        with self._translated_errors(action, sending=post is not None):
            return self.graph.request(f"{self.graph.version}/{path}", args={**(args or {}),
                                      "appsecret_proof": self.proof}, post_args=post)

    def pages(self, path: str, args: dict[str, Any], *, action: str) -> Iterator[dict[str, Any]]:
        """The items of a Graph edge, following `paging.cursors.after` for up to `page_limit` pages."""
        after = None
        for _ in range(self.page_limit):
            items, after, more = self.page(path, args, after, action=action)
            yield from items
            if not more or not after:
                return

    def page(self, path: str, args: dict[str, Any], after: str | None, *,
             action: str) -> tuple[list[dict[str, Any]], str | None, bool]:
        """One page of an edge: its items, the cursor after its last item, and whether more follow.
        Graph gives the `after` cursor on the last page too: it is where the next read continues."""
        body = self.call(path, args={**args, **({"after": after} if after else {})}, action=action)
        paging = body.get("paging") or {}
        return body.get("data", []), (paging.get("cursors") or {}).get("after"), bool(paging.get("next"))

    def read_children(self, parents: Iterator[dict[str, Any]], state: dict[str, Any] | None, *, edge: str,
                      args: dict[str, Any], changed: Callable[[dict[str, Any]], str],
                      action: str) -> tuple[list[tuple[dict[str, Any], dict[str, Any]]], dict[str, Any], bool]:
        """Reads the oldest-first `edge` (comments) of each parent object (a post, a media) onwards from
        where the previous fetch stopped: the `after` cursor of the last child read, per parent. A parent
        whose `changed` mark (updated time, comment count) is the same as when it was last read through
        is skipped. A page limit delays the rest of a parent's children to the next fetch, never skips it.

        Answers (child, parent) pairs, the next state ({"parents": {id: {"after", "mark"}}}, bounded to
        the parents scanned this time) and whether every parent was read to its end."""
        known = (state or {}).get("parents") or {}
        parents_state: dict[str, Any] = {}
        found: list[tuple[dict[str, Any], dict[str, Any]]] = []
        exhausted = True
        for parent in parents:
            previous = known.get(parent["id"]) or {}
            mark = changed(parent)  # "" when it cannot tell: read the parent again
            if mark and previous.get("mark") == mark:
                parents_state[parent["id"]] = previous
                continue
            children, after, done = read_oldest_first(
                lambda cursor, parent=parent: self.page(f"{parent['id']}/{edge}", args, cursor, action=action),
                previous.get("after"), page_limit=self.page_limit)
            found += [(child, parent) for child in children]
            # The mark is kept only once the parent is read to its end: until then, the next fetch goes on.
            parents_state[parent["id"]] = {key: value for key, value in
                                           {"after": after, "mark": mark if done else ""}.items() if value}
            exhausted = exhausted and done
        return found, {"parents": parents_state}, exhausted

    def _reset_at(self) -> datetime:
        """Meta reports throttling as minutes to wait in its usage headers, not as a reset time."""
        headers = getattr(self._last_headers, "value", None) or {}
        minutes = 0
        for name in ("x-business-use-case-usage", "x-app-usage", "x-page-usage"):
            try:
                usage = json.loads(headers.get(name, "{}"))
            except ValueError:
                continue
            entries = [e for values in usage.values() if isinstance(values, list) for e in values]
            entries += [usage] if "estimated_time_to_regain_access" in usage else []
            minutes = max([minutes] + [int(e.get("estimated_time_to_regain_access", 0)) for e in entries])
        return now() + timedelta(minutes=minutes or 5)

    @contextmanager
    def _translated_errors(self, action: str, *, sending: bool = False) -> Iterator[None]:
        label = self.label
        try:
            yield
        except facebook.GraphAPIError as error:
            details = (error.result or {}).get("error", {}) if isinstance(error.result, dict) else {}
            if not isinstance(details, dict):  # Graph sometimes answers {"error": "<text>"}
                details = {"message": str(details)}
            code = details.get("code")
            subcode = details.get("error_subcode")
            message = details.get("message") or str(error)
            if code in TOKEN_ERRORS:
                raise CredentialsRevoked(f"{label} says the Page access token is expired or was revoked "
                                         "(someone changed a password or removed the app): reconnect the "
                                         "channel.") from error
            if code in THROTTLING_ERRORS:
                reset_at = self._reset_at()
                raise RateLimited(f"{label} rate limit reached while {action}: waiting until "
                                  f"{reset_at:%H:%M} UTC.", reset_at=reset_at) from error
            if subcode in OUTSIDE_WINDOW_SUBCODES:
                raise SendRefused(f"{label} refused the message: the person wrote more than 24 hours ago, and "
                                  "Meta only allows answers within 24 hours of their last message.",
                                  code="outside_window") from error
            if code in PERMISSION_ERRORS and not sending:
                raise CredentialsRevoked(f"{label} says the app lacks a permission ({message}): reconnect "
                                         "the channel and grant it.") from error
            if code in (1, 2) or details.get("is_transient"):
                raise PlatformUnavailable(f"{label} is having trouble while {action}.") from error
            if sending:
                raise SendRefused(f"{label} refused the message: {message}", code=str(code or "")) from error
            raise ConnectorError(f"{label} rejected the request while {action}: {message}") from error
        except _HttpFailure as error:
            if sending and error.status >= 500:
                raise SendOutcomeUnknown(f"{label} failed (HTTP {error.status}) while {action}: the message may "
                                         "or may not be published.") from error
            if error.status >= 500 or error.status == 429:
                raise PlatformUnavailable(f"{label} is having trouble (HTTP {error.status}) while {action}.") \
                    from error
            raise ConnectorError(f"{label} answered HTTP {error.status} while {action}.") from error
        except requests.ConnectTimeout as error:
            raise PlatformUnavailable(f"Could not reach {label} while {action}.") from error
        except requests.Timeout as error:
            if sending:
                raise SendOutcomeUnknown(f"{label} did not answer in time while {action}: the message may or "
                                         "may not be published.") from error
            raise PlatformUnavailable(f"{label} did not answer in time while {action}.") from error
        except requests.RequestException as error:
            raise PlatformUnavailable(f"Could not reach {label} while {action}.") from error

    # -- looking up a send whose outcome is unknown -------------------------------------------

    def find_in_edge(self, path: str, *, text: str, text_field: str, fields: str, since: datetime,
                     ours: Callable[[dict[str, Any]], bool], time_field: str, newest_first: bool,
                     args: dict[str, Any] | None = None) -> dict[str, Any] | None:
        """Our node with this text on a Graph edge (a comment's answers, a conversation's messages),
        dated from `since` on. Only a newest-first listing may stop at the first older node; another
        is read to its end (up to `page_limit` pages)."""
        oldest = since - LOOKUP_CLOCK_MARGIN
        for node in self.pages(path, {"fields": fields, "limit": 100, **(args or {})},
                               action="looking for a reply that may already be posted"):
            moment = parse_time(node.get(time_field))
            if moment is not None and moment < oldest:
                if newest_first:
                    return None
                continue
            if ours(node) and same_text(node.get(text_field), text):
                return node
        return None

    def find_sent_private_message(self, *, text: str, recipient_external_id: str, since: datetime,
                                  inbox: str) -> SentMessage | None:
        """Our message with this text in the conversation with that person (messages come newest first)."""
        psid = recipient_external_id.removeprefix("dm:")
        found = self.call(f"{self.page_id}/conversations", args={"platform": inbox, "user_id": psid, "fields": "id"},
                          action="looking for a message that may already be sent").get("data") or []
        if not found:
            return None
        node = self.find_in_edge(
            f"{found[0]['id']}/messages", text=text, text_field="message", fields="id,message,from,created_time",
            since=since, time_field="created_time", newest_first=True,
            ours=lambda message: (message.get("from") or {}).get("id") in (self.page_id, self.ig_user_id))
        return SentMessage(external_id=node["id"], raw={**node, "found_by_lookup": True}) if node else None

    # -- private messages (Messenger, Instagram Direct) ---------------------------------------

    def read_private_messages(self, state: dict[str, Any] | None, *,
                              inbox: str) -> tuple[list[PlatformItem], dict[str, Any], bool]:
        """Conversations come newest-first by their last activity: read down to where the last complete
        read started (resuming one cut short by the page limit), then each conversation's new messages,
        newest-first too, down to that same point. A conversation whose messages run over the page limit
        is continued by the next fetch from where it stopped (`threads`), down to the point it had then."""
        state = dict(state or {})
        threads = state.pop("threads", [])
        committed = Watermark(state)
        items: list[PlatformItem] = []
        unfinished: list[dict[str, Any]] = []
        for thread in threads:
            found, after, done = self._read_thread(thread["id"], Watermark(thread["floor"]), thread["after"])
            items += found
            if not done:
                unfinished.append({**thread, "after": after})

        def read_page(after: str | None) -> tuple[list[Entry], str | None]:
            conversations, next_after, more = self.page(
                f"{self.page_id}/conversations", {"platform": inbox, "fields": "id,updated_time",
                                                     "limit": min(25, self.page_size)},
                after, action="reading private messages")
            entries = [Entry(id=conversation["id"], moment=moment, value=conversation)
                       for conversation in conversations
                       for moment in [parse_time(conversation.get("updated_time"))] if moment]
            return entries, next_after if more else None

        conversations, new_state, exhausted = read_newest_first(read_page, state, page_limit=self.page_limit)
        for conversation in conversations:
            found, after, done = self._read_thread(conversation["id"], committed, None)
            items += found
            if not done:
                unfinished.append({"id": conversation["id"], "after": after, "floor": committed.state()})
        if unfinished:
            new_state["threads"] = unfinished
        return items, new_state, exhausted and not unfinished

    def _read_thread(self, conversation_id: str, floor: Watermark,
                     after: str | None) -> tuple[list[PlatformItem], str | None, bool]:
        """One conversation's messages, newest first from `after`, down to `floor`. Answers the inbound
        ones, where to continue, and whether `floor` (or the first message) was reached."""
        items: list[PlatformItem] = []
        for _ in range(self.page_limit):
            messages, next_after, more = self.page(f"{conversation_id}/messages", {
                "fields": "id,message,created_time,from", "limit": self.page_size}, after,
                action="reading private messages")
            for message in messages:
                moment = parse_time(message.get("created_time"))
                if moment is None:
                    continue
                if not floor.covers(moment):
                    return items, None, True
                sender = message.get("from") or {}
                if sender.get("id") in (self.page_id, self.ig_user_id) or not floor.is_new(message["id"], moment):
                    continue
                items.append(PlatformItem(
                    external_id=message["id"], kind=ItemKind.PRIVATE_MESSAGE, text=message.get("message", ""),
                    author=PlatformAuthor(external_id=sender.get("id", ""),
                                          handle=sender.get("username", ""), name=sender.get("name", "")),
                    created_at=moment,
                    # Webhooks name the sender, not the conversation: both paths thread on the sender.
                    thread_external_id=f"dm:{sender.get('id', '')}",
                    is_private=True, raw={**message, "conversation_id": conversation_id}))
            if not more or not messages or not next_after:
                return items, None, True
            after = next_after
        return items, after, False

    def send_private_message(self, *, recipient_external_id: str, text: str, idempotency_key: str) -> SentMessage:
        """`recipient_external_id`: the person's page-scoped id (PSID/IGSID), or "dm:<id>"."""
        # Graph has no idempotency key for messages; the inbox records the send before any retry.
        recipient = recipient_external_id.removeprefix("dm:")
        answer = self.call(f"{self.page_id}/messages", post={
            "recipient": json.dumps({"id": recipient}), "message": json.dumps({"text": text}),
            "messaging_type": "RESPONSE"}, action="sending a private message")
        return SentMessage(external_id=answer["message_id"], raw=answer)
