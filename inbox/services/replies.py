"""Writing back: drafts, replies queued for sending, and the states they go through.

The wrong-account guard and the double-reply guard live here, not in the composer, so that the
API and the pages enforce them alike.
"""

from __future__ import annotations

import logging

from celery import current_app
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.live import broadcast_on_commit
from accounts.models import User

from .. import reply_guard
from ..models import (
    Activity,
    ActivityVerb,
    Channel,
    ChannelStatus,
    Conversation,
    DeliveryState,
    Direction,
    Message,
    MessageKind,
)
from . import clocks

logger = logging.getLogger(__name__)


class ReplyNeedsConfirmation(ValidationError):
    """The reply can go out, but a person must confirm first; `code` says why."""

    def __init__(self, message: str, *, code: str, details: dict | None = None):
        super().__init__(message, code=code)
        self.details = details or {}


def _event(message: Message, kind: str) -> None:
    broadcast_on_commit(
        organization_id=message.organization_id,
        topic="inbox",
        event={"type": kind, "conversation_id": message.conversation_id, "message_id": message.pk,
               "state": message.state, "error": message.error},
    )


def _refresh_reply_failure(organization_id: int, conversation_id: int) -> None:
    """Copy the latest reply's failure (or its absence) onto the conversation, for its row and
    the "Failed sends" view. The latest reply decides: a newer reply queued or sent after a
    failed one clears the badge, a retry clears it until the outcome is known."""
    latest = (
        Message.objects.for_organization(organization_id)
        .filter(conversation_id=conversation_id, direction=Direction.OUTBOUND).exclude(state=DeliveryState.DRAFT)
        .order_by("-created_at", "-pk").only("state", "error", "error_code").first()
    )
    failed = latest is not None and latest.state == DeliveryState.FAILED
    Conversation.objects.for_organization(organization_id).filter(pk=conversation_id).update(
        reply_failure_code=(latest.error_code or "failed") if failed else "",
        reply_failure=latest.error[:500] if failed else "",
    )


def _check_channel(conversation: Conversation, channel: Channel, *, confirm_other_channel: bool) -> None:
    if channel.organization_id != conversation.organization_id:
        raise ValidationError(_("That channel belongs to another organization."))
    if channel.platform != conversation.channel.platform:
        raise ValidationError(
            _("This conversation is on %(platform)s: it cannot be answered from a %(other)s account.") % {
                "platform": conversation.channel.get_platform_display(), "other": channel.get_platform_display()}
        )
    if channel.status == ChannelStatus.DISABLED:
        raise ValidationError(_("%(channel)s is paused by an admin: nothing is sent from it until it is resumed.") % {
            "channel": channel.handle})
    if channel.platform == "web":
        raise ValidationError(_("Web monitoring is read-only: answer the author on their own site or by e-mail."))
    if channel.pk != conversation.channel_id and not confirm_other_channel:
        raise ReplyNeedsConfirmation(
            f"This conversation came in on {conversation.channel.handle}; you chose to answer as {channel.handle}. "
            "Confirm that this is the account you mean to speak as.",
            code="other_channel",
            details={"conversation_channel": conversation.channel.handle, "chosen_channel": channel.handle},
        )


def _check_text(channel: Channel, text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("The reply is empty."))
    limit = channel.reply_length_limit
    if limit and len(text) > limit:
        raise ValidationError(_("%(platform)s accepts %(limit)s characters; this reply has %(length)s.") % {
            "platform": channel.get_platform_display(), "limit": limit, "length": len(text)})
    return text


@transaction.atomic
def draft_save(*, conversation: Conversation, author: User, text: str, channel: Channel | None = None,
               is_private: bool | None = None) -> Message:
    """Keep what someone is writing on the server, so a backup who takes over sees it."""
    channel = channel or conversation.channel
    if channel.organization_id != conversation.organization_id:
        raise ValidationError(_("That channel belongs to another organization."))
    draft, _created = Message.objects.for_organization(conversation.organization_id).update_or_create(
        organization_id=conversation.organization_id, conversation=conversation, author_user=author,
        state=DeliveryState.DRAFT,
        defaults={
            "channel": channel, "text": text, "direction": Direction.OUTBOUND,
            "kind": MessageKind.PRIVATE_MESSAGE if (conversation.is_private if is_private is None else is_private) else MessageKind.REPLY,
            "platform": channel.platform, "is_private": conversation.is_private if is_private is None else is_private,
            "created_at": timezone.now(),
        },
    )
    return draft


