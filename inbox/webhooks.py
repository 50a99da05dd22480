"""Platform webhooks: verify the delivery, hand the items to a worker, answer 200 at once.

Each channel has its own URL (`/webhooks/meta/<channel id>/`, `/webhooks/x/<channel id>/`), so the
secret to check the signature with is that channel's, read from its encrypted credentials. Items go
through `ingest_webhook_items`, the same pipeline as polling, so a webhook and a later poll of the
same post give one message. A platform retries a delivery that is not answered 200 quickly, which
is why nothing is ingested inside the request.
"""

from __future__ import annotations

import json
import logging

from django.http import HttpRequest, HttpResponse, HttpResponseForbidden, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from .connectors.base import WebhookRejected
from .connectors.serialization import item_to_json
from .connectors.webhooks import (
    instagram_mentions_to_fetch,
    meta_verification_challenge,
    parse_meta_payload,
    parse_x_payload,
    verify_meta_signature,
    verify_x_signature,
    x_crc_response,
)
from .credentials import CredentialsUnreadable, decrypt_credentials
from .models import Channel, ChannelStatus, Platform
from .tasks import ingest_instagram_mentions, ingest_webhook_items

logger = logging.getLogger(__name__)

META_PLATFORMS = (Platform.FACEBOOK, Platform.INSTAGRAM)


def _channel(channel_id: int, platforms) -> Channel | None:
    # No organization in a platform's request: the channel id in the URL decides it, and the
    # signature (made with that channel's secret) proves the sender.
    return Channel.objects.unscoped().filter(pk=channel_id, platform__in=platforms).first()


def _secret(channel: Channel, name: str) -> str:
    try:
        return str(decrypt_credentials(channel.credentials_encrypted).get(name) or "")
    except CredentialsUnreadable:
        logger.error("webhook for channel %s: credentials cannot be decrypted", channel.pk)
        return ""


def _refuse(channel: Channel | None, channel_id: int, reason: str) -> HttpResponse:
    logger.warning("webhook refused for channel %s: %s", channel.pk if channel else channel_id, reason)
    return HttpResponseForbidden("Refused.")


def _json_body(request: HttpRequest) -> dict | None:
    try:
        payload = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _enqueue(channel: Channel, items) -> int:
    if items and channel.status != ChannelStatus.DISABLED:
        ingest_webhook_items.delay_on_commit(channel.pk, [item_to_json(item) for item in items])
    return len(items)


def _owned_by(channel: Channel, payload: dict) -> dict:
    """Keep only the entries about this channel's account: one Meta app may serve several Pages."""
    connection = channel.connection or {}
    own = {str(value) for value in (channel.external_account_id, connection.get("page_id"),
                                     connection.get("ig_user_id")) if value}
    return {**payload, "entry": [entry for entry in payload.get("entry", []) if str(entry.get("id")) in own]}


@csrf_exempt
@require_http_methods(["GET", "POST"])
def meta_webhook(request: HttpRequest, channel_id: int) -> HttpResponse:
    """Facebook Page and Instagram: subscription check (GET) and deliveries (POST)."""
    channel = _channel(channel_id, META_PLATFORMS)
    if channel is None:
        return _refuse(None, channel_id, "no Facebook or Instagram channel with this id")
    if request.method == "GET":
        verify_token = _secret(channel, "verify_token")
        challenge = meta_verification_challenge(request.GET.dict(), verify_token) if verify_token else None
        if challenge is None:
            return _refuse(channel, channel_id, "verify token does not match (or none is set on the channel)")
        return HttpResponse(challenge, content_type="text/plain")

    app_secret = _secret(channel, "app_secret")
    if not app_secret:
        return _refuse(channel, channel_id, "no app secret stored with the channel")
    try:
        verify_meta_signature(request.body, request.headers.get("X-Hub-Signature-256"), app_secret)
    except WebhookRejected as error:
        return _refuse(channel, channel_id, str(error))
    payload = _json_body(request)
    if payload is None:
        return _refuse(channel, channel_id, "body is not a JSON object")
    payload = _owned_by(channel, payload)
    count = _enqueue(channel, parse_meta_payload(payload))
    mentions = instagram_mentions_to_fetch(payload) if channel.platform == Platform.INSTAGRAM else []
    if mentions and channel.status != ChannelStatus.DISABLED:
        ingest_instagram_mentions.delay_on_commit(channel.pk, mentions)
    return JsonResponse({"received": count + len(mentions)})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def x_webhook(request: HttpRequest, channel_id: int) -> HttpResponse:
    """X Account Activity: CRC check (GET) and deliveries (POST), both keyed by the consumer secret."""
    channel = _channel(channel_id, (Platform.X,))
    if channel is None:
        return _refuse(None, channel_id, "no X channel with this id")
    consumer_secret = _secret(channel, "consumer_secret")
    if not consumer_secret:
        return _refuse(channel, channel_id, "no consumer secret stored with the channel")
    if request.method == "GET":
        crc_token = request.GET.get("crc_token", "")
        if not crc_token:
            return _refuse(channel, channel_id, "CRC request without crc_token")
        return JsonResponse(x_crc_response(crc_token, consumer_secret))

    try:
        verify_x_signature(request.body, request.headers.get("x-twitter-webhooks-signature"), consumer_secret)
    except WebhookRejected as error:
        return _refuse(channel, channel_id, str(error))
    payload = _json_body(request)
    if payload is None:
        return _refuse(channel, channel_id, "body is not a JSON object")
    if str(payload.get("for_user_id", "")) != channel.external_account_id:
        return JsonResponse({"received": 0})  # another account's events on the same app
    return JsonResponse({"received": _enqueue(channel, parse_x_payload(payload))})
