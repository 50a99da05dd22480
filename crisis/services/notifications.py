"""Reaching people: contact methods, their rules, and every attempt logged on the alert.

A paged person is told in the app at once (live on every open page), then by each of their rules
when its delay has passed: e-mail after 1 minute, SMS after 3... Attempts are rows with a due
time; a beat-driven sweep claims due ones (FOR UPDATE SKIP LOCKED), marks them sending, commits,
then sends. A failed method makes the person's next rule due at once (falls through). An attempt
left "sending" by a killed worker is never re-sent blindly: it fails as interrupted and falls
through, so nobody is paged twice by the same method.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import re
import secrets
import socket
from datetime import datetime, timedelta
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.live import broadcast_on_commit
from accounts.models import Organization, User

from .. import senders
from ..ack_links import ack_url
from ..models import (
    Alert,
    AlertSource,
    AlertStatus,
    AttemptStatus,
    ContactMethod,
    ContactMethodKind,
    NotificationAttempt,
    NotificationRule,
)
from .alerts import log

logger = logging.getLogger(__name__)

SENDING_LEASE = timedelta(minutes=5)
_PHONE = re.compile(r"^\+[1-9]\d{6,14}$")


# --- contact methods and rules ------------------------------------------------------------------------


def _check_address(kind: str, address: str) -> str:
    address = address.strip()
    try:
        if kind == ContactMethodKind.EMAIL:
            EmailValidator()(address)
        elif kind == ContactMethodKind.SMS:
            if not _PHONE.match(address):
                raise ValidationError("")
        elif kind in (ContactMethodKind.SLACK, ContactMethodKind.TEAMS, ContactMethodKind.WEBHOOK):
            URLValidator(schemes=["https", "http"])(address)
    except ValidationError:
        messages = {
            ContactMethodKind.EMAIL: _("Enter an e-mail address such as name@example.com."),
            ContactMethodKind.SMS: _("Enter a phone number in international format, such as +33612345678."),
        }
        raise ValidationError({"address": messages.get(kind, _("Enter the webhook's full web address (https://...)."))}) from None
    if kind in (ContactMethodKind.SLACK, ContactMethodKind.TEAMS, ContactMethodKind.WEBHOOK):
        _public_address(address)
    return "" if kind == ContactMethodKind.IN_APP else address


def _public_address(url: str) -> None:
    """Our workers post to webhook addresses: one organization must not make them reach internal
    services. Private addresses are allowed where channel addresses are (development, the sandbox)."""
    if settings.ALLOW_PRIVATE_CHANNEL_ADDRESSES:
        return
    host = urlsplit(url).hostname or ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        raise ValidationError({"address": _("%(host)s could not be found: check the address.") % {"host": host}}) from None
    if any(not ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        raise ValidationError({"address": _("%(url)s points inside a private network: Vigie only posts to public "
                                            "addresses.") % {"url": url}})


@transaction.atomic
def contact_method_create(*, organization: Organization, user: User, kind: str, address: str = "",
                          label: str = "") -> ContactMethod:
    if kind not in ContactMethodKind.values:
        raise ValidationError({"kind": _("Unknown kind of contact method.")})
    secret = secrets.token_hex(32) if kind == ContactMethodKind.WEBHOOK else ""
    return ContactMethod.objects.create(organization=organization, user=user, kind=kind,
                                        address=_check_address(kind, address), label=label, secret=secret)


@transaction.atomic
def contact_method_delete(*, method: ContactMethod, actor: User) -> None:
    method.delete()


@transaction.atomic
def notification_rule_create(*, organization: Organization, user: User, contact_method: ContactMethod,
                             delay_minutes: int) -> NotificationRule:
    if contact_method.organization_id != organization.pk or contact_method.user_id != user.pk:
        raise ValidationError({"contact_method_id": _("Choose one of your own contact methods.")})
    if not isinstance(delay_minutes, int) or not 0 <= delay_minutes <= 240:
        raise ValidationError({"delay_minutes": _("The delay is between 0 and 240 minutes.")})
    return NotificationRule.objects.create(organization=organization, user=user, contact_method=contact_method,
                                           delay_minutes=delay_minutes)


@transaction.atomic
def notification_rule_delete(*, rule: NotificationRule, actor: User) -> None:
    rule.delete()


# --- what people are told -------------------------------------------------------------------------


def _notice(*, alert: Alert | None, user: User, organization: Organization) -> senders.Notice:
    language = user.language or organization.language
    with translation.override(language):
        if alert is None:
            return senders.Notice(
                subject=_("Vigie test notification"),
                text=_("This is a test: your contact method works."),
                url=_absolute(reverse("contact-methods", kwargs={"organization_slug": organization.slug})),
                ack_url="", ack_label=_("Acknowledge"), severity="low", alert_id=None)
        if alert.source == AlertSource.CRISIS_DECLARED:
            # Joining the room is the acknowledgment: the notice links there and has no ack link.
            return senders.Notice(
                subject=alert.title, text=_("%(organization)s: you are in the crisis cell. Join the crisis room.")
                % {"organization": organization.name},
                url=_absolute(alert_link(alert)), ack_url="", ack_label=_("Acknowledge"), severity=alert.severity,
                alert_id=alert.pk)
        return senders.Notice(
            subject=_("[%(severity)s] %(title)s") % {"severity": alert.get_severity_display(), "title": alert.title},
            text=_("%(organization)s: %(source)s. You are on call: acknowledge to stop the escalation.")
            % {"organization": organization.name, "source": alert.get_source_display()},
            url=_absolute(reverse("alert-detail", kwargs={"organization_slug": organization.slug, "pk": alert.pk})),
            ack_url=ack_url(alert_id=alert.pk, user_id=user.pk),
            ack_label=_("Acknowledge"), severity=alert.severity, alert_id=alert.pk)


def _absolute(path: str) -> str:
    return settings.PUBLIC_URL.rstrip("/") + path


def alert_link(alert: Alert) -> str:
    """Where a notice sends people: the alert's page, or the crisis room for a crisis notice."""
    if alert.source == AlertSource.CRISIS_DECLARED and (alert.data or {}).get("url"):
        return alert.data["url"]
    return reverse("alert-detail", kwargs={"organization_slug": alert.organization.slug, "pk": alert.pk})


