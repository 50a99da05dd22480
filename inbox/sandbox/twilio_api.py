"""Twilio's Programmable Messaging REST API, the part Vigie's SMS provider uses (on-call pages).

Shapes follow Twilio's reference (https://www.twilio.com/docs/messaging/api/message-resource):
POST /2010-04-01/Accounts/{AccountSid}/Messages.json with form fields To, From, Body and HTTP
basic auth (account SID, auth token) answers 201 with the Message resource (status "queued");
errors answer {"code", "message", "more_info", "status"}. Twilio's magic test number
+15005550001 is refused as invalid (error 21211), as with Twilio's test credentials.
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import UTC, datetime
from typing import Any

from inbox.sandbox.http import Request, Response, Router, json_response
from inbox.sandbox.state import SandboxState

ACCOUNT_SID = "AC" + "5a9d" * 8
AUTH_TOKEN = "sandbox-twilio-auth-token"
FROM_NUMBER = "+15005550006"  # Twilio's magic "valid" sender for test credentials
INVALID_NUMBER = "+15005550001"
E164 = re.compile(r"^\+[1-9]\d{6,14}$")


def _error(status: int, code: int, message: str) -> Response:
    return json_response(status, {"code": code, "message": message,
                                  "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status})


def failure_response(mode: str, seconds: int) -> Response:
    if mode == "rate_limit":
        return _error(429, 20429, "Too Many Requests")
    if mode == "revoked":
        return _error(401, 20003, "Authenticate")
    return _error(500, 20500, "An internal server error has occurred")


def _rfc2822(moment: datetime) -> str:
    return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")


class TwilioWorld:
    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.messages: list[dict[str, Any]] = []

    def check_auth(self, request: Request) -> Response | None:
        expected = "Basic " + base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        if request.header("Authorization") != expected:
            return _error(401, 20003, "Authenticate")
        return None

    def create_message(self, request: Request, account_sid: str) -> Response:
        if account_sid != ACCOUNT_SID:
            return _error(404, 20404, f"The requested resource /2010-04-01/Accounts/{account_sid}/Messages.json was not found")
        to, sender, body = request.arg("To") or "", request.arg("From") or "", request.arg("Body") or ""
        if not to:
            return _error(400, 21604, "A 'To' phone number is required.")
        if to == INVALID_NUMBER or not E164.match(to):
            return _error(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if not sender:
            return _error(400, 21603, "A 'From' phone number is required.")
        if not body:
            return _error(400, 21602, "Message body is required.")
        now = _rfc2822(datetime.now(UTC))
        sid = "SM" + uuid.uuid4().hex
        message = {
            "account_sid": ACCOUNT_SID, "api_version": "2010-04-01", "body": body, "date_created": now,
            "date_sent": None, "date_updated": now, "direction": "outbound-api", "error_code": None,
            "error_message": None, "from": sender, "messaging_service_sid": None, "num_media": "0",
            "num_segments": str(len(body) // 153 + 1), "price": None, "price_unit": "USD", "sid": sid,
            "status": "queued", "to": to,
            "subresource_uris": {"media": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}/Media.json"},
            "uri": f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sid}.json",
        }
        self.messages.append(message)
        return json_response(201, message)

    def list_messages(self, request: Request, account_sid: str) -> Response:
        return json_response(200, {"messages": list(reversed(self.messages)), "page": 0,
                                   "page_size": 50, "uri": f"/2010-04-01/Accounts/{account_sid}/Messages.json"})

    def register(self, router: Router) -> None:
        router.add("POST", r"/2010-04-01/Accounts/(?P<account_sid>\w+)/Messages\.json", self.create_message)
        router.add("GET", r"/2010-04-01/Accounts/(?P<account_sid>\w+)/Messages\.json", self.list_messages)
