"""Celery entry points for the inbox: take ids, re-fetch, call one service. Never sleep."""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from .connectors.base import (
    ConnectorError,
    CredentialsRevoked,
    LookupUnsupported,
    PlatformUnavailable,
    RateLimited,
    SendOutcomeUnknown,
    SendRefused,
)
from .credentials import CredentialsUnreadable
from .models import Channel, ChannelStatus, DeliveryState, Message, Platform, WebhookDelivery
from .services import channels as channel_services
from .services import (
    conversations_wake_snoozed,
    dead_letters_record,
    mentions_ingest,
    message_mark_failed,
    message_mark_sent,
    sla_breaches_record,
)

logger = logging.getLogger(__name__)

# How long a claimed channel is reserved for its poll before another tick may claim it again. The
# poll renews it while it runs (PollLease), so a worker killed mid-poll frees the channel this fast.
POLL_LEASE = timedelta(seconds=settings.VIGIE_POLL_LEASE_SECONDS)
# A send that started less than this ago is presumed still in flight on another worker.
SEND_IN_FLIGHT = timedelta(seconds=settings.VIGIE_SEND_IN_FLIGHT_SECONDS)
# A send whose outcome is unknown is looked up on the platform. "Not there" is believed (and the
# reply sent again) only this long after the send began: a platform may show a post a little late.
NOT_POSTED_AFTER = timedelta(seconds=30)
# Past this, a platform that still cannot be asked leaves the reply to a person ("maybe sent").
SETTLE_DEADLINE = timedelta(seconds=45)
# Retries are never scheduled further ahead than the broker's visibility timeout (a reserved
# message older than that would be handed to a second worker); longer waits come back through
# sweep_stuck_sends.
LONGEST_COUNTDOWN = max(1, int(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("visibility_timeout", 3600)) - 60)
# The error code of a send still SENDING whose last attempt got no answer: settle it by look-up.
OUTCOME_UNKNOWN = "outcome_unknown"


class PollLease:
    """Renews a channel's poll lease (its next_poll_at, pushed ahead by the claim) from a side thread
    while the poll runs, so that a long poll keeps its channel and a killed one frees it in seconds.

    Compare-and-set on the value it last wrote: once the poll records its outcome (or anyone else
    moves next_poll_at) the renewal stops matching. SKIP LOCKED: it never waits on the poll's own
    transaction."""

    RENEW = ("UPDATE inbox_channel SET next_poll_at = %s WHERE id = (SELECT id FROM inbox_channel "
             "WHERE id = %s AND next_poll_at = %s FOR UPDATE SKIP LOCKED)")

    def __init__(self, channel_id: int) -> None:
        self.channel_id = channel_id
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __enter__(self) -> PollLease:
        leased_until = (Channel.objects.unscoped().filter(pk=self.channel_id)
                        .values_list("next_poll_at", flat=True).first())
        if leased_until is not None:
            self._thread = threading.Thread(target=self._renew, args=(leased_until,), daemon=True,
                                            name=f"poll-lease-{self.channel_id}")
            self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _renew(self, leased_until) -> None:
        try:
            while not self._stop.wait(POLL_LEASE.total_seconds() / 3):
                renewed = timezone.now() + POLL_LEASE
                with connection.cursor() as cursor:
                    cursor.execute(self.RENEW, [renewed, self.channel_id, leased_until])
                    if cursor.rowcount:
                        leased_until = renewed
        except Exception:  # noqa: BLE001 - a failed renewal only lets the lease run out early
            logger.exception("poll lease of channel %s not renewed", self.channel_id)
        finally:
            connection.close()  # this thread's own connection


@shared_task
def poll_due_channels(limit: int = 200) -> int:
    claimed = channel_services.channels_claim_due(now=timezone.now(), limit=limit, lease=POLL_LEASE)
    for channel_id in claimed:
        poll_channel.delay(channel_id)
    return len(claimed)


@shared_task
def poll_channel(channel_id: int) -> int:
    with PollLease(channel_id):
        return _poll_channel(channel_id)