def page_event(alert: Alert) -> dict:
    return {"type": "alert.page", "alert_id": alert.pk, "title": alert.title, "severity": alert.severity,
            "url": alert_link(alert)}


def plan_notifications(*, alert: Alert, user_ids: list[int], step_number: int, now: datetime,
                       rules_cache: dict | None = None) -> tuple[list[NotificationAttempt], list[tuple[int, str, dict]]]:
    """For an escalation step: each person's attempts (unsaved) and the in-app pages to push.

    In the app at once, recorded as sent: the caller saves the attempts and broadcasts the pages
    once its transaction commits (a sweep does a whole batch in one statement and one trip).
    Later rules wait as pending attempts for the notification sweep. `rules_cache` keeps people's
    rules for one sweep.
    """
    rules_cache = {} if rules_cache is None else rules_cache
    missing = [user_id for user_id in user_ids if (alert.organization_id, user_id) not in rules_cache]
    if missing:
        for user_id in missing:
            rules_cache[(alert.organization_id, user_id)] = []
        for rule in (NotificationRule.objects.for_organization(alert.organization_id).filter(user_id__in=missing)
                     .select_related("contact_method").order_by("delay_minutes", "pk")):
            rules_cache[(alert.organization_id, rule.user_id)].append(rule)
    attempts, events = [], []
    for user_id in user_ids:
        # In the app at once, always: it costs nothing and every open page shows it.
        attempts.append(NotificationAttempt(organization_id=alert.organization_id, alert=alert, user_id=user_id,
                                            kind=ContactMethodKind.IN_APP, step_number=step_number, due_at=now,
                                            status=AttemptStatus.SENT, attempted_at=now))
        events.append((alert.organization_id, f"user.{user_id}", page_event(alert)))
        for rule in rules_cache[(alert.organization_id, user_id)]:
            if rule.contact_method.kind == ContactMethodKind.IN_APP:
                continue
            attempts.append(NotificationAttempt(
                organization_id=alert.organization_id, alert=alert, user_id=user_id, contact_method=rule.contact_method,
                kind=rule.contact_method.kind, step_number=step_number,
                due_at=now + timedelta(minutes=rule.delay_minutes)))
    return attempts, events


# --- delivery -----------------------------------------------------------------------------------


def _claim(now: datetime, attempt_id: int | None = None, organization_id: int | None = None) -> NotificationAttempt | None:
    with transaction.atomic():
        due = NotificationAttempt.objects.unscoped().select_for_update(skip_locked=True, of=("self",)).filter(
            status=AttemptStatus.PENDING, due_at__lte=now)
        if organization_id is not None:
            due = due.filter(organization_id=organization_id)
        if attempt_id is not None:
            due = due.filter(pk=attempt_id)
        attempt = due.select_related("alert", "contact_method", "user", "organization").order_by("due_at", "pk").first()
        if attempt is None:
            return None
        if attempt.alert is not None and not _still_wanted(attempt):
            attempt.status, attempt.attempted_at = AttemptStatus.SKIPPED, now
            attempt.save(update_fields=["status", "attempted_at"])
            return attempt
        attempt.status, attempt.attempted_at = AttemptStatus.SENDING, now
        attempt.save(update_fields=["status", "attempted_at"])
        return attempt


