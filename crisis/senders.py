"""How a notification leaves Vigie: e-mail, chat webhooks (Slack, Teams), signed JSON webhook, SMS.

Each sender raises `DeliveryFailed` with a reason a person can act on; the notification service
logs it on the alert and falls through to the person's next rule.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import time
from dataclasses import asdict, dataclass

import requests
from django.conf import settings
from django.core.mail import send_mail
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)
TIMEOUT = 10


class DeliveryFailed(Exception):
    pass


@dataclass(frozen=True)
class Notice:
    """What a person is told; `ack_url` is the signed one-click acknowledgement (absent for tests)."""

    subject: str
    text: str
    url: str
    ack_url: str
    ack_label: str
    severity: str
    alert_id: int | None


def _post(url: str, *, body: bytes, headers: dict[str, str]) -> None:
    if not url.startswith(("https://", "http://")):
        raise DeliveryFailed(f"{url!r} is not a web address")
    try:
        response = requests.post(url, data=body, headers={"Content-Type": "application/json", **headers},
                                 timeout=TIMEOUT, allow_redirects=False)
    except requests.RequestException as error:
        raise DeliveryFailed(f"could not reach {url}: {error.__class__.__name__}") from None
    if response.status_code >= 300:
        raise DeliveryFailed(f"{url} answered {response.status_code}: {response.text[:200]}")


def send_email(address: str, notice: Notice) -> None:
    lines = [notice.text, "", notice.url]
    if notice.ack_url:
        lines += ["", f"{notice.ack_label}: {notice.ack_url}"]
    try:
        send_mail(notice.subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [address])
    except Exception as error:  # noqa: BLE001 - SMTP errors come in many classes; all mean "not sent"
        raise DeliveryFailed(f"the mail server refused it: {error}") from None


def slack_payload(notice: Notice) -> dict:
    """Slack incoming-webhook message: a text fallback and Block Kit blocks with link buttons."""
    buttons = [{"type": "button", "text": {"type": "plain_text", "text": notice.subject[:70]}, "url": notice.url}]
    if notice.ack_url:
        buttons.insert(0, {"type": "button", "style": "primary", "text": {"type": "plain_text", "text": notice.ack_label},
                           "url": notice.ack_url})
    return {
        "text": f"{notice.subject}: {notice.text}",
        "blocks": [
            {"type": "section", "text": {"type": "mrkdwn", "text": f"*{notice.subject}*\n{notice.text}"}},
            {"type": "actions", "elements": buttons},
        ],
    }


def teams_payload(notice: Notice) -> dict:
    """Microsoft Teams incoming-webhook message carrying an Adaptive Card with link actions."""
    actions = [{"type": "Action.OpenUrl", "title": notice.subject[:70], "url": notice.url}]
    if notice.ack_url:
        actions.insert(0, {"type": "Action.OpenUrl", "title": notice.ack_label, "url": notice.ack_url})
    return {
        "type": "message",
        "attachments": [{
            "contentType": "application/vnd.microsoft.card.adaptive",
            "contentUrl": None,
            "content": {
                "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                "type": "AdaptiveCard",
                "version": "1.4",
                "body": [
                    {"type": "TextBlock", "text": notice.subject, "weight": "Bolder", "size": "Medium", "wrap": True},
                    {"type": "TextBlock", "text": notice.text, "wrap": True},
                ],
                "actions": actions,
            },
        }],
    }


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 of "<timestamp>.<body>": receivers recompute it and refuse old timestamps."""
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def send_signed_json(url: str, secret: str, notice: Notice) -> None:
    body = json.dumps({"type": "vigie.alert", **asdict(notice)}, sort_keys=True).encode()
    timestamp = str(int(time.time()))
    _post(url, body=body, headers={"X-Vigie-Timestamp": timestamp, "X-Vigie-Signature": signature(secret, timestamp, body)})


# --- SMS ----------------------------------------------------------------------------------------


class SmsProvider:
    def send(self, *, to: str, body: str) -> str:
        """Send one SMS; return the provider's message id or raise DeliveryFailed."""
        raise NotImplementedError


class ConsoleSms(SmsProvider):
    """Development: the SMS is written to the log instead of a phone."""

    def send(self, *, to: str, body: str) -> str:
        logger.warning("SMS to %s: %s", to, body)
        return "console"


class TwilioSms(SmsProvider):
    """Twilio's Programmable Messaging REST API: POST /2010-04-01/Accounts/{sid}/Messages.json."""

    def __init__(self, *, base_url: str, account_sid: str, auth_token: str, from_number: str):
        self.base_url, self.account_sid, self.auth_token, self.from_number = base_url.rstrip("/"), account_sid, auth_token, from_number

    def send(self, *, to: str, body: str) -> str:
        url = f"{self.base_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"
        try:
            response = requests.post(url, data={"To": to, "From": self.from_number, "Body": body},
                                     auth=(self.account_sid, self.auth_token), timeout=TIMEOUT)
        except requests.RequestException as error:
            raise DeliveryFailed(f"could not reach the SMS provider: {error.__class__.__name__}") from None
        try:
            data = response.json()
        except ValueError:
            data = {}
        if response.status_code >= 300:
            raise DeliveryFailed(f"the SMS provider refused it ({data.get('code', response.status_code)}): "
                                 f"{data.get('message', response.text[:200])}")
        if data.get("status") in ("failed", "undelivered"):
            raise DeliveryFailed(f"the SMS provider could not deliver it: {data.get('error_message') or data['status']}")
        return str(data.get("sid", ""))


def sms_provider() -> SmsProvider:
    name = settings.SMS_PROVIDER
    if name == "console":
        return ConsoleSms()
    if name == "twilio":
        return TwilioSms(base_url=settings.TWILIO_BASE_URL, account_sid=settings.TWILIO_ACCOUNT_SID,
                         auth_token=settings.TWILIO_AUTH_TOKEN, from_number=settings.TWILIO_FROM_NUMBER)
    return import_string(name)()


def send_sms(to: str, notice: Notice) -> None:
    body = f"{notice.subject}. {notice.url}"
    if notice.ack_url:
        body += f" {notice.ack_label}: {notice.ack_url}"
    sms_provider().send(to=to, body=body)