def _poll_channel(channel_id: int) -> int:
    channel = Channel.objects.unscoped().select_related("organization").filter(pk=channel_id).first()
    if channel is None or channel.status in (ChannelStatus.DISABLED, ChannelStatus.NEEDS_RECONNECT):
        return 0
    try:
        connector = channel_services.connector_for_channel(channel)
        fetched = connector.fetch(dict(channel.poll_cursor or {}))
    except CredentialsUnreadable as error:
        channel_services.channel_needs_reconnect(channel=channel, message=str(error))
        return 0
    except RateLimited as error:
        channel_services.channel_rate_limited(channel=channel, reset_at=error.reset_at, message=str(error))
        return 0
    except CredentialsRevoked as error:
        channel_services.channel_needs_reconnect(channel=channel, message=str(error))
        return 0
    except (PlatformUnavailable, ConnectorError) as error:
        # ConnectorError covers what a platform answered that we did not expect: shown on the
        # channel's health and retried with backoff like an outage, never swallowed.
        channel_services.channel_poll_failed(channel=channel, message=str(error))
        return 0
    except Exception as error:  # noqa: BLE001 - a connector that chokes on an answer must not crash every lease
        # Otherwise the task would fail again at every lease (seconds), with nothing on the health.
        logger.exception("poll of channel %s failed", channel.pk)
        channel_services.channel_poll_failed(
            channel=channel, message=f"Vigie could not read what {channel.get_platform_display()} answered "
                                     f"({error.__class__.__name__}): will retry.")
        return 0
    # The items and the cursor that follows them commit together: a worker killed before the
    # commit leaves the old cursor, the next poll fetches the same items, nothing is lost; the
    # duplicate check makes a re-fetch harmless.
    with transaction.atomic():
        result = mentions_ingest(channel=channel, items=fetched.items)
        channel_services.channel_poll_succeeded(channel=channel, cursor=fetched.cursor,
                                                more_waiting=fetched.more_waiting)
    if fetched.rate_limit and fetched.rate_limit.remaining == 0 and fetched.rate_limit.reset_at:
        channel.refresh_from_db(fields=["next_poll_at"])
        if channel.next_poll_at < fetched.rate_limit.reset_at:
            Channel.objects.unscoped().filter(pk=channel.pk).update(next_poll_at=fetched.rate_limit.reset_at)
    elif fetched.more_waiting:
        _poll_again_now(channel)
    return result.created


def _poll_again_now(channel: Channel) -> None:
    """A page limit cut the read short: the rest of the burst is read at once, not at the next beat tick.

    The channel is claimed again the way `channels_claim_due` claims it (lease pushed ahead, only if
    still due), so a beat tick that got there first keeps it and the channel is never polled twice at
    once; if this task is lost, the lease expires and beat takes the channel up again."""
    now = timezone.now()
    claimed = (Channel.objects.unscoped()
               .filter(pk=channel.pk, status=ChannelStatus.HEALTHY, next_poll_at__lte=now)
               .update(next_poll_at=now + POLL_LEASE))
    if claimed:
        poll_channel.delay(channel.pk)


# Platforms whose API honours our idempotency key: sending the same key twice gives back the first
# post instead of a second one (Mastodon's Idempotency-Key header). Only for these may a send
# interrupted after reaching the platform be repeated blindly.
IDEMPOTENT_SEND_PLATFORMS = frozenset({Platform.MASTODON})


def _retry_later(task, *, countdown: int) -> str:
    """Retry the send later, never sleeping in the worker.

    `apply()` (eager mode: tests, a CELERY_TASK_ALWAYS_EAGER setup) would run the retry at once,
    ignoring the countdown, and spin; there the message is left queued and `sweep_stuck_sends`
    comes back to it instead."""
    if task.request.is_eager:
        return "retry later"
    raise task.retry(countdown=min(max(1, countdown), LONGEST_COUNTDOWN))


def _maybe_posted_error(message: Message) -> str:
    channel = message.channel
    platform = channel.get_platform_display()
    if message.error_code == OUTCOME_UNKNOWN:
        what = f"{platform} did not confirm this reply in time and it could not be looked up"
    else:
        what = f"The worker sending this reply stopped after handing it to {platform}"
    return (f"{what}, so it may already be posted. Check {channel.handle}'s replies on {platform} first, and "
            "retry only if it is not there.")


