"""The poll task and bursts: when a page limit cuts a read short, the channel is polled again at once
(not at the next beat tick), while staying claimed, until the burst is read in full."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.credentials import encrypt_credentials
from inbox.models import Channel, Message
from inbox.services import channels as channel_services
from inbox.tasks import POLL_LEASE, poll_channel
from tests.factories import ChannelFactory, OrganizationFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def requeued(monkeypatch):
    queued: list[int] = []
    monkeypatch.setattr(poll_channel, "delay", queued.append)
    return queued


@pytest.fixture
def x_channel(sandbox):
    config = sandbox.config()["x"]
    return ChannelFactory(
        organization=OrganizationFactory(slug="bursts"), platform="x", external_account_id=config["user_id"],
        handle="@vigie_brand", credentials_encrypted=encrypt_credentials({"bearer_token": "t"}),
        connection={"base_url": sandbox.base_url, "timeout": 3.0, "username": config["username"],
                    "page_size": 5, "page_limit": 2},
        next_poll_at=timezone.now())


def stored(channel) -> list[str]:
    return list(Message.objects.for_organization(channel.organization_id).filter(channel=channel)
                .values_list("external_id", flat=True))


def test_a_burst_larger_than_one_poll_is_read_at_once_by_requeued_polls(x_channel, sandbox, requeued):
    sandbox.inject_x_mention("@vigie_brand before the storm")
    assert poll_channel(x_channel.pk) == 1 and requeued == []

    mentions = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand storm {n}", "author": f"p{n % 11}"}
                                                     for n in range(60)])
    dms = sandbox.inject_many("x", "dms", [{"text": f"help {n}", "sender": f"d{n % 13}"} for n in range(40)])

    before = timezone.now()
    assert poll_channel(x_channel.pk) > 0
    assert requeued == [x_channel.pk]
    x_channel.refresh_from_db()
    # Still claimed while the next poll is queued: a beat tick does not take the channel meanwhile.
    assert x_channel.next_poll_at >= before + POLL_LEASE - timedelta(seconds=5)
    assert channel_services.channels_claim_due(now=timezone.now(), limit=10, lease=POLL_LEASE) == []

    polls = 1
    while requeued:
        requeued.pop()
        poll_channel(x_channel.pk)
        polls += 1
        assert polls < 30

    messages = stored(x_channel)
    assert sorted(messages) == sorted({*messages}) and set(messages) >= {*mentions, *dms}
    assert len(messages) == 101
    x_channel.refresh_from_db()
    assert x_channel.next_poll_at > timezone.now() + timedelta(seconds=x_channel.poll_interval_seconds - 5)
    assert polls >= 6  # 100 items, at most 2 pages of 5 per stream per poll


def test_a_channel_claimed_by_beat_meanwhile_is_not_queued_twice(x_channel, sandbox, requeued, monkeypatch):
    sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand {n}"} for n in range(30)])
    real = channel_services.channel_poll_succeeded

    def and_beat_claims_it(**kwargs):
        real(**kwargs)
        channel_services.channels_claim_due(now=timezone.now(), limit=10, lease=POLL_LEASE)

    monkeypatch.setattr(channel_services, "channel_poll_succeeded", and_beat_claims_it)
    poll_channel(x_channel.pk)

    assert requeued == []  # beat's own claim enqueues it: one poll at a time per channel
    assert Channel.objects.unscoped().get(pk=x_channel.pk).next_poll_at > timezone.now()
