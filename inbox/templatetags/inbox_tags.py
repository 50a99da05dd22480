from datetime import timedelta

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext as _

from accounts.templatetags.local_time import when
from inbox.classification import NEGATIVE_THRESHOLD, POSITIVE_THRESHOLD
from inbox.models import Priority

register = template.Library()

PLATFORM_BADGES = {
    "x": ("𝕏", "X"),
    "facebook": ("f", "Facebook"),
    "instagram": ("IG", "Instagram"),
    "mastodon": ("M", "Mastodon"),
    "bluesky": ("BS", "Bluesky"),
    "web": ("RSS", "Web"),
}


@register.simple_tag
def channel_badge(platform: str):
    symbol, name = PLATFORM_BADGES.get(platform, ("?", platform))
    return format_html('<span class="ch ch-{}" title="{}" aria-label="{}">{}</span>', platform, name, name, symbol)


@register.filter
def sentiment_name(value: float) -> str:
    if value < NEGATIVE_THRESHOLD:
        return "negative"
    if value > POSITIVE_THRESHOLD:
        return "positive"
    return "neutral"


@register.filter
def priority_name(value: int) -> str:
    return Priority(value).name.lower()


@register.filter
def priority_label(value: int) -> str:
    return Priority(value).label


@register.simple_tag
def sla_badge(conversation, now):
    """A countdown the page keeps ticking (static/js/inbox.js reads data-due)."""
    if conversation.sla_due_at is None and conversation.sla_paused_at is None:
        return ""
    if conversation.sla_stopped_at is not None:
        return ""
    if conversation.sla_paused_at is not None and (conversation.sla_due_at is None or conversation.sla_due_at > now):
        return format_html('<span class="sla sla-paused" title="{}">⏸ {}</span>', _("First-response clock paused"),
                           _("paused"))
    due = conversation.sla_due_at
    state = "breached" if due <= now else "due-soon" if due - now <= timedelta(minutes=15) else "running"
    return format_html(
        '<span class="sla sla-{}" data-due="{}" title="{}">{}</span>', state, due.isoformat(),
        _("First response due at %(time)s") % {"time": when(due)}, _format_remaining(due - now),
    )


def _format_remaining(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    if seconds < 0:
        return _("late %(duration)s") % {"duration": _duration(int(-seconds // 60))}
    return _("due in %(duration)s") % {"duration": _duration(int(seconds // 60))}


def _duration(minutes: int) -> str:
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {rest:02d}" if rest else f"{hours} h"
    return _("%(days)s d") % {"days": hours // 24}


@register.filter
def state_label(code: str) -> str:
    """A status or priority code kept in activity data ("snoozed", "urgent") in the reader's words."""
    from ..models import ConversationStatus, Priority

    if code in ConversationStatus.values:
        return ConversationStatus(code).label
    names = {priority.name.lower(): priority.label for priority in Priority}
    return names.get(code, code)


def reply_failure_reason(code: str, detail: str = "") -> str:
    """Why the latest reply did not go out, in the reader's language, from its error code.

    The stored error is the platform's or the worker's own wording; the code is ours, so the
    sentence people act on is translated and names what to do next.
    """
    reasons = {
        "maybe_sent": _("Maybe sent: the platform did not confirm this reply. Check the brand account's "
                        "replies on the platform before retrying."),
        "channel_paused": _("Not sent: the channel is paused. An admin must resume it in Channels, then retry."),
        "needs_reconnect": _("Not sent: the channel needs reconnecting. An admin must reconnect it in Channels, "
                             "then retry."),
        "credentials": _("Not sent: the platform refused the channel's access. An admin must reconnect it in "
                         "Channels, then retry."),
        "unavailable": _("Not sent: the platform was unavailable after several attempts. Retry later."),
        "not_found": _("Not sent: the message answered no longer exists on the platform."),
    }
    reason = reasons.get(code)
    if reason:
        return reason
    if detail:
        return _("Not sent: the platform refused this reply (%(detail)s).") % {"detail": detail}
    return _("Not sent: the platform refused this reply.")


@register.simple_tag
def reply_failure_badge(conversation):
    """The red badge on a row whose latest reply failed or may have been posted."""
    code = conversation.reply_failure_code
    if not code:
        return ""
    label = _("Maybe sent") if code == "maybe_sent" else _("Send failed")
    return format_html('<span class="send-failed" data-testid="send-failed" data-code="{}" title="{}">⚠ {}</span>',
                       code, reply_failure_reason(code, conversation.reply_failure), label)


@register.filter
def channel_send_warning(channel) -> str:
    """What the composer says before anyone writes on a channel that cannot send, and the admin
    action that fixes it ("" when replies can go out)."""
    if channel.status == "needs_reconnect":
        return _("%(handle)s needs reconnecting: replies from it fail until an admin reconnects it "
                 "(Channels → %(handle)s → Reconnect with new credentials).") % {"handle": channel.handle}
    if channel.status == "disabled":
        return _("%(handle)s is paused: nothing is sent from it until an admin resumes it "
                 "(Channels → %(handle)s → Resume).") % {"handle": channel.handle}
    return ""