@shared_task(bind=True, max_retries=None)
def send_message(self, message_id: int) -> str:
    """Send one queued reply, at most once on the platform.

    A task may be delivered twice (acks_late, a worker killed, the stuck-sends sweep). The message
    row is the fence: QUEUED -> SENDING is committed before the platform is called, so
    - a duplicate that finds SENDING started less than SEND_IN_FLIGHT ago steps back (retried
      later: by then the first delivery has marked it sent or failed);
    - a SENDING older than that means the first delivery died somewhere between committing
      SENDING and recording the outcome, possibly after the platform accepted the post; and a
      SENDING marked OUTCOME_UNKNOWN means the platform never answered (a timeout, a 5xx mid-post).
      Either way the send is settled, never repeated blindly: where the platform honours
      idempotency keys we send again with the same key (the platform answers with the first
      post); elsewhere we look the post up on the platform (`_settle`) and mark it sent, or send
      it again once it is clearly not there, or leave it to a person ("maybe sent") when the
      platform cannot tell us.
    """
    now = timezone.now()
    with transaction.atomic():
        message = (
            Message.objects.unscoped().select_for_update().select_related("channel", "conversation")
            .filter(pk=message_id).first()
        )
        if message is None or message.state not in (DeliveryState.QUEUED, DeliveryState.SENDING):
            return "nothing to send"  # sent already, failed, or gone: a duplicate delivery stops here
        channel = message.channel
        if message.state == DeliveryState.SENDING:
            started = message.send_started_at
            unanswered = message.error_code == OUTCOME_UNKNOWN
            if not unanswered and started and now - started < SEND_IN_FLIGHT:
                in_flight_left = SEND_IN_FLIGHT - (now - started)
                return _retry_later(self, countdown=int(in_flight_left.total_seconds()) + 1)
        # An idempotency key makes a repeat harmless; elsewhere an interrupted send is looked up.
        settle = message.state == DeliveryState.SENDING and channel.platform not in IDEMPOTENT_SEND_PLATFORMS
        if not settle:
            refusal = _channel_refuses(self, message, channel, now)
            if refusal:
                return refusal
            message.state = DeliveryState.SENDING
            message.send_started_at = now
            message.attempts += 1
            message.error, message.error_code = "", ""
            message.save(update_fields=["state", "send_started_at", "attempts", "error", "error_code"])
    if settle:
        return _settle(self, message)

    try:
        connector = channel_services.connector_for_channel(channel)
        # The same key on every attempt: platforms that support it recognise a repeat.
        key = str(message.idempotency_key)
        if message.is_private:
            recipient = _private_recipient(message)
            sent = connector.send_private_message(recipient_external_id=recipient, text=message.text, idempotency_key=key)
        else:
            sent = connector.send_reply(text=message.text, in_reply_to_external_id=message.parent_external_id,
                                        idempotency_key=key)
    except CredentialsUnreadable as error:
        channel_services.channel_needs_reconnect(channel=channel, message=str(error))
        message_mark_failed(message=message, error=str(error), code="credentials")
        return "failed"
    except RateLimited as error:
        # A 429 means the platform did not take the post: sending again later cannot double it.
        channel_services.channel_rate_limited(channel=channel, reset_at=error.reset_at, message=str(error))
        Message.objects.unscoped().filter(pk=message.pk).update(state=DeliveryState.QUEUED)
        return _retry_later(self, countdown=int((error.reset_at - timezone.now()).total_seconds()))
    except CredentialsRevoked as error:
        channel_services.channel_needs_reconnect(channel=channel, message=str(error))
        message_mark_failed(message=message, error=str(error), code="credentials")
        return "failed"
    except SendOutcomeUnknown as error:
        if channel.platform in IDEMPOTENT_SEND_PLATFORMS and message.attempts < 5:
            # The platform recognises our idempotency key: asking again cannot post twice.
            Message.objects.unscoped().filter(pk=message.pk).update(state=DeliveryState.QUEUED)
            return _retry_later(self, countdown=int(channel_services.backoff_delay(message.attempts, base_seconds=10)
                                                    .total_seconds()))
        # Never re-post blindly to an angry customer: look the post up first. Still SENDING, marked
        # unanswered, so that a redelivery or the sweep settles it too if this worker dies now.
        message.error, message.error_code = str(error), OUTCOME_UNKNOWN
        Message.objects.unscoped().filter(pk=message.pk, attempts=message.attempts).update(
            error=message.error, error_code=OUTCOME_UNKNOWN)
        return _settle(self, message)
    except SendRefused as error:
        # The platform's own reason (24-hour window, duplicate content...) is what the person reads.
        message_mark_failed(message=message, error=str(error), code=error.code or "refused")
        return "failed"
    except (PlatformUnavailable, ConnectorError) as error:
        if message.attempts >= 5:
            # Said as it is: sending has stopped, nothing was posted, and what the person can do.
            message_mark_failed(message=message, code="unavailable", error=(
                f"{error} Vigie tried {message.attempts} times and has stopped: this reply was not posted. "
                f"Retry it once {channel.handle} is working again (see Channels)."))
            return "failed"
        Message.objects.unscoped().filter(pk=message.pk).update(state=DeliveryState.QUEUED)
        return _retry_later(
            self, countdown=int(channel_services.backoff_delay(message.attempts, base_seconds=10).total_seconds()))
    message_mark_sent(message=message, external_id=sent.external_id, url=sent.url, raw=sent.raw)
    return "sent"


