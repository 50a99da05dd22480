"""Brand posts through the connectors and the sandbox over HTTP: posting, looking up, pinning, and the
platforms' refusals in words a person can act on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from inbox.models import ChannelStatus
from inbox.services import posts
from tests.inbox.test_tasks import sandbox_channel

pytestmark = pytest.mark.django_db


def test_x_posts_without_answering_anyone_and_says_it_cannot_pin(org, sandbox):
    channel = sandbox_channel(org, sandbox, "x")
    since = timezone.now() - timedelta(seconds=5)
    post = posts.brand_post_publish(organization_id=org.pk, channel_id=channel.pk, text="We are on it.",
                                    idempotency_key="k1")
    assert post.url == f"https://x.com/{sandbox.config()['x']['username']}/status/{post.external_id}"
    [sent] = sandbox.posted("x")
    assert sent["text"] == "We are on it." and sent["in_reply_to_tweet_id"] == ""
    found = posts.brand_post_find(organization_id=org.pk, channel_id=channel.pk, text="We are on it.", since=since)
    assert found.external_id == post.external_id and found.found_by_lookup
    assert posts.brand_post_find(organization_id=org.pk, channel_id=channel.pk, text="Other words", since=since) is None
    pinned, note = posts.brand_post_pin(organization_id=org.pk, channel_id=channel.pk, external_id=post.external_id)
    assert not pinned and "no way to pin" in note
    # X refuses the same text twice (duplicate content): said in X's words, nothing posted twice.
    with pytest.raises(posts.PostFailed, match="duplicate") as refused:
        posts.brand_post_publish(organization_id=org.pk, channel_id=channel.pk, text="We are on it.",
                                 idempotency_key="k2")
    assert refused.value.code == "duplicate" and len(sandbox.posted("x")) == 1


def test_facebook_posts_on_the_page_feed_and_pins_the_post(org, sandbox):
    channel = sandbox_channel(org, sandbox, "facebook")
    since = timezone.now() - timedelta(seconds=5)
    post = posts.brand_post_publish(organization_id=org.pk, channel_id=channel.pk, text="Holding line", idempotency_key="k")
    assert post.external_id.startswith(sandbox.config()["facebook"]["page_id"] + "_")
    assert posts.brand_post_find(organization_id=org.pk, channel_id=channel.pk, text="Holding line",
                                 since=since).external_id == post.external_id
    assert posts.brand_post_pin(organization_id=org.pk, channel_id=channel.pk, external_id=post.external_id) == (True, "")
    assert [p["kind"] for p in sandbox.posted("facebook")] == ["post", "pin"]
    pinned, note = posts.brand_post_pin(organization_id=org.pk, channel_id=channel.pk, external_id="123_404")
    assert not pinned and "does not exist" in note


def test_mastodon_repeats_with_the_same_key_answer_the_first_status_and_pins_are_capped(org, sandbox):
    channel = sandbox_channel(org, sandbox, "mastodon")
    first = posts.brand_post_publish(organization_id=org.pk, channel_id=channel.pk, text="On it", idempotency_key="same")
    again = posts.brand_post_publish(organization_id=org.pk, channel_id=channel.pk, text="On it", idempotency_key="same")
    assert first.external_id == again.external_id and len(sandbox.posted("mastodon")) == 1
    for n in range(5):
        post = posts.brand_post_publish(organization_id=org.pk, channel_id=channel.pk, text=f"Update {n}",
                                        idempotency_key=f"k{n}")
        assert posts.brand_post_pin(organization_id=org.pk, channel_id=channel.pk, external_id=post.external_id)[0]
    pinned, note = posts.brand_post_pin(organization_id=org.pk, channel_id=channel.pk, external_id=first.external_id)
    assert not pinned and "maximum number" in note


def test_a_revoked_token_fails_the_post_and_asks_for_a_reconnection(org, sandbox):
    channel = sandbox_channel(org, sandbox, "mastodon")
    sandbox.fail("mastodon", "revoked", times=1, path="/api/v1/statuses")
    with pytest.raises(posts.PostFailed, match="reconnect") as failed:
        posts.brand_post_publish(organization_id=org.pk, channel_id=channel.pk, text="On it", idempotency_key="k")
    assert failed.value.code == "credentials"
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT


def test_a_server_error_while_posting_means_the_outcome_is_unknown(org, sandbox):
    channel = sandbox_channel(org, sandbox, "x")
    sandbox.fail("x", "error", times=1, path="^/2/tweets$")
    with pytest.raises(posts.PostOutcomeUnknown):
        posts.brand_post_publish(organization_id=org.pk, channel_id=channel.pk, text="On it", idempotency_key="k")


def test_which_channels_can_post_and_pin(org, sandbox):
    for platform in ("x", "facebook", "mastodon", "instagram"):
        sandbox_channel(org, sandbox, platform)
    by_platform = {c.platform: c for c in posts.brand_post_channels(organization=org)}
    assert (by_platform["x"].can_post, by_platform["x"].can_pin) == (True, False)
    assert by_platform["facebook"].can_pin and by_platform["mastodon"].can_pin
    assert not by_platform["instagram"].can_post and "photos" in by_platform["instagram"].note
    with pytest.raises(posts.PostFailed, match="photos"):
        posts.brand_post_publish(organization_id=org.pk, channel_id=by_platform["instagram"].id, text="Hi",
                                 idempotency_key="k")


def test_bluesky_posts_and_says_it_does_not_pin_yet(org, sandbox):
    channel = sandbox_channel(org, sandbox, "bluesky")
    since = timezone.now() - timedelta(seconds=5)
    post = posts.brand_post_publish(organization_id=org.pk, channel_id=channel.pk, text="We are on it.",
                                    idempotency_key="k")
    assert post.external_id.startswith("at://") and post.url.startswith("https://bsky.app/")
    [sent] = sandbox.posted("bluesky")
    assert sent["text"] == "We are on it." and sent["reply"] is None
    found = posts.brand_post_find(organization_id=org.pk, channel_id=channel.pk, text="We are on it.", since=since)
    assert found.external_id == post.external_id
    pinned, note = posts.brand_post_pin(organization_id=org.pk, channel_id=channel.pk, external_id=post.external_id)
    assert not pinned and "Bluesky" in note
