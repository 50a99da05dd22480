"""Channels: connecting brand accounts, and keeping their health honest.

An expired token or an exhausted quota is not a log line: it changes the channel's status, says
why in words an admin can act on, and is handed to the health listeners (the crisis app pages
someone). Reconnecting resumes polling from the stored cursor, so what was missed is back-filled.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext

from accounts.live import broadcast_on_commit
from accounts.models import Organization, User

from ..connectors.base import AccountInfo
from ..credentials import decrypt_credentials, encrypt_credentials
from ..models import Channel, ChannelStatus, Platform

HealthListener = Callable[[Channel, str, str], None]  # channel, new status, reason
_health_listeners: list[HealthListener] = []

MAX_BACKOFF = timedelta(minutes=15)
# Failed polls in a row (server errors, timeouts; about ten minutes with the backoff) after which a
# channel is shown as degraded: an outage worth telling people about, not a blip.
DEGRADED_AFTER_FAILURES = 5


def register_health_listener(listener: HealthListener) -> None:
    if listener not in _health_listeners:
        _health_listeners.append(listener)


def connector_settings(channel: Channel) -> dict[str, Any]:
    """The connector's options: the channel's own, over the platform's base URL from settings."""
    options = {"base_url": settings.PLATFORM_BASE_URLS.get(channel.platform, "")}
    options.update(channel.connection or {})
    options.setdefault("account_id", channel.external_account_id)
    return options


def connector_for_channel(channel: Channel):
    from ..connectors.registry import connector_for

    return connector_for(channel.platform, credentials=decrypt_credentials(channel.credentials_encrypted),
                         settings=connector_settings(channel))


def _health_changed(channel: Channel, reason: str) -> None:
    # Every open page shows it (static/js/channel-health.js), so the event names the channel too.
    broadcast_on_commit(organization_id=channel.organization_id, topic="inbox",
                        event={"type": "channel.health", "channel_id": channel.pk, "status": channel.status,
                               "reason": reason, "handle": channel.handle,
                               "platform": channel.get_platform_display()})
    for listener in _health_listeners:
        transaction.on_commit(lambda listener=listener: listener(channel, channel.status, reason))


def _set_status(channel: Channel, status: str, reason: str, *, now: datetime) -> list[str]:
    changed = channel.status != status
    channel.status = status
    channel.status_reason = reason
    if changed:
        channel.status_changed_at = now
    return ["status", "status_reason", "status_changed_at"]


def _account_taken_elsewhere() -> ValidationError:
    # Names no organization: which one holds an account is another tenant's business.
    return ValidationError(gettext(
        "This brand account is already connected in another organization on this installation. An account "
        "belongs to one organization only: if it should be yours, ask the platform's account owner."),
        code="account_taken")


@transaction.atomic
def channel_connect(*, organization: Organization, platform: str, credentials: dict[str, Any],
                    connection: dict[str, Any] | None, actor: User, confirmed_brand_account: bool,
                    account: AccountInfo | None = None, replace_credentials: bool = False) -> Channel:
    """Connect a brand account. `account` is what the platform said about the credentials.

    An account this organization already has is only given new credentials when
    `replace_credentials` says the admin confirmed it (see `channel_reconnect_checked`)."""
    if platform not in Platform.values:
        raise ValidationError(gettext("Unknown platform “%(platform)s”.") % {"platform": platform})
    if not confirmed_brand_account:
        raise ValidationError(
            gettext("Confirm that this is a brand account, not a personal one: Vigie posts in the brand's name.")
        )
    if account is None:
        raise ValidationError(gettext("The credentials were not checked with the platform."))
    same_account = Channel.objects.unscoped().filter(platform=platform, external_account_id=account.external_id)
    if platform != Platform.WEB and same_account.exclude(organization=organization).exists():
        raise _account_taken_elsewhere()
    existing = same_account.filter(organization=organization).select_for_update().first()
    if existing is not None and not replace_credentials:
        raise ValidationError(gettext(
            "%(channel)s is already connected here. To give it new credentials, open the channel and use "
            "“Reconnect with new credentials”.") % {"channel": existing}, code="already_connected")
    try:
        # A savepoint: another organization connecting the same account at the same moment loses on
        # the database's unique constraint, and gets the same answer as above.
        with transaction.atomic():
            channel, _ = Channel.objects.for_organization(organization).update_or_create(
                organization=organization, platform=platform, external_account_id=account.external_id,
                defaults={
                    "handle": account.handle, "display_name": account.name, "avatar_url": account.avatar_url[:500],
                    "credentials_encrypted": encrypt_credentials(credentials), "connection": connection or {},
                    "confirmed_brand_account_by": actor, "status": ChannelStatus.HEALTHY, "status_reason": "",
                    "status_changed_at": timezone.now(), "next_poll_at": timezone.now(), "consecutive_failures": 0,
                },
            )
    except IntegrityError:
        raise _account_taken_elsewhere() from None
    _health_changed(channel, "connected")
    return channel