def _private_recipient(message: Message) -> str:
    """Where a private reply goes. The send and the look-up of an interrupted send both ask here: a
    look-up in another conversation than the send's would find nothing and send it twice.

    A private conversation's own address (an X group conversation, "dm:<person>"): a reply in a group
    goes to the group, not to whoever wrote last. A private answer to a public post goes to its author."""
    conversation = message.conversation
    return conversation.thread_key if conversation.is_private else conversation.contact.external_id


def _channel_refuses(task, message: Message, channel: Channel, now) -> str | None:
    """The channel's state forbids sending now: fail the reply, or come back later."""
    if channel.status == ChannelStatus.DISABLED:
        # A paused channel is the admin's "stop this account now": nothing leaves it.
        message_mark_failed(message=message, code="channel_paused",
                            error=f"{channel.handle} is paused; resume it, then retry this reply.")
        return "failed"
    if channel.status == ChannelStatus.NEEDS_RECONNECT:
        message_mark_failed(message=message, code="needs_reconnect",
                            error=f"{channel.handle} needs to be reconnected; retry once it is.")
        return "failed"
    if channel.status == ChannelStatus.RATE_LIMITED and channel.rate_limit_reset_at and channel.rate_limit_reset_at > now:
        return _retry_later(task, countdown=int((channel.rate_limit_reset_at - now).total_seconds()))
    return None


def _settle(task, message: Message) -> str:
    """A send whose outcome is unknown (no answer, or its worker died): look it up, then decide.

    Found on the platform -> sent, with the platform's id. Clearly not there (looked up at least
    NOT_POSTED_AFTER after the send began) -> sent again. Not there yet -> looked up again a little
    later. The platform cannot be asked (no such look-up, or it keeps failing until
    SETTLE_DEADLINE) -> failed as "maybe sent", with what a person should check."""
    channel = message.channel
    started = message.send_started_at or timezone.now()
    try:
        connector = channel_services.connector_for_channel(channel)
        finder = getattr(connector, "find_sent", None)
        if finder is None:
            raise LookupUnsupported(f"{channel.get_platform_display()} posts cannot be looked up.")
        found = finder(text=message.text, in_reply_to_external_id=message.parent_external_id,
                       recipient_external_id=_private_recipient(message) if message.is_private else "",
                       private=message.is_private, since=started)
    except (LookupUnsupported, CredentialsUnreadable):
        message_mark_failed(message=message, error=_maybe_posted_error(message), code="maybe_sent")
        return "failed"
    except ConnectorError as error:  # rate limited, unavailable, revoked: it cannot tell us now
        if timezone.now() - started < SETTLE_DEADLINE:
            logger.warning("reply %s: could not look it up yet (%s)", message.pk, error)
            return _retry_later(task, countdown=10)
        message_mark_failed(message=message, error=_maybe_posted_error(message), code="maybe_sent")
        return "failed"
    if found is not None:
        message_mark_sent(message=message, external_id=found.external_id, url=found.url, raw=found.raw)
        return "sent"
    waited = timezone.now() - started
    if waited < NOT_POSTED_AFTER:
        return _retry_later(task, countdown=int((NOT_POSTED_AFTER - waited).total_seconds()) + 1)
    if message.attempts >= 5:
        message_mark_failed(message=message, code="unavailable",
                            error=f"{channel.get_platform_display()} never confirmed this reply and it is not "
                                  f"there (tried {message.attempts} times).")
        return "failed"
    # Not posted: it can go again. QUEUED, so that the next delivery sends it.
    Message.objects.unscoped().filter(pk=message.pk, state=DeliveryState.SENDING, attempts=message.attempts).update(
        state=DeliveryState.QUEUED, error="", error_code="")
    if task.request.is_eager:
        return "retry later"
    raise task.retry(countdown=1)


@shared_task
def sweep_sla_breaches() -> int:
    return len(sla_breaches_record())


@shared_task
def sweep_snoozed_conversations() -> int:
    return conversations_wake_snoozed()


