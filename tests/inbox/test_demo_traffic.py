"""The demo's traffic reaches the inbox: generated items injected into the sandbox arrive after a poll."""

from __future__ import annotations

import random

import pytest

from inbox.demo_texts import MentionTextGenerator
from inbox.demo_traffic import DemoTraffic, crisis_storm_minute, demo_channels_connect
from inbox.models import Channel, Conversation, Message
from inbox.tasks import poll_channel


@pytest.fixture
def on_sandbox(settings, sandbox):
    settings.PLATFORM_SANDBOX_URL = sandbox.base_url
    settings.PLATFORM_BASE_URLS = {platform: sandbox.base_url if platform != "web" else ""
                                   for platform in settings.PLATFORM_BASE_URLS}
    return sandbox


def test_demo_channels_connect_is_idempotent(organization, admin_user, on_sandbox):
    first = demo_channels_connect(organization, admin_user)
    again = demo_channels_connect(organization, admin_user)

    assert sorted(c.platform for c in first) == ["bluesky", "facebook", "instagram", "mastodon", "web", "x"]
    assert [c.pk for c in first] == [c.pk for c in again]
    assert Channel.objects.for_organization(organization).count() == 6


def test_generated_items_arrive_as_conversations_after_a_poll(organization, admin_user, on_sandbox):
    channels = {c.platform: c for c in demo_channels_connect(organization, admin_user)}
    traffic = DemoTraffic(on_sandbox, seed=7)
    injected = [traffic.x_mention(), traffic.x_mention(), traffic.thread_reply(), traffic.facebook_comment(),
                traffic.messenger_dm(), traffic.mastodon_mention()]

    for platform in ("x", "facebook", "mastodon"):
        poll_channel(channels[platform].pk)

    ids = set(Message.objects.for_organization(organization).values_list("external_id", flat=True))
    assert {item["id"] for item in injected} <= ids
    # The follow-up joined the thread it answers instead of opening a new conversation.
    reply = injected[2]
    parent = Message.objects.for_organization(organization).get(external_id=reply["in_reply_to"])
    assert Message.objects.for_organization(organization).get(external_id=reply["id"]).conversation_id == \
        parent.conversation_id
    assert Conversation.objects.for_organization(organization).count() == len(injected) - 1


def test_a_storm_minute_is_angry_and_spreading(organization, admin_user, on_sandbox):
    channels = {c.platform: c for c in demo_channels_connect(organization, admin_user)}
    ids = crisis_storm_minute(on_sandbox, MentionTextGenerator(seed=1), random.Random(1), minute=3, count=30)

    assert len(ids) == 30
    poll_channel(channels["x"].pk)
    x_messages = Message.objects.for_organization(organization).filter(channel=channels["x"])
    assert x_messages.count() == 24
    assert sum(m.conversation.reach for m in x_messages.select_related("conversation")) > 24 * 16