@transaction.atomic
def channel_set_paused(*, channel: Channel, paused: bool) -> Channel:
    now = timezone.now()
    fields = _set_status(channel, ChannelStatus.DISABLED if paused else ChannelStatus.HEALTHY,
                         "Paused by an admin." if paused else "", now=now)
    if not paused:
        channel.next_poll_at = now
        fields.append("next_poll_at")
    channel.save(update_fields=fields)
    _health_changed(channel, channel.status_reason or "resumed")
    return channel


def channel_poll_succeeded(*, channel: Channel, cursor: dict[str, Any], more_waiting: bool,
                           now: datetime | None = None) -> None:
    now = now or timezone.now()
    # The status as it is now: an admin may have paused the channel while this poll ran.
    channel.status = Channel.objects.unscoped().filter(pk=channel.pk).values_list("status", flat=True).first()
    was_unhealthy = channel.status != ChannelStatus.HEALTHY
    channel.poll_cursor = cursor
    channel.last_polled_at = now
    channel.last_poll_error = ""
    channel.consecutive_failures = 0
    channel.rate_limit_reset_at = None
    # A full page means more is waiting (a back-fill after reconnecting): come back at once.
    channel.next_poll_at = now if more_waiting else now + timedelta(seconds=channel.poll_interval_seconds)
    fields = ["poll_cursor", "last_polled_at", "last_poll_error", "consecutive_failures", "rate_limit_reset_at",
              "next_poll_at"]
    if was_unhealthy and channel.status != ChannelStatus.DISABLED:
        fields += _set_status(channel, ChannelStatus.HEALTHY, "", now=now)
    channel.save(update_fields=fields)
    if was_unhealthy and channel.status == ChannelStatus.HEALTHY:
        _health_changed(channel, "healthy again")


@transaction.atomic
def channel_rate_limited(*, channel: Channel, reset_at: datetime, message: str) -> None:
    now = timezone.now()
    fields = _set_status(channel, ChannelStatus.RATE_LIMITED, message, now=now)
    channel.rate_limit_reset_at = reset_at
    # Never sleep in a task: the beat tick picks the channel up again at the reset time.
    channel.next_poll_at = max(reset_at, now + timedelta(seconds=1))
    channel.last_poll_error = message
    channel.save(update_fields=[*fields, "rate_limit_reset_at", "next_poll_at", "last_poll_error"])
    _health_changed(channel, message)


@transaction.atomic
def channel_needs_reconnect(*, channel: Channel, message: str) -> None:
    now = timezone.now()
    fields = _set_status(channel, ChannelStatus.NEEDS_RECONNECT, message, now=now)
    channel.last_poll_error = message
    channel.next_poll_at = None
    channel.save(update_fields=[*fields, "last_poll_error", "next_poll_at"])
    _health_changed(channel, message)


def backoff_delay(failures: int, *, base_seconds: int = 30) -> timedelta:
    """Exponential backoff with full jitter, capped, so that a platform outage is not hammered."""
    ceiling = min(MAX_BACKOFF.total_seconds(), base_seconds * 2 ** min(failures, 10))
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))


@transaction.atomic
def channel_poll_failed(*, channel: Channel, message: str) -> None:
    now = timezone.now()
    channel.consecutive_failures += 1
    channel.last_poll_error = message
    channel.next_poll_at = now + backoff_delay(channel.consecutive_failures)
    fields = ["consecutive_failures", "last_poll_error", "next_poll_at"]
    # The status as it is now: an admin may have paused the channel while this poll ran.
    channel.status = Channel.objects.unscoped().filter(pk=channel.pk).values_list("status", flat=True).first()
    degrading = (channel.consecutive_failures >= DEGRADED_AFTER_FAILURES
                 and channel.status in (ChannelStatus.HEALTHY, ChannelStatus.RATE_LIMITED))
    if degrading:
        # What happens next is said where it is shown (inbox/_channel_health.html), in each person's language.
        fields += _set_status(channel, ChannelStatus.DEGRADED, (
            f"{channel.get_platform_display()} failed {channel.consecutive_failures} times in a row: {message}"),
            now=now)
    channel.save(update_fields=fields)
    if degrading:
        _health_changed(channel, channel.status_reason)


# -- connecting, testing, removing (pages and API call these) ------------------------------------


def _check_with_platform(connector, *, which: str = "these credentials") -> AccountInfo:
    """Ask the platform who these credentials belong to, in words an admin can act on."""
    from ..connectors.base import ConnectorError, CredentialsRevoked, PlatformUnavailable, RateLimited

    try:
        return connector.check_credentials()
    except CredentialsRevoked as error:
        refused = (gettext("The platform refused the stored credentials: %(error)s") if which == "the stored credentials"
                   else gettext("The platform refused these credentials: %(error)s"))
        raise ValidationError(refused % {"error": error}) from error
    except RateLimited as error:
        raise ValidationError(gettext("The platform is rate-limiting us; try again after %(time)s.") % {
            "time": date_format(timezone.localtime(error.reset_at), "H:i")}) from error
    except PlatformUnavailable as error:
        raise ValidationError(gettext("The platform could not be reached, try again in a moment: %(error)s") % {
            "error": error}) from error
    except ConnectorError as error:
        raise ValidationError(str(error)) from error