@shared_task
def sweep_unqueued_replies() -> int:
    """Replies queued while the broker was down are handed to it again, seconds after it is back.

    Only those whose enqueue failed (marked by `_enqueue_send`): a reply whose task is merely
    waiting in a busy queue is not enqueued twice."""
    from .services.replies import NOT_ENQUEUED

    ids = list(Message.objects.unscoped().filter(state=DeliveryState.QUEUED, error_code=NOT_ENQUEUED)
               .order_by("created_at").values_list("pk", flat=True)[:500])
    for message_id in ids:
        # Cleared before the enqueue: the task may fail the reply with its own error code at once,
        # which must not be overwritten. Set back if the broker is still down.
        Message.objects.unscoped().filter(pk=message_id, error_code=NOT_ENQUEUED).update(error_code="")
        try:
            send_message.delay(message_id)
        except Exception:  # noqa: BLE001 - still down: the next sweep tries again
            Message.objects.unscoped().filter(pk=message_id, state=DeliveryState.QUEUED).update(error_code=NOT_ENQUEUED)
            raise
    return len(ids)


@shared_task
def sweep_stuck_sends() -> int:
    """Queued replies whose task was lost (Redis restarted, worker killed) are enqueued again."""
    stale = timezone.now() - timedelta(minutes=2)
    ids = list(
        Message.objects.unscoped()
        .filter(
            # Never attempted: its task was lost.
            Q(state=DeliveryState.QUEUED, attempts=0, created_at__lt=stale)
            # Waiting for a retry: only once the longest backoff has passed, so the sweep does not
            # burn the attempts of a reply whose platform is down.
            | Q(state=DeliveryState.QUEUED, attempts__gt=0,
                send_started_at__lt=timezone.now() - channel_services.MAX_BACKOFF)
            # Interrupted mid-send (or unanswered and its retry lost): settled by a look-up.
            | Q(state=DeliveryState.SENDING, send_started_at__lt=timezone.now() - SEND_IN_FLIGHT)
        )
        .values_list("pk", flat=True)[:500]
    )
    for message_id in ids:
        send_message.delay(message_id)
    return len(ids)


# --- Webhook deliveries: stored before acknowledged, ingested from the table ------------------------

# A delivery whose ingestion failed this many times is given up: its events become dead letters.
WEBHOOK_ATTEMPTS = 5
# How long a stored delivery is left to its own task before the sweep enqueues it again.
WEBHOOK_TASK_GRACE = timedelta(seconds=30)
# Ingested deliveries are kept this long (to look at what a platform sent), then deleted.
WEBHOOK_RETENTION = timedelta(days=3)


# How long a webhook's answer waits for its task to reach the broker. Past it the platform gets its
# 200 anyway (the delivery is stored) and the hand-over finishes, or fails, in the background.
WEBHOOK_ENQUEUE_WAIT = 1.0
_webhook_publisher: ThreadPoolExecutor | None = None
_webhook_publisher_lock = threading.Lock()


def _publish_webhook_delivery(delivery_id: int) -> None:
    try:
        # One attempt, no result to wait for: with Redis down, publish retries and the result
        # backend's reconnection loop would only hold the thread for a delivery already stored.
        ingest_webhook_delivery.apply_async((delivery_id,), retry=False, ignore_result=True)
    except Exception:  # noqa: BLE001 - the broker is down: the sweep picks the delivery up
        logger.warning("webhook delivery %s is stored but its task could not be enqueued: the sweep will "
                       "hand it over", delivery_id, exc_info=True)


def enqueue_webhook_delivery(delivery_id: int) -> None:
    """Hand a stored delivery to a worker without ever failing or holding up the webhook's answer
    for long: the row is in PostgreSQL, and `sweep_webhook_deliveries` enqueues it again if this
    hand-over is lost."""
    global _webhook_publisher
    if ingest_webhook_delivery.app.conf.task_always_eager:
        _publish_webhook_delivery(delivery_id)  # runs the task here and now (tests, eager setups)
        return
    with _webhook_publisher_lock:
        if _webhook_publisher is None:  # created in the process that uses it, never before a fork
            _webhook_publisher = ThreadPoolExecutor(max_workers=2, thread_name_prefix="webhook-enqueue")
    future = _webhook_publisher.submit(_publish_webhook_delivery, delivery_id)
    try:
        future.result(timeout=WEBHOOK_ENQUEUE_WAIT)
    except FutureTimeout:
        logger.warning("webhook delivery %s is stored; the broker is slow to take its task, answering "
                       "the platform anyway (the sweep covers a lost hand-over)", delivery_id)


