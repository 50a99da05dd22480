"""Platform webhooks: verify the delivery, store it, answer 200; a worker ingests it from the table.

Each channel has its own address (`/webhooks/meta/<webhook token>/`, `/webhooks/x/<webhook token>/`):
a random token, never the channel's id, so addresses cannot be enumerated, and an address that
names no channel is answered exactly like one whose signature is wrong (403 "Refused."). The secret
to check the signature with is that channel's, read from its encrypted credentials.

A verified delivery is written to PostgreSQL (`WebhookDelivery`) before the platform gets its 200,
then handed to `ingest_webhook_delivery`: if Redis is down between the two, the row waits for
`sweep_webhook_deliveries` instead of being lost. Items go through the same pipeline as polling,
so a webhook and a later poll of the same post give one message.

Bad input answers 4xx, never 5xx, and never echoes what was sent as HTML: JSON or a fixed text.
"""

from __future__ import annotations

import json
import logging
import re

from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.debug import sensitive_variables
from django.views.decorators.http import require_http_methods

from .connectors.base import WebhookRejected
from .connectors.webhooks import (
    clean_json,
    instagram_mentions_to_fetch,
    meta_verification_challenge,
    parse_meta_payload,
    parse_x_payload,
    verify_meta_signature,
    verify_x_signature,
    x_crc_response,
)
from .credentials import CredentialsUnreadable, decrypt_credentials
from .models import Channel, ChannelStatus, Platform, WebhookDelivery

logger = logging.getLogger(__name__)

META_PLATFORMS = (Platform.FACEBOOK, Platform.INSTAGRAM)


# What new_webhook_token makes (and longer, for tokens set another way): anything else, a NUL byte
# included, is refused before it reaches the database.
WEBHOOK_TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")


def _channel(token: str, platforms) -> Channel | None:
    # No organization in a platform's request: the token in the address decides it, and the
    # signature (made with that channel's secret) proves the sender.
    if not WEBHOOK_TOKEN.fullmatch(token):
        return None
    return Channel.objects.unscoped().filter(webhook_token=token, platform__in=platforms).first()


@sensitive_variables("credentials")
def _secret(channel: Channel, name: str) -> str:
    try:
        credentials = decrypt_credentials(channel.credentials_encrypted)
    except CredentialsUnreadable:
        logger.error("webhook for channel %s: credentials cannot be decrypted", channel.pk)
        return ""
    return str(credentials.get(name) or "")


def _refuse(channel: Channel | None, reason: str) -> HttpResponse:
    # The same answer whether the address names no channel or the proof is wrong: nothing to
    # enumerate. The reason goes to the log only.
    logger.warning("webhook refused for channel %s: %s", channel.pk if channel else "(unknown address)", reason)
    return HttpResponse("Refused.", status=403, content_type="text/plain; charset=utf-8")


def _bad_request(channel: Channel, reason: str) -> JsonResponse:
    logger.warning("webhook for channel %s answered 400: %s", channel.pk, reason)
    return JsonResponse({"error": reason}, status=400)


def _not_json(constant: str):
    raise ValueError(f"{constant} is not JSON")


def parse_delivery_body(body: bytes) -> dict | None:
    """The delivery's JSON object, made storable; None when the body is not one (NaN and Infinity,
    which Python's parser takes but JSON and PostgreSQL do not, included)."""
    try:
        payload = json.loads(body.decode("utf-8"), parse_constant=_not_json)
        # NUL and lone surrogates, which PostgreSQL cannot store, dropped here once for every reader.
        payload = clean_json(payload)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None


def _owned_by(channel: Channel, payload: dict) -> dict:
    """Keep only the entries about this channel's account: one Meta app may serve several Pages."""
    connection = channel.connection or {}
    own = {str(value) for value in (channel.external_account_id, connection.get("page_id"),
                                     connection.get("ig_user_id")) if value}
    entries = payload.get("entry")
    if not isinstance(entries, list):
        return payload  # left as it is: the parser keeps it as a malformed event
    return {**payload, "entry": [entry for entry in entries if not isinstance(entry, dict)
                                 or str(entry.get("id")) in own]}