def _connector_checked(*, platform: str, credentials: dict[str, Any], connection: dict[str, Any] | None) -> AccountInfo:
    from ..connectors.registry import connector_for

    options = {"base_url": settings.PLATFORM_BASE_URLS.get(platform, "")}
    options.update(connection or {})
    try:
        connector = connector_for(platform, credentials=credentials, settings=options)
    except (KeyError, TypeError, ValueError) as error:
        raise ValidationError(gettext("Some connection details are missing or wrong: %(error)s") % {
            "error": error}) from error
    return _check_with_platform(connector)


def channel_connect_checked(*, organization: Organization, platform: str, credentials: dict[str, Any],
                            connection: dict[str, Any] | None, actor: User,
                            confirmed_brand_account: bool) -> Channel:
    """Check the credentials with the platform, then connect the brand account.

    The network call happens outside any transaction: a slow platform must not hold a row lock."""
    if not confirmed_brand_account:
        raise ValidationError(
            gettext("Confirm that this is a brand account, not a personal one: Vigie posts in the brand's name.")
        )
    account = _connector_checked(platform=platform, credentials=credentials, connection=connection)
    return channel_connect(organization=organization, platform=platform, credentials=credentials,
                           connection=connection, actor=actor, confirmed_brand_account=True, account=account)


def channel_reconnect_checked(*, channel: Channel, credentials: dict[str, Any], connection: dict[str, Any] | None,
                              actor: User, confirmed_brand_account: bool, confirmed_replacement: bool) -> Channel:
    """Replace a channel's credentials (and connection settings) once the admin confirmed it, and
    only with credentials the platform says are for the very same account: new credentials for
    another account would silently turn this channel, its conversations and its history into
    someone else's."""
    if not confirmed_replacement:
        raise ValidationError(gettext("Confirm that the new credentials replace those stored for %(channel)s.")
                              % {"channel": channel}, code="confirm_replacement")
    if not confirmed_brand_account:
        raise ValidationError(
            gettext("Confirm that this is a brand account, not a personal one: Vigie posts in the brand's name.")
        )
    account = _connector_checked(platform=channel.platform, credentials=credentials, connection=connection)
    if account.external_id != channel.external_account_id:
        raise ValidationError(gettext(
            "These credentials are for %(other)s, not for %(channel)s: nothing was changed. Enter the "
            "credentials of %(channel)s, or connect %(other)s as a new channel.")
            % {"other": account.handle or account.external_id, "channel": channel.handle}, code="other_account")
    return channel_connect(organization=channel.organization, platform=channel.platform, credentials=credentials,
                           connection=connection, actor=actor, confirmed_brand_account=True, account=account,
                           replace_credentials=True)


def channel_test_connection(*, channel: Channel) -> AccountInfo:
    """Call the platform with the stored credentials. A revoked token also flags the channel, so the
    list shows what the test found."""
    from ..connectors.base import CredentialsRevoked
    from ..credentials import CredentialsUnreadable

    try:
        connector = connector_for_channel(channel)
    except CredentialsUnreadable as error:
        channel_needs_reconnect(channel=channel, message=str(error))
        raise ValidationError(str(error)) from error
    try:
        return _check_with_platform(connector, which="the stored credentials")
    except ValidationError as error:
        if isinstance(error.__cause__, CredentialsRevoked):
            channel_needs_reconnect(channel=channel, message=str(error.__cause__))
        raise


@transaction.atomic
def channel_remove(*, channel: Channel, actor: User) -> None:
    """Remove the channel with its conversations: the credentials are forgotten with it."""
    organization_id, channel_id = channel.organization_id, channel.pk
    channel.delete()
    broadcast_on_commit(organization_id=organization_id, topic="inbox",
                        event={"type": "channel.removed", "channel_id": channel_id})


def channels_claim_due(*, now: datetime, limit: int, lease: timedelta) -> list[int]:
    """Claim up to `limit` due channels for polling, across organizations.

    SKIP LOCKED lets several beat ticks or schedulers claim at once without ever taking the same
    channel; the lease (next_poll_at pushed ahead) keeps it claimed after the transaction commits,
    and frees it again if the worker that polls it dies."""
    with transaction.atomic():
        due = list(
            Channel.objects.unscoped()  # one tick for every organization
            .select_for_update(skip_locked=True)
            .filter(status__in=[ChannelStatus.HEALTHY, ChannelStatus.DEGRADED, ChannelStatus.RATE_LIMITED],
                    next_poll_at__lte=now)
            .order_by("next_poll_at")[:limit]
        )
        for channel in due:
            channel.next_poll_at = now + lease
        Channel.objects.unscoped().bulk_update(due, ["next_poll_at"])
    return [channel.pk for channel in due]