def _instagram_mentions(channel: Channel, mentions: list[dict]) -> list:
    """Instagram mention webhooks carry only ids: fetch each mention (polling reads mentions too, so a
    mention the platform refuses now is logged, not lost)."""
    if not mentions:
        return []
    connector = channel_services.connector_for_channel(channel)
    items = []
    for mention in mentions:
        try:
            items.append(connector.fetch_mention(media_id=mention["media_id"], comment_id=mention.get("comment_id", "")))
        except ConnectorError as error:
            logger.warning("Instagram mention %s on channel %s not fetched: %s", mention, channel.pk, error)
    return items


@shared_task(ignore_result=True)
def ingest_webhook_delivery(delivery_id: int) -> int:
    """Ingest one stored delivery, once: the row is locked and marked processed in the same
    transaction as its messages, so a duplicate task or the sweep finds nothing left to do."""
    from .connectors.webhooks import MalformedEvent
    from .services import UnparsableItem
    from .webhooks import delivery_contents, parse_delivery_body

    delivery = (WebhookDelivery.objects.unscoped().select_related("channel__organization")
                .filter(pk=delivery_id, processed_at__isnull=True).first())
    if delivery is None:
        return 0
    channel = delivery.channel
    try:
        items: list = []
        if channel.status != ChannelStatus.DISABLED:  # paused by an admin: takes nothing in
            payload = parse_delivery_body(bytes(delivery.body)) or {}
            parsed, mentions = delivery_contents(channel, payload)
            items = [UnparsableItem(payload=item.payload, reason=item.reason) if isinstance(item, MalformedEvent)
                     else item for item in parsed]
            items += _instagram_mentions(channel, mentions)
        with transaction.atomic():
            locked = (WebhookDelivery.objects.unscoped().select_for_update(skip_locked=True)
                      .filter(pk=delivery_id, processed_at__isnull=True).first())
            if locked is None:
                return 0  # another worker holds it, or ingested it meanwhile
            created = mentions_ingest(channel=channel, items=items).created if items else 0
            locked.processed_at = timezone.now()
            locked.attempts += 1
            locked.save(update_fields=["processed_at", "attempts"])
        return created
    except Exception as error:  # noqa: BLE001 - kept, counted, retried by the sweep, dead-lettered at last
        logger.exception("webhook delivery %s on channel %s could not be ingested", delivery_id, channel.pk)
        _webhook_delivery_failed(delivery, error)
        return 0


def _webhook_delivery_failed(delivery: WebhookDelivery, error: Exception) -> None:
    from .webhooks import parse_delivery_body

    attempts = delivery.attempts + 1
    reason = f"{error.__class__.__name__}: {error}"[:2000]
    with transaction.atomic():
        given_up = attempts >= WEBHOOK_ATTEMPTS
        WebhookDelivery.objects.unscoped().filter(pk=delivery.pk, processed_at__isnull=True).update(
            attempts=attempts, last_error=reason, processed_at=timezone.now() if given_up else None)
        if given_up:
            dead_letters_record(channel=delivery.channel, rejected=[(
                {"webhook_delivery": delivery.pk, "body": parse_delivery_body(bytes(delivery.body))},
                f"The webhook delivery could not be ingested after {attempts} attempts ({reason}).")])


@shared_task
def sweep_webhook_deliveries(grace_seconds: float | None = None) -> int:
    """Deliveries stored but never ingested (their task lost: Redis down between the commit and the
    enqueue, a worker killed) are enqueued again; old ingested ones are deleted."""
    now = timezone.now()
    grace = WEBHOOK_TASK_GRACE if grace_seconds is None else timedelta(seconds=grace_seconds)
    waiting = WebhookDelivery.objects.unscoped().filter(processed_at__isnull=True, received_at__lte=now - grace)
    # Once per grace period at most: a worker merely behind on a backlog is not sent copies each tick.
    waiting = waiting.filter(Q(swept_at__isnull=True) | Q(swept_at__lte=now - grace))
    ids = list(waiting.order_by("received_at").values_list("pk", flat=True)[:500])
    WebhookDelivery.objects.unscoped().filter(pk__in=ids).update(swept_at=now)
    for delivery_id in ids:
        enqueue_webhook_delivery(delivery_id)
    WebhookDelivery.objects.unscoped().filter(processed_at__lt=now - WEBHOOK_RETENTION).delete()
    return len(ids)