@transaction.atomic
def reply_compose(*, conversation: Conversation, author: User, text: str, channel: Channel | None = None,
                  is_private: bool | None = None, confirm_other_channel: bool = False,
                  seen_up_to_message_id: int | None = None, confirm_after_other_reply: bool = False,
                  guidance: dict | None = None) -> Message | reply_guard.HeldReply:
    """Queue a reply for sending (the send task posts it through the channel's connector), unless the
    response guides block it, want a confirmation, or hold it for an approver (HeldReply)."""
    conversation = Conversation.objects.for_organization(conversation.organization_id).select_for_update().select_related(
        "channel").get(pk=conversation.pk)
    channel = channel or conversation.channel
    _check_channel(conversation, channel, confirm_other_channel=confirm_other_channel)
    text = _check_text(channel, text)
    private = conversation.is_private if is_private is None else is_private
    if conversation.is_private and not private:
        raise ValidationError(_("This is a private conversation: the answer must be private too."))

    if seen_up_to_message_id is not None and not confirm_after_other_reply:
        newer = (
            Message.objects.for_organization(conversation.organization_id)
            .filter(conversation=conversation, direction=Direction.OUTBOUND, pk__gt=seen_up_to_message_id)
            .exclude(state=DeliveryState.DRAFT).exclude(author_user=author).select_related("author_user")
            .order_by("-pk").first()
        )
        if newer is not None:
            who = newer.author_user.display_name if newer.author_user else "someone"
            raise ReplyNeedsConfirmation(
                f"{who} replied while you were writing: “{newer.text[:200]}”. Send yours as well?",
                code="replied_meanwhile",
                details={"message_id": newer.pk, "author": who, "text": newer.text},
            )

    verdict = _ask_guides(conversation, channel, author, text, private, confirm_other_channel, guidance)
    if verdict.action == reply_guard.HOLD:
        _drop_draft(conversation, author)
        return reply_guard.HeldReply(approval_id=verdict.details["approval_id"], message=verdict.message,
                                     details=verdict.details)

    message = Message.objects.create(
        organization_id=conversation.organization_id, conversation=conversation, channel=channel,
        direction=Direction.OUTBOUND, kind=MessageKind.PRIVATE_MESSAGE if private else MessageKind.REPLY,
        platform=channel.platform, is_private=private, text=text, author_user=author,
        created_at=timezone.now(), state=DeliveryState.QUEUED,
        parent_external_id=_reply_target(conversation),
    )
    if verdict.on_queued:
        verdict.on_queued(message.pk)
    _drop_draft(conversation, author)
    Activity.objects.create(organization_id=conversation.organization_id, conversation=conversation, actor=author,
                            verb=ActivityVerb.REPLIED, created_at=message.created_at,
                            data={"message_id": message.pk, "channel": channel.handle, "private": private})
    if conversation.assignee_id is None:
        conversation.assignee = author
        conversation.save(update_fields=["assignee", "updated_at"])
    _refresh_reply_failure(conversation.organization_id, conversation.pk)
    _event(message, "message.queued")
    _enqueue_send(message)
    return message


def _ask_guides(conversation, channel, author, text, private, confirm_other_channel, guidance) -> reply_guard.Verdict:
    """The response guides' one call (inbox/reply_guard.py): block, confirm, hold or send."""
    verdict = reply_guard.check(reply_guard.ReplyAttempt(
        organization_id=conversation.organization_id, conversation_id=conversation.pk, channel_id=channel.pk,
        author_id=author.pk, text=text, is_private=private, confirm_other_channel=confirm_other_channel,
        guidance=dict(guidance or {}),
    ))
    if verdict.action == reply_guard.BLOCK:
        raise reply_guard.ReplyBlocked(verdict.message, findings=verdict.findings)
    if verdict.action == reply_guard.CONFIRM:
        raise ReplyNeedsConfirmation(verdict.message, code="guide_warnings",
                                     details={"findings": verdict.findings, **verdict.details})
    return verdict


def _drop_draft(conversation: Conversation, author: User) -> None:
    Message.objects.for_organization(conversation.organization_id).filter(
        conversation=conversation, author_user=author, state=DeliveryState.DRAFT).delete()


def _reply_target(conversation: Conversation) -> str:
    """Reply to the customer's latest message (the platform threads it under that one)."""
    latest = (
        Message.objects.for_organization(conversation.organization_id)
        .filter(conversation=conversation, direction=Direction.INBOUND).order_by("-created_at").only("external_id").first()
    )
    return latest.external_id if latest and latest.external_id else ""


