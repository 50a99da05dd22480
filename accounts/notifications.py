"""The notification centre: what a person should see (a colleague's @mention, later an on-call
alert), shown in the header live, and e-mailed when it stays unseen.

Writes here follow the services' rules (keyword-only, own transactions, live events after
commit); any app may notify with `notify(...)` inside its own transaction.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from .live import broadcast_on_commit
from .models import Membership, Notification, User

logger = logging.getLogger(__name__)

# An unread notification is e-mailed once this long has passed with its recipient offline: long
# enough for someone at their desk to see the header's badge, short enough for a mention to matter.
EMAIL_AFTER = timedelta(minutes=5)
# Who counts as online: a page of theirs pinged the websocket this recently (pages ping every 20 s).
ONLINE_WITHIN = timedelta(seconds=60)
SHOWN = 20


def unread_count(*, organization_id: int, user: User) -> int:
    return Notification.objects.for_organization(organization_id).filter(recipient=user, read_at__isnull=True).count()


def notifications_for(*, organization_id: int, user: User, limit: int = SHOWN):
    return Notification.objects.for_organization(organization_id).filter(recipient=user).order_by("-created_at",
                                                                                                  "-pk")[:limit]


def _announce(organization_id: int, user_id: int, event: dict) -> None:
    broadcast_on_commit(organization_id=organization_id, topic=f"user.{user_id}", event=event)


def notify(*, organization_id: int, recipient: User, kind: str, title: str, link: str = "") -> Notification:
    """Record a notification and push it to the recipient's open pages once the caller commits."""
    notification = Notification.objects.create(organization_id=organization_id, recipient=recipient, kind=kind,
                                               title=title[:300], link=link[:500])
    _announce(organization_id, recipient.pk, {
        "type": "notification", "id": notification.pk, "kind": kind, "title": notification.title,
        "link": notification.link,
    })
    return notification


@transaction.atomic
def notifications_mark_read(*, organization_id: int, user: User, ids: list[int] | None = None) -> int:
    """Mark the given notifications (or all of them) read; only the user's own are touched."""
    unread = Notification.objects.for_organization(organization_id).filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        unread = unread.filter(pk__in=ids)
    marked = unread.update(read_at=timezone.now())
    if marked:
        _announce(organization_id, user.pk, {"type": "notification.read",
                                             "unread": unread_count(organization_id=organization_id, user=user)})
    return marked


# --- online, as the websocket sees it ----------------------------------------------------------

def _online_key(user_id: int) -> str:
    return f"vigie:online:{user_id}"


def mark_online(*, user_id: int) -> None:
    """Called by the websocket on connect and on every ping."""
    from django.core.cache import cache

    try:
        cache.set(_online_key(user_id), timezone.now().timestamp(), int(ONLINE_WITHIN.total_seconds()))
    except Exception:  # noqa: BLE001 - Redis away: the socket's own liveness check reports it, not this
        logger.debug("could not mark user %s online", user_id, exc_info=True)


def is_online(*, user_id: int) -> bool:
    from django.core.cache import cache

    try:
        return cache.get(_online_key(user_id)) is not None
    except Exception:  # noqa: BLE001 - unknown counts as offline: an e-mail too many beats a mention missed
        return False


# --- the e-mail sweep --------------------------------------------------------------------------

def _email(notification: Notification) -> None:
    recipient = notification.recipient
    with translation.override(recipient.language or notification.organization.language or settings.LANGUAGE_CODE):
        subject = _("[Vigie] %(title)s") % {"title": notification.title}
        base = settings.PUBLIC_URL.rstrip("/")
        body = _("%(title)s\n\nOpen it: %(link)s\n\nYou receive this e-mail because you were not online in Vigie "
                 "when it happened.") % {"title": notification.title, "link": f"{base}{notification.link}"}
    send_mail(subject, body, None, [recipient.email])


def notifications_email_unseen(*, now: datetime | None = None, batch: int = 200) -> int:
    """E-mail every notification left unread EMAIL_AFTER while its recipient was offline; once.

    Each one in its own transaction, its row locked (SKIP LOCKED: two beats never send the same
    one) and `emailed_at` committed with the send: a failed send is tried again by the next sweep.
    """
    now = now or timezone.now()
    sent = 0
    candidates = list(
        Notification.objects.unscoped().filter(read_at__isnull=True, emailed_at__isnull=True,
                                               created_at__lte=now - EMAIL_AFTER)
        .order_by("created_at").values_list("pk", "recipient_id")[:batch]
    )
    for pk, recipient_id in candidates:
        if is_online(user_id=recipient_id):
            continue  # at their desk: the header's badge tells them; e-mailed if they leave unread
        with transaction.atomic():
            notification = (
                Notification.objects.unscoped().select_for_update(skip_locked=True)
                .select_related("recipient", "organization")
                .filter(pk=pk, read_at__isnull=True, emailed_at__isnull=True).first()
            )
            if notification is None:
                continue
            # Someone who left the organization is not written to about it.
            if not Membership.objects.for_organization(notification.organization_id).filter(
                    user_id=recipient_id).exists():
                notification.emailed_at = now
                notification.save(update_fields=["emailed_at"])
                continue
            try:
                _email(notification)
            except Exception:  # noqa: BLE001 - the next sweep tries again; the others still go
                logger.exception("notification %s could not be e-mailed", pk)
                continue
            notification.emailed_at = now
            notification.save(update_fields=["emailed_at"])
            sent += 1
    return sent
