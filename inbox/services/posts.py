"""Brand posts: a post of the brand account itself (not a reply), pinned where the platform allows.

The crisis cell publishes its approved statements through these functions; it keeps its own record
of each post (the fence that makes a publication exactly-once) and never touches a channel. What can
be posted and pinned where, checked against each platform's documented API:

- X: POST /2/tweets {"text"} → 201 {"data": {"id", "text"}}. The v2 API documents no way to pin a
  post to the profile: not pinnable (said so to the person, never pretended).
- Facebook Page: POST /{page-id}/feed with `message` → {"id": "<page>_<post>"}; pinned by updating
  the post (POST /{page-post-id} with `is_pinned=true` → {"success": true}).
- Mastodon: POST /api/v1/statuses (with an Idempotency-Key) → the Status; pinned with
  POST /api/v1/statuses/:id/pin (the instance caps pinned posts, usually at 5).
- Bluesky: an app.bsky.feed.post record (com.atproto.repo.createRecord); pinning means rewriting the
  profile record's `pinnedPost`, not wired yet: posted, not pinned, and said so.
- Instagram only publishes photos and videos; web monitoring is read-only: not publishable.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext as _

from ..connectors.base import (
    ConnectorError,
    CredentialsRevoked,
    LookupUnsupported,
    PinUnsupported,
    PlatformUnavailable,
    RateLimited,
    SendOutcomeUnknown,
    SendRefused,
)
from ..credentials import CredentialsUnreadable
from ..models import Channel, ChannelStatus
from . import channels as channel_services

# platform -> can pin (False: posts, but the platform offers no pinning through its API)
PUBLISHING_PLATFORMS = {"x": False, "facebook": True, "mastodon": True, "bluesky": False}


@dataclass(frozen=True)
class BrandPost:
    external_id: str
    url: str = ""
    found_by_lookup: bool = False


class PostFailed(Exception):
    """Nothing was posted (as far as the platform says). `str(error)` is the platform's reason in words
    a person can act on; `code` a short tag (credentials, rate_limited, refused, unavailable...)."""

    def __init__(self, message: str, *, code: str = "failed"):
        super().__init__(message)
        self.code = code


class PostOutcomeUnknown(PostFailed):
    """The platform may have published the post without answering: look it up before posting again."""


class PostLookupImpossible(PostFailed):
    """The platform cannot tell whether the post went out: a person has to check."""


@dataclass(frozen=True)
class PostChannel:
    id: int
    platform: str
    platform_label: str
    handle: str
    can_post: bool
    can_pin: bool
    note: str = ""

    @property
    def label(self) -> str:
        return f"{self.platform_label} {self.handle}"


def _note(platform: str) -> str:
    return {
        "x": _("X's API offers no way to pin a post: pin it by hand if needed."),
        "instagram": _("Instagram only publishes photos and videos."),
        "web": _("Web monitoring is read-only."),
        "bluesky": _("Pinning on Bluesky is not available yet: pin the post from the Bluesky app."),
    }.get(platform, "")


def brand_post_channels(*, organization) -> list[PostChannel]:
    """Every channel of the organization, saying whether a brand post can go out there and be pinned."""
    return [PostChannel(id=channel.pk, platform=channel.platform, platform_label=channel.get_platform_display(),
                        handle=channel.handle, can_post=channel.platform in PUBLISHING_PLATFORMS
                        and channel.status != ChannelStatus.DISABLED,
                        can_pin=PUBLISHING_PLATFORMS.get(channel.platform, False), note=_note(channel.platform))
            for channel in Channel.objects.for_organization(organization).order_by("platform", "handle")]


def _channel(organization_id: int, channel_id: int) -> Channel:
    channel = Channel.objects.for_organization(organization_id).filter(pk=channel_id).first()
    if channel is None:
        raise PostFailed(_("This channel no longer exists."), code="no_channel")
    if channel.platform not in PUBLISHING_PLATFORMS:
        raise PostFailed(_note(channel.platform) or _("This channel cannot publish posts."), code="unsupported")
    if channel.status == ChannelStatus.DISABLED:
        raise PostFailed(_("%(channel)s is paused by an admin: nothing is posted from it until it is resumed.")
                         % {"channel": channel.handle}, code="paused")
    return channel


def _connector(channel: Channel):
    try:
        return channel_services.connector_for_channel(channel)
    except CredentialsUnreadable as error:
        channel_services.channel_needs_reconnect(channel=channel, message=str(error))
        raise PostFailed(str(error), code="credentials") from error


def _translated(channel: Channel, error: ConnectorError) -> PostFailed:
    """One platform failure as the reason a person reads; channel health follows where it should."""
    if isinstance(error, SendOutcomeUnknown):
        return PostOutcomeUnknown(str(error), code="outcome_unknown")
    if isinstance(error, CredentialsRevoked):
        channel_services.channel_needs_reconnect(channel=channel, message=str(error))
        return PostFailed(str(error), code="credentials")
    if isinstance(error, RateLimited):
        channel_services.channel_rate_limited(channel=channel, reset_at=error.reset_at, message=str(error))
        return PostFailed(str(error), code="rate_limited")
    if isinstance(error, SendRefused):
        return PostFailed(str(error), code=error.code or "refused")
    if isinstance(error, LookupUnsupported):
        return PostLookupImpossible(str(error), code="lookup_impossible")
    if isinstance(error, PlatformUnavailable):
        return PostFailed(str(error), code="unavailable")
    return PostFailed(str(error), code="failed")


def brand_post_publish(*, organization_id: int, channel_id: int, text: str, idempotency_key: str) -> BrandPost:
    """Post `text` as the brand on the channel, once. Raises PostFailed (nothing posted),
    PostOutcomeUnknown (maybe posted: look it up with `brand_post_find` before trying again)."""
    channel = _channel(organization_id, channel_id)
    connector = _connector(channel)
    try:
        sent = connector.publish_post(text=text, idempotency_key=idempotency_key)
    except ConnectorError as error:
        raise _translated(channel, error) from error
    return BrandPost(external_id=sent.external_id, url=sent.url)


def brand_post_find(*, organization_id: int, channel_id: int, text: str, since: datetime) -> BrandPost | None:
    """Our post with this text since `since`, or None when the platform shows none. Raises
    PostLookupImpossible when the platform cannot tell, PostFailed when it cannot be asked now.
    Where the platform honours idempotency keys (Mastodon) it answers None: posting again is harmless."""
    channel = _channel(organization_id, channel_id)
    connector = _connector(channel)
    try:
        sent = connector.find_post(text=text, since=since)
    except ConnectorError as error:
        raise _translated(channel, error) from error
    return BrandPost(external_id=sent.external_id, url=sent.url, found_by_lookup=True) if sent else None


def brand_post_pin(*, organization_id: int, channel_id: int, external_id: str) -> tuple[bool, str]:
    """Pin the post where the platform allows: (pinned, why not in words a person can act on)."""
    channel = _channel(organization_id, channel_id)
    if not PUBLISHING_PLATFORMS.get(channel.platform):
        return False, _note(channel.platform)
    connector = _connector(channel)
    try:
        connector.pin_post(external_id=external_id)
    except PinUnsupported as error:
        return False, str(error)
    except ConnectorError as error:
        return False, str(_translated(channel, error))
    return True, ""