def _still_wanted(attempt: NotificationAttempt) -> bool:
    """A page stops when its alert is acknowledged; a crisis notice when its person joins the room."""
    if attempt.alert.source == AlertSource.CRISIS_DECLARED:
        from .cell_notices import notice_wanted

        return notice_wanted(alert=attempt.alert, user_id=attempt.user_id)
    return attempt.alert.status == AlertStatus.TRIGGERED


def _send(attempt: NotificationAttempt) -> None:
    method = attempt.contact_method
    if method is None:
        raise senders.DeliveryFailed("the contact method was deleted")
    notice = _notice(alert=attempt.alert, user=attempt.user, organization=attempt.organization)
    if method.kind == ContactMethodKind.EMAIL:
        senders.send_email(method.address, notice)
    elif method.kind == ContactMethodKind.SMS:
        senders.send_sms(method.address, notice)
    elif method.kind == ContactMethodKind.SLACK:
        senders._post(method.address, body=json.dumps(senders.slack_payload(notice)).encode(), headers={})
    elif method.kind == ContactMethodKind.TEAMS:
        senders._post(method.address, body=json.dumps(senders.teams_payload(notice)).encode(), headers={})
    elif method.kind == ContactMethodKind.WEBHOOK:
        senders.send_signed_json(method.address, method.secret, notice)
    elif method.kind == ContactMethodKind.IN_APP:
        broadcast_on_commit(organization_id=attempt.organization_id, topic=f"user.{attempt.user_id}",
                            event={"type": "alert.test", "title": notice.subject, "text": notice.text})


@transaction.atomic
def _finish(attempt: NotificationAttempt, *, error: str, now: datetime) -> NotificationAttempt:
    attempt.status = AttemptStatus.FAILED if error else AttemptStatus.SENT
    attempt.error = error[:500]
    attempt.save(update_fields=["status", "error"])
    if attempt.alert_id is None:
        return attempt
    log(attempt.alert, "notified", at=now, kind=attempt.kind, users=[attempt.user_id],
        outcome="failed" if error else "sent", error=error)
    if error:
        _fall_through(attempt, now)
    return attempt


def _fall_through(attempt: NotificationAttempt, now: datetime) -> None:
    """The person's next waiting rule for this step becomes due now."""
    following = (NotificationAttempt.objects.for_organization(attempt.organization_id)
                 .filter(alert_id=attempt.alert_id, step_number=attempt.step_number, user_id=attempt.user_id,
                         status=AttemptStatus.PENDING, due_at__gt=now).order_by("due_at", "pk").first())
    if following is not None:
        following.due_at = now
        following.save(update_fields=["due_at"])


def attempt_deliver(*, now: datetime | None = None, attempt_id: int | None = None,
                    organization_id: int | None = None) -> NotificationAttempt | None:
    """Claim one due attempt (or the given one), send it, record the outcome."""
    now = now or timezone.now()
    attempt = _claim(now, attempt_id, organization_id)
    if attempt is None or attempt.status == AttemptStatus.SKIPPED:
        return attempt
    try:
        with transaction.atomic():
            _send(attempt)
    except senders.DeliveryFailed as error:
        return _finish(attempt, error=str(error), now=now)
    return _finish(attempt, error="", now=now)


def notifications_deliver_due(*, now: datetime | None = None, limit: int = 200,
                              organization_id: int | None = None) -> int:
    """`organization_id` delivers that organization's only (a drill on its simulated clock)."""
    if organization_id is None:
        interrupted_notifications_fail(now=now)
    delivered = 0
    while delivered < limit:
        if attempt_deliver(now=now, organization_id=organization_id) is None:
            break
        delivered += 1
    return delivered


def interrupted_notifications_fail(*, now: datetime | None = None) -> int:
    now = now or timezone.now()
    stuck = list(NotificationAttempt.objects.unscoped().filter(
        status=AttemptStatus.SENDING, attempted_at__lt=now - SENDING_LEASE).select_related("alert"))
    for attempt in stuck:
        _finish(attempt, error="interrupted while sending: it may or may not have arrived", now=now)
    return len(stuck)


def contact_method_test(*, method: ContactMethod, actor: User) -> NotificationAttempt:
    """The test button: send a test through this method now and say how it went."""
    if method.user_id != actor.pk:
        raise ValidationError(_("You can only test your own contact methods."))
    now = timezone.now()
    attempt = NotificationAttempt.objects.create(organization_id=method.organization_id, user=actor,
                                                 contact_method=method, kind=method.kind, due_at=now)
    return attempt_deliver(now=now, attempt_id=attempt.pk)
