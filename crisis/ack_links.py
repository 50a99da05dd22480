"""One-click acknowledgement links for e-mails, SMS and chat messages: signed, expiring, per person."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.urls import reverse

SALT = "crisis.alert-ack"
LIFETIME = timedelta(hours=24)


class BadAckLink(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason  # "expired" or "invalid"


def ack_token(*, alert_id: int, user_id: int) -> str:
    return signing.dumps({"a": alert_id, "u": user_id}, salt=SALT, compress=True)


def read_ack_token(token: str, *, max_age: timedelta | None = None) -> tuple[int, int]:
    """(alert id, user id) from a token, or BadAckLink saying whether it expired or was forged."""
    try:
        data = signing.loads(token, salt=SALT, max_age=LIFETIME if max_age is None else max_age)
    except signing.SignatureExpired:
        raise BadAckLink("expired") from None
    except signing.BadSignature:
        raise BadAckLink("invalid") from None
    if not isinstance(data, dict) or not isinstance(data.get("a"), int) or not isinstance(data.get("u"), int):
        raise BadAckLink("invalid")
    return data["a"], data["u"]


def ack_url(*, alert_id: int, user_id: int) -> str:
    return settings.PUBLIC_URL.rstrip("/") + reverse("alert-ack-link", kwargs={"token": ack_token(alert_id=alert_id, user_id=user_id)})
