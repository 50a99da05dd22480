"""A channel that keeps failing is shown as degraded, on every page, until it answers again."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from inbox.models import Channel, ChannelStatus, DeliveryState, Message
from inbox.services import channels as channel_services
from inbox.tasks import poll_channel, send_message
from tests.factories import ChannelFactory

from .test_tasks import _outbound, sandbox_channel

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def live_events(monkeypatch):
    sent = []
    monkeypatch.setattr(channel_services, "broadcast_on_commit", lambda **kwargs: sent.append(kwargs["event"]))
    return sent


def test_a_channel_failing_five_polls_in_a_row_is_degraded_then_healthy_again(org, sandbox, health_events,
                                                                              live_events):
    channel = sandbox_channel(org, sandbox)
    sandbox.fail("x", "error")  # X answers 500 until cleared

    for _ in range(channel_services.DEGRADED_AFTER_FAILURES - 1):
        poll_channel(channel.pk)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.HEALTHY and live_events == []  # a blip pages nobody

    poll_channel(channel.pk)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.DEGRADED
    assert "X failed 5 times in a row" in channel.status_reason and "500" in channel.status_reason
    assert health_events == [(channel.pk, ChannelStatus.DEGRADED, channel.status_reason)]
    assert live_events == [{"type": "channel.health", "channel_id": channel.pk, "status": "degraded",
                            "reason": channel.status_reason, "handle": channel.handle, "platform": "X"}]
    # Still polled (with its backoff): that is how it comes back.
    Channel.objects.unscoped().filter(pk=channel.pk).update(next_poll_at=timezone.now())
    assert channel.pk in channel_services.channels_claim_due(now=timezone.now(), limit=100,
                                                             lease=timezone.timedelta(minutes=1))
    poll_channel(channel.pk)
    assert len(live_events) == 1  # degraded once, not once per failure

    sandbox.clear("x")
    sandbox.inject_x_mention("@vigie_brand are you back?")
    assert poll_channel(channel.pk) == 1
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.HEALTHY and channel.status_reason == ""
    assert live_events[-1]["status"] == "healthy" and health_events[-1][1] == ChannelStatus.HEALTHY


def test_a_paused_channel_that_fails_stays_paused(org, sandbox):
    channel = sandbox_channel(org, sandbox)
    sandbox.fail("x", "error")
    for _ in range(channel_services.DEGRADED_AFTER_FAILURES - 1):
        poll_channel(channel.pk)
    Channel.objects.unscoped().filter(pk=channel.pk).update(status=ChannelStatus.DISABLED)
    channel_services.channel_poll_failed(channel=Channel.objects.unscoped().get(pk=channel.pk), message="boom")
    assert Channel.objects.unscoped().get(pk=channel.pk).status == ChannelStatus.DISABLED


def test_a_reply_given_up_says_it_was_not_posted_and_what_to_do(org, sandbox, unused_port):
    channel = sandbox_channel(org, sandbox)
    sandbox.inject_x_mention("@vigie_brand mon vol est annulé", author="camille")
    poll_channel(channel.pk)
    message = _outbound(channel, sandbox)
    # X unreachable (nothing listens there) on the fifth attempt.
    Channel.objects.unscoped().filter(pk=channel.pk).update(
        connection={**channel.connection, "base_url": f"http://127.0.0.1:{unused_port}"})
    Message.objects.unscoped().filter(pk=message.pk).update(attempts=4)

    assert send_message.apply(args=[message.pk]).get() == "failed"
    message.refresh_from_db()
    assert message.state == DeliveryState.FAILED and message.error_code == "unavailable"
    assert "will retry" not in message.error
    assert "Could not reach X while sending a reply." in message.error
    assert "tried 5 times and has stopped: this reply was not posted" in message.error
    assert f"Retry it once {channel.handle} is working again" in message.error
    assert sandbox.posted("x") == []


@pytest.fixture
def unused_port():
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_every_page_shows_the_channels_in_trouble_and_what_happens_next(client_for, agent, organization):
    degraded = ChannelFactory(organization=organization, handle="@airdemo", status=ChannelStatus.DEGRADED,
                              status_reason="X failed 5 times in a row: X is having trouble (503).")
    ChannelFactory(organization=organization, handle="@paused", status=ChannelStatus.DISABLED)
    ChannelFactory(organization=organization, handle="@fine")
    client = client_for(agent)

    for name in ("inbox", "team-list", "channel-list"):
        page = client.get(reverse(name, kwargs={"organization_slug": organization.slug})).content.decode()
        banner = page.split('id="channel-health"', 1)[1].split("</div>", 1)[0]
        assert "X @airdemo" in banner and "keeps failing" in banner and "catches up on what was missed" in banner
        assert "X failed 5 times in a row" in banner
        assert "@paused" not in banner and "@fine" not in banner

    inbox = client.get(reverse("inbox", kwargs={"organization_slug": organization.slug})).content.decode()
    assert f'data-channel-health="{degraded.pk}" title="X failed 5 times in a row' in inbox
    assert ">Degraded</span>" in inbox

    fragment = client.get(reverse("channel-health", kwargs={"organization_slug": organization.slug}))
    assert fragment.status_code == 200 and b"keeps failing" in fragment.content
    degraded.status = ChannelStatus.HEALTHY
    degraded.save()
    fragment = client.get(reverse("channel-health", kwargs={"organization_slug": organization.slug}))
    assert fragment.content.decode().strip() == ""


def test_the_banner_speaks_the_readers_language(client_for, agent, organization):
    ChannelFactory(organization=organization, handle="@airdemo", status=ChannelStatus.NEEDS_RECONNECT)
    agent.language = "fr"
    agent.save()
    page = client_for(agent).get(reverse("channel-health", kwargs={"organization_slug": organization.slug}),
                                 HTTP_ACCEPT_LANGUAGE="fr")
    assert "doit être reconnecté par un administrateur" in page.content.decode()