def delivery_contents(channel: Channel, payload: dict) -> tuple[list, list[dict[str, str]]]:
    """What a verified delivery holds for this channel: parsed items (some maybe MalformedEvent) and,
    for Instagram, the mentions to fetch. Used by the view (to answer) and the worker (to ingest)."""
    if channel.platform == Platform.X:
        if str(payload.get("for_user_id", "")) != channel.external_account_id:
            return [], []  # another account's events on the same app
        return parse_x_payload(payload), []
    payload = _owned_by(channel, payload)
    mentions = instagram_mentions_to_fetch(payload) if channel.platform == Platform.INSTAGRAM else []
    return parse_meta_payload(payload), mentions


def _store(channel: Channel, body: bytes, payload: dict) -> JsonResponse:
    """Write the delivery, then enqueue its ingestion; 200 means it is in PostgreSQL."""
    from .tasks import enqueue_webhook_delivery

    items, mentions = delivery_contents(channel, payload)
    received = len(items) + len(mentions)
    if not received or channel.status == ChannelStatus.DISABLED:
        # Nothing for this channel, or paused by an admin (a paused channel takes nothing in).
        return JsonResponse({"received": 0})
    with transaction.atomic():
        delivery = WebhookDelivery.objects.create(organization_id=channel.organization_id, channel=channel,
                                                  body=body)
        transaction.on_commit(lambda: enqueue_webhook_delivery(delivery.pk))
    return JsonResponse({"received": received})


@csrf_exempt
@require_http_methods(["GET", "POST"])
@sensitive_variables("verify_token", "app_secret")
def meta_webhook(request: HttpRequest, token: str) -> HttpResponse:
    """Facebook Page and Instagram: subscription check (GET) and deliveries (POST)."""
    channel = _channel(token, META_PLATFORMS)
    if channel is None:
        return _refuse(None, "no Facebook or Instagram channel at this address")
    if request.method == "GET":
        verify_token = _secret(channel, "verify_token")
        challenge = meta_verification_challenge(request.GET.dict(), verify_token)
        if challenge is None:
            return _refuse(channel, "verify token does not match (or none is set on the channel)")
        return HttpResponse(challenge, content_type="text/plain; charset=utf-8")

    app_secret = _secret(channel, "app_secret")
    try:
        verify_meta_signature(request.body, request.headers.get("X-Hub-Signature-256"), app_secret)
    except WebhookRejected as error:
        return _refuse(channel, str(error))
    payload = parse_delivery_body(request.body)
    if payload is None:
        return _bad_request(channel, "The body is not a JSON object.")
    return _store(channel, request.body, payload)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@sensitive_variables("consumer_secret")
def x_webhook(request: HttpRequest, token: str) -> HttpResponse:
    """X Account Activity: CRC check (GET) and deliveries (POST), both keyed by the consumer secret.
    Why a CRC answer can never be replayed as a delivery's signature: see `x_crc_response`."""
    channel = _channel(token, (Platform.X,))
    if channel is None:
        return _refuse(None, "no X channel at this address")
    consumer_secret = _secret(channel, "consumer_secret")
    if not consumer_secret:
        return _refuse(channel, "no consumer secret stored with the channel")
    if request.method == "GET":
        try:
            return JsonResponse(x_crc_response(request.GET.get("crc_token", ""), consumer_secret))
        except WebhookRejected as error:
            return _refuse(channel, str(error))

    try:
        verify_x_signature(request.body, request.headers.get("x-twitter-webhooks-signature"), consumer_secret)
    except WebhookRejected as error:
        return _refuse(channel, str(error))
    payload = parse_delivery_body(request.body)
    if payload is None:
        return _bad_request(channel, "The body is not a JSON object.")
    return _store(channel, request.body, payload)
