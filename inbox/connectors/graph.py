"""What the Facebook and Instagram connectors share: Graph API calls through facebook-sdk, with
appsecret_proof, HTTP status checks, and Graph error codes turned into connector errors."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
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
from inbox.connectors.common import DEFAULT_TIMEOUT, Watermark, now, parse_time, rebased_session

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
        posts_scanned: int = 25,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        """`credentials`: `page_access_token` and `app_secret` (for appsecret_proof)."""
        token = credentials["page_access_token"]
        session = rebased_session(requests.Session(), GRAPH_ORIGIN, base_url, timeout)
        session.hooks["response"].append(self._check_response)
        # No `version=` here: facebook-sdk only accepts versions up to 3.1; every path carries ours.
        self.graph = facebook.GraphAPI(access_token=token, timeout=timeout, session=session)
        self.graph.version = api_version
        self.proof = hmac.new(credentials["app_secret"].encode(), token.encode(), hashlib.sha256).hexdigest()
        self.page_id = page_id
        self.page_limit = page_limit
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
            body = self.call(path, args={**args, **({"after": after} if after else {})}, action=action)
            yield from body.get("data", [])
            paging = body.get("paging") or {}
            after = (paging.get("cursors") or {}).get("after")
            if not paging.get("next") or not after:
                return

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

    # -- private messages (Messenger, Instagram Direct) ---------------------------------------

    def read_private_messages(self, state: dict[str, Any] | None, *, inbox: str) -> tuple[list[PlatformItem], dict]:
        watermark = Watermark(state)
        items: list[PlatformItem] = []
        conversations = self.pages(f"{self.page_id}/conversations",
                                   {"platform": inbox, "fields": "id,updated_time", "limit": 25},
                                   action="reading private messages")
        for conversation in conversations:
            updated = parse_time(conversation.get("updated_time"))
            if updated and not watermark.covers(updated):
                break
            messages = self.call(conversation["id"], args={
                "fields": "messages{id,message,created_time,from}"}, action="reading private messages")
            for message in (messages.get("messages") or {}).get("data", []):
                moment = parse_time(message["created_time"])
                sender = message.get("from") or {}
                if moment is None or sender.get("id") in (self.page_id, self.ig_user_id):
                    continue
                if watermark.is_new(message["id"], moment):
                    items.append(PlatformItem(
                        external_id=message["id"], kind=ItemKind.PRIVATE_MESSAGE, text=message.get("message", ""),
                        author=PlatformAuthor(external_id=sender.get("id", ""),
                                              handle=sender.get("username", ""), name=sender.get("name", "")),
                        created_at=moment,
                        # Webhooks name the sender, not the conversation: both paths thread on the sender.
                        thread_external_id=f"dm:{sender.get('id', '')}",
                        is_private=True, raw={**message, "conversation_id": conversation["id"]}))
                watermark.saw(message["id"], moment)
        return items, watermark.state()

    def send_private_message(self, *, recipient_external_id: str, text: str, idempotency_key: str) -> SentMessage:
        """`recipient_external_id`: the person's page-scoped id (PSID/IGSID), or "dm:<id>"."""
        # Graph has no idempotency key for messages; the inbox records the send before any retry.
        recipient = recipient_external_id.removeprefix("dm:")
        answer = self.call(f"{self.page_id}/messages", post={
            "recipient": json.dumps({"id": recipient}), "message": json.dumps({"text": text}),
            "messaging_type": "RESPONSE"}, action="sending a private message")
        return SentMessage(external_id=answer["message_id"], raw=answer)
