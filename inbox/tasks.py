"""Celery entry points for the inbox: take ids, re-fetch, call one service. Never sleep."""

from __future__ import annotations

import logging
from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from .connectors.base import CredentialsRevoked, PlatformUnavailable, RateLimited, SendRefused
from .models import Channel, ChannelStatus, DeliveryState, Message
from .services import channels as channel_services
from .services import (
    conversations_wake_snoozed,
    mentions_ingest,
    message_mark_failed,
    message_mark_sent,
    sla_breaches_record,
)

logger = logging.getLogger(__name__)

# How long a claimed channel is reserved for its poll before another tick may claim it again
# (a worker killed mid-poll releases it this way).
POLL_LEASE = timedelta(minutes=5)
# A send that started less than this ago is presumed still in flight on another worker.
SEND_IN_FLIGHT = timedelta(seconds=60)


@shared_task
def poll_due_channels(limit: int = 200) -> int:
    now = timezone.now()
    with transaction.atomic():
        due = list(
            Channel.objects.unscoped()  # one tick for every organization
            .select_for_update(skip_locked=True)
            .filter(status__in=[ChannelStatus.HEALTHY, ChannelStatus.RATE_LIMITED])
            .filter(Q(next_poll_at__lte=now))
            .order_by("next_poll_at")[:limit]
        )
        for channel in due:
            channel.next_poll_at = now + POLL_LEASE
        Channel.objects.unscoped().bulk_update(due, ["next_poll_at"])
    for channel in due:
        poll_channel.delay(channel.pk)
    return len(due)


@shared_task
def poll_channel(channel_id: int) -> int:
    channel = Channel.objects.unscoped().select_related("organization").filter(pk=channel_id).first()
    if channel is None or channel.status in (ChannelStatus.DISABLED, ChannelStatus.NEEDS_RECONNECT):
        return 0
    try:
        connector = channel_services.connector_for_channel(channel)
        fetched = connector.fetch(dict(channel.poll_cursor or {}))
    except RateLimited as error:
        channel_services.channel_rate_limited(channel=channel, reset_at=error.reset_at, message=str(error))
        return 0
    except CredentialsRevoked as error:
        channel_services.channel_needs_reconnect(channel=channel, message=str(error))
        return 0
    except PlatformUnavailable as error:
        channel_services.channel_poll_failed(channel=channel, message=str(error))
        return 0
    # The items and the cursor that follows them commit together: a worker killed before the
    # commit leaves the old cursor, the next poll fetches the same items, nothing is lost; the
    # duplicate check makes a re-fetch harmless.
    with transaction.atomic():
        result = mentions_ingest(channel=channel, items=fetched.items)
        channel_services.channel_poll_succeeded(channel=channel, cursor=fetched.cursor,
                                                more_waiting=not fetched.exhausted)
    if fetched.rate_limit and fetched.rate_limit.remaining == 0 and fetched.rate_limit.reset_at:
        channel.refresh_from_db(fields=["next_poll_at"])
        if channel.next_poll_at < fetched.rate_limit.reset_at:
            Channel.objects.unscoped().filter(pk=channel.pk).update(next_poll_at=fetched.rate_limit.reset_at)
    return result.created


@shared_task
def ingest_webhook_items(channel_id: int, items: list[dict]) -> int:
    """A webhook delivery, acknowledged already, ingested through the same pipeline as polls."""
    from .connectors.serialization import item_from_json

    channel = Channel.objects.unscoped().select_related("organization").filter(pk=channel_id).first()
    if channel is None:
        return 0
    return mentions_ingest(channel=channel, items=[item_from_json(item) for item in items]).created


@shared_task(bind=True, max_retries=None)
def send_message(self, message_id: int) -> str:
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.unscoped().select_for_update().select_related("channel", "conversation")
            .filter(pk=message_id).first()
        )
        if message is None or message.state not in (DeliveryState.QUEUED, DeliveryState.SENDING):
            return "nothing to send"  # sent already, failed, or gone: a duplicate delivery stops here
        if message.state == DeliveryState.SENDING and message.send_started_at and now - message.send_started_at < SEND_IN_FLIGHT:
            raise self.retry(countdown=int(SEND_IN_FLIGHT.total_seconds()))
        channel = message.channel
        if channel.status == ChannelStatus.NEEDS_RECONNECT:
            message_mark_failed(message=message, code="needs_reconnect",
                                error=f"{channel.handle} needs to be reconnected; retry once it is.")
            return "failed"
        if channel.status == ChannelStatus.RATE_LIMITED and channel.rate_limit_reset_at and channel.rate_limit_reset_at > now:
            raise self.retry(countdown=max(1, int((channel.rate_limit_reset_at - now).total_seconds())))
        message.state = DeliveryState.SENDING
        message.send_started_at = now
        message.attempts += 1
        message.save(update_fields=["state", "send_started_at", "attempts"])

    try:
        connector = channel_services.connector_for_channel(channel)
        key = str(message.idempotency_key)
        if message.is_private:
            recipient = message.conversation.contact.external_id
            sent = connector.send_private_message(recipient_external_id=recipient, text=message.text, idempotency_key=key)
        else:
            sent = connector.send_reply(text=message.text, in_reply_to_external_id=message.parent_external_id,
                                        idempotency_key=key)
    except RateLimited as error:
        channel_services.channel_rate_limited(channel=channel, reset_at=error.reset_at, message=str(error))
        Message.objects.unscoped().filter(pk=message.pk).update(state=DeliveryState.QUEUED, send_started_at=None)
        raise self.retry(countdown=max(1, int((error.reset_at - timezone.now()).total_seconds()))) from None
    except CredentialsRevoked as error:
        channel_services.channel_needs_reconnect(channel=channel, message=str(error))
        message_mark_failed(message=message, error=str(error), code="credentials")
        return "failed"
    except SendRefused as error:
        message_mark_failed(message=message, error=str(error), code=error.code or "refused")
        return "failed"
    except PlatformUnavailable as error:
        if message.attempts >= 5:
            message_mark_failed(message=message, error=f"{error} (tried {message.attempts} times)", code="unavailable")
            return "failed"
        Message.objects.unscoped().filter(pk=message.pk).update(state=DeliveryState.QUEUED, send_started_at=None)
        raise self.retry(countdown=int(channel_services.backoff_delay(message.attempts, base_seconds=10).total_seconds())) from None
    message_mark_sent(message=message, external_id=sent.external_id, url=sent.url, raw=sent.raw)
    return "sent"


@shared_task
def sweep_sla_breaches() -> int:
    return len(sla_breaches_record())


@shared_task
def sweep_snoozed_conversations() -> int:
    return conversations_wake_snoozed()


@shared_task
def sweep_stuck_sends() -> int:
    """Queued replies whose task was lost (Redis restarted, worker killed) are enqueued again."""
    stale = timezone.now() - timedelta(minutes=2)
    ids = list(
        Message.objects.unscoped()
        .filter(Q(state=DeliveryState.QUEUED, created_at__lt=stale) | Q(state=DeliveryState.SENDING, send_started_at__lt=stale))
        .values_list("pk", flat=True)[:500]
    )
    for message_id in ids:
        send_message.delay(message_id)
    return len(ids)