# The send task, found by name in the Celery app's registry when a reply is enqueued: the tasks
# module imports the services, so the services never import it back.
SEND_TASK = "inbox.tasks.send_message"


# On a QUEUED reply: its task could not be handed to the broker (Redis down). The frequent
# `sweep_unqueued_replies` enqueues it again as soon as Redis is back.
NOT_ENQUEUED = "not_enqueued"


def _send_task():
    app = current_app
    if SEND_TASK not in app.tasks:
        # A web process has not loaded the task modules yet: Celery's own autodiscovery does.
        app.loader.import_default_modules()
    return app.tasks[SEND_TASK]


def _enqueue_send(message: Message) -> None:
    def enqueue():
        try:
            _send_task().delay(message.pk)
        except Exception:  # noqa: BLE001 - the row is QUEUED and says so: the sweep sends it once the broker is back
            logger.warning("reply %s is queued but the broker is unavailable: it leaves once it is back", message.pk)
            Message.objects.unscoped().filter(pk=message.pk, state=DeliveryState.QUEUED).update(error_code=NOT_ENQUEUED)

    # After commit, and never failing the request: the person must not believe it was lost and
    # send it again.
    transaction.on_commit(enqueue)


@transaction.atomic
def reply_retry(*, message: Message, actor: User) -> Message:
    message = Message.objects.for_organization(message.organization_id).select_for_update().get(pk=message.pk)
    if message.state != DeliveryState.FAILED:
        raise ValidationError(_("Only a failed reply can be retried."))
    if message.channel.status == ChannelStatus.NEEDS_RECONNECT:
        raise ValidationError(_("%(channel)s needs to be reconnected before this reply can go out.") % {
            "channel": message.channel.handle})
    message.state = DeliveryState.QUEUED
    message.error = ""
    message.error_code = ""
    message.save(update_fields=["state", "error", "error_code"])
    _refresh_reply_failure(message.organization_id, message.conversation_id)
    _event(message, "message.queued")
    _enqueue_send(message)
    return message


@transaction.atomic
def message_mark_sent(*, message: Message, external_id: str, url: str = "", raw: dict | None = None) -> Message:
    locked = Message.objects.for_organization(message.organization_id).select_for_update().get(pk=message.pk)
    if locked.state == DeliveryState.SENT and locked.external_id == external_id:
        return locked  # the same post, recorded already by another delivery (two look-ups found it)
    if locked.state not in (DeliveryState.QUEUED, DeliveryState.SENDING) or locked.attempts != message.attempts:
        # Another delivery already settled this reply (failed as "maybe sent", retried): the
        # platform's answer is logged, the state a person acted on is kept.
        logger.error("reply %s was posted as %s but is now %s", message.pk, external_id, locked.state)
        return locked
    now = timezone.now()
    message.state = DeliveryState.SENT
    message.external_id = external_id
    message.url = url[:500]
    message.sent_at = now
    message.error = ""
    message.error_code = ""
    if raw:
        message.raw = raw
    message.save(update_fields=["state", "external_id", "url", "sent_at", "error", "error_code", "raw"])
    conversation = Conversation.objects.for_organization(message.organization_id).select_for_update().get(
        pk=message.conversation_id)
    changed = clocks.stop(conversation, at=now)
    if conversation.first_response_at is None:
        conversation.first_response_at = now
        changed.append("first_response_at")
    conversation.last_message_at = max(conversation.last_message_at, now)
    conversation.save(update_fields=sorted({*changed, "last_message_at", "updated_at"}))
    Activity.objects.create(organization_id=message.organization_id, conversation=conversation, actor=message.author_user,
                            verb=ActivityVerb.REPLY_SENT, created_at=now, data={"message_id": message.pk,
                                                                               "external_id": external_id})
    _refresh_reply_failure(message.organization_id, message.conversation_id)
    _event(message, "message.sent")
    return message


@transaction.atomic
def message_mark_failed(*, message: Message, error: str, code: str = "") -> Message:
    message.state = DeliveryState.FAILED
    message.error = error
    message.error_code = code[:40]
    message.save(update_fields=["state", "error", "error_code"])
    Activity.objects.create(organization_id=message.organization_id, conversation_id=message.conversation_id,
                            actor=message.author_user, verb=ActivityVerb.REPLY_FAILED, created_at=timezone.now(),
                            data={"message_id": message.pk, "error": error})
    _refresh_reply_failure(message.organization_id, message.conversation_id)
    _event(message, "message.failed")
    return message
