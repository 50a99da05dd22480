"""Workers over real HTTP against the platform sandbox: polling, health, backoff, sending once."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from inbox import tasks
from inbox.connectors.base import AccountInfo
from inbox.credentials import encrypt_credentials
from inbox.models import Channel, ChannelStatus, Conversation, DeliveryState, Message
from inbox.services import channels as channel_services
from inbox.services import reply_retry
from inbox.tasks import poll_channel, send_message
from tests.factories import ChannelFactory, MessageFactory, member

pytestmark = pytest.mark.django_db(transaction=True)


def sandbox_channel(organization, sandbox, platform: str = "x", **options) -> Channel:
    """A channel whose connector talks to the sandbox, with small pages so pagination is exercised."""
    config = sandbox.config()
    connection = {"base_url": sandbox.base_url, "timeout": 3.0, "page_size": 5, "page_limit": 5}
    if platform == "x":
        credentials = {"bearer_token": "user-token", "consumer_secret": config["x"]["consumer_secret"]}
        connection |= {"user_id": config["x"]["user_id"], "username": config["x"]["username"]}
        account, handle = config["x"]["user_id"], f"@{config['x']['username']}"
    elif platform in ("facebook", "instagram"):
        credentials = {"page_access_token": "page-token", "app_secret": config["facebook"]["app_secret"],
                       "verify_token": "sandbox-verify"}
        connection |= {"page_id": config["facebook"]["page_id"]}
        account, handle = config["facebook"]["page_id"], "Vigie Brand"
        if platform == "instagram":
            connection |= {"ig_user_id": config["instagram"]["ig_user_id"]}
            account, handle = config["instagram"]["ig_user_id"], "@vigie.brand"
    elif platform == "mastodon":
        credentials = {"access_token": "token"}
        account, handle = config["mastodon"]["account_id"], f"@{config['mastodon']['acct']}"
    elif platform == "bluesky":
        credentials = {"handle": config["bluesky"]["handle"], "app_password": "app-password"}
        account, handle = config["bluesky"]["did"], f"@{config['bluesky']['handle']}"
    else:
        raise ValueError(platform)
    connection |= options
    return ChannelFactory(organization=organization, platform=platform, external_account_id=account, handle=handle,
                          credentials_encrypted=encrypt_credentials(credentials), connection=connection,
                          next_poll_at=timezone.now())


def messages_of(channel) -> list[str]:
    return sorted(Message.objects.for_organization(channel.organization_id).filter(channel=channel)
                  .values_list("external_id", flat=True))


# -- polling ----------------------------------------------------------------------------------------


def test_poll_follows_pages_into_conversations_then_only_brings_new_ones(org, sandbox):
    ids = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand vol {n} annulé", "author": f"fan{n}"}
                                               for n in range(12)])
    channel = sandbox_channel(org, sandbox)

    assert poll_channel(channel.pk) == 12
    channel.refresh_from_db()
    assert messages_of(channel) == sorted(ids)
    assert Conversation.objects.for_organization(org).filter(channel=channel).count() == 12
    assert channel.poll_cursor["mentions"] == {"since_id": ids[-1]}
    assert channel.last_polled_at and channel.next_poll_at > timezone.now()
    assert channel.status == ChannelStatus.HEALTHY

    later = sandbox.inject_x_mention("@vigie_brand toujours rien", author="fan3")["id"]
    assert poll_channel(channel.pk) == 1
    assert poll_channel(channel.pk) == 0
    assert messages_of(channel) == sorted([*ids, later])


def test_rate_limit_reschedules_at_the_reset_time_without_sleeping(org, sandbox):
    channel = sandbox_channel(org, sandbox)
    sandbox.fail("x", "rate_limit", times=1, seconds=600)

    started = time.monotonic()
    assert poll_channel(channel.pk) == 0
    assert time.monotonic() - started < 3

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.RATE_LIMITED
    assert channel.rate_limit_reset_at > timezone.now() + timedelta(minutes=9)
    assert channel.next_poll_at == channel.rate_limit_reset_at
    assert "rate limit" in channel.status_reason.lower()


def test_revoked_token_needs_reconnect_and_tells_the_health_listeners(org, sandbox, health_events):
    channel = sandbox_channel(org, sandbox)
    sandbox.fail("x", "revoked")

    poll_channel(channel.pk)

    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT
    assert "reconnect" in channel.status_reason
    assert channel.next_poll_at is None
    assert health_events == [(channel.pk, ChannelStatus.NEEDS_RECONNECT, channel.status_reason)]
    assert poll_channel(channel.pk) == 0  # not polled again until someone reconnects it


def test_server_errors_back_off_with_jitter(org, sandbox):
    channel = sandbox_channel(org, sandbox)
    sandbox.fail("x", "error", times=2)

    poll_channel(channel.pk)
    channel.refresh_from_db()
    assert channel.consecutive_failures == 1
    assert channel.status == ChannelStatus.HEALTHY  # one outage blip does not page anyone
    assert channel.last_poll_error
    first_wait = channel.next_poll_at - timezone.now()
    assert timedelta(seconds=25) < first_wait <= timedelta(seconds=61)

    poll_channel(channel.pk)
    channel.refresh_from_db()
    assert channel.consecutive_failures == 2
    assert timedelta(seconds=55) < channel.next_poll_at - timezone.now() <= timedelta(seconds=121)
    # Full jitter: channels failing together do not come back together.
    assert len({channel_services.backoff_delay(3) for _ in range(20)}) > 1

    sandbox.inject_x_mention("@vigie_brand back?")
    assert poll_channel(channel.pk) == 1
    channel.refresh_from_db()
    assert (channel.consecutive_failures, channel.last_poll_error) == (0, "")


def test_reconnecting_back_fills_what_arrived_meanwhile(org, sandbox, admin_user_of_org):
    channel = sandbox_channel(org, sandbox)
    sandbox.inject_x_mention("@vigie_brand avant")
    poll_channel(channel.pk)
    sandbox.fail("x", "revoked")
    poll_channel(channel.pk)
    missed = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand pendant {n}"} for n in range(7)])
    assert poll_channel(channel.pk) == 0

    sandbox.clear()
    channel_services.channel_connect(
        organization=org, platform="x", credentials={"bearer_token": "new-token"}, connection=channel.connection,
        actor=admin_user_of_org, confirmed_brand_account=True,
        account=AccountInfo(external_id=channel.external_account_id, handle=channel.handle), replace_credentials=True)
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.HEALTHY and channel.next_poll_at <= timezone.now()

    assert poll_channel(channel.pk) == 7
    assert set(missed) <= set(messages_of(channel))


@pytest.fixture
def admin_user_of_org(org):
    return member(org, "admin", email="admin@tasks.example")


# -- faults -----------------------------------------------------------------------------------------


def _raise_once(monkeypatch, target, name):
    real = getattr(target, name)
    calls = {"n": 0}

    def flaky(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 1:
            raise SystemExit("worker killed")  # what a SIGKILL looks like from inside: no except runs
        return real(*args, **kwargs)

    monkeypatch.setattr(target, name, flaky)


@pytest.mark.parametrize("dies_in", ["ingest", "cursor commit"])
def test_a_worker_killed_between_fetch_and_cursor_commit_loses_and_duplicates_nothing(
        org, sandbox, monkeypatch, dies_in):
    ids = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand {n}"} for n in range(8)])
    channel = sandbox_channel(org, sandbox)
    if dies_in == "ingest":
        _raise_once(monkeypatch, tasks, "mentions_ingest")
    else:
        _raise_once(monkeypatch, channel_services, "channel_poll_succeeded")

    with pytest.raises(SystemExit):
        poll_channel(channel.pk)
    channel.refresh_from_db()
    assert messages_of(channel) == [] and channel.poll_cursor == {}

    more = sandbox.inject_x_mention("@vigie_brand after the crash")["id"]
    poll_channel(channel.pk)
    assert messages_of(channel) == sorted([*ids, more])


def test_a_cursor_that_was_not_saved_refetches_without_duplicates(org, sandbox):
    ids = sandbox.inject_many("x", "mentions", [{"text": f"@vigie_brand {n}"} for n in range(6)])
    channel = sandbox_channel(org, sandbox)
    poll_channel(channel.pk)
    # As if the cursor had been lost after the items committed (a restored backup, a redelivered task).
    Channel.objects.unscoped().filter(pk=channel.pk).update(poll_cursor={})

    assert poll_channel(channel.pk) == 0
    assert messages_of(channel) == sorted(ids)


# -- sending ----------------------------------------------------------------------------------------


def _outbound(channel, sandbox, *, text="Bonjour, nous regardons votre dossier.", private=False,
              platform_item=None):
    conversation = Conversation.objects.for_organization(channel.organization_id).filter(channel=channel).first()
    inbound = conversation.messages.order_by("created_at").first()
    return MessageFactory(conversation=conversation, direction="out", kind="private_message" if private else "reply",
                          platform=channel.platform, external_id=None, is_private=private, text=text,
                          parent_external_id="" if private else inbound.external_id, author_contact=None,
                          state=DeliveryState.QUEUED)


@pytest.fixture
def x_thread(org, sandbox):
    channel = sandbox_channel(org, sandbox)
    sandbox.inject_x_mention("@vigie_brand mon vol AD12 est annulé", author="camille")
    poll_channel(channel.pk)
    return channel


def test_a_reply_delivered_twice_is_posted_once(x_thread, sandbox):
    message = _outbound(x_thread, sandbox)

    assert send_message.apply(args=[message.pk]).get() == "sent"
    assert send_message.apply(args=[message.pk]).get() == "nothing to send"

    message.refresh_from_db()
    assert message.state == DeliveryState.SENT and message.external_id
    assert [post["text"] for post in sandbox.posted("x")] == [message.text]


def test_a_send_that_died_after_the_platform_accepted_is_looked_up_and_never_posted_again(
        x_thread, sandbox, monkeypatch):
    message = _outbound(x_thread, sandbox)
    _raise_once(monkeypatch, tasks, "message_mark_sent")

    with pytest.raises(SystemExit):
        send_message.apply(args=[message.pk])
    message.refresh_from_db()
    assert message.state == DeliveryState.SENDING
    assert len(sandbox.posted("x")) == 1

    # The redelivered task while the first might still be running: it steps back.
    assert send_message.apply(args=[message.pk]).get() == "retry later"
    message.refresh_from_db()
    assert message.state == DeliveryState.SENDING and message.attempts == 1

    # Later, the first delivery is clearly dead. X has no idempotency key: the post is looked up
    # among the account's posts, found, and the reply marked sent with X's id.
    Message.objects.unscoped().filter(pk=message.pk).update(send_started_at=timezone.now() - timedelta(minutes=3))
    assert send_message.apply(args=[message.pk]).get() == "sent"
    message.refresh_from_db()
    posted = sandbox.posted("x")
    assert len(posted) == 1
    assert (message.state, message.external_id, message.attempts) == (DeliveryState.SENT, posted[0]["id"], 1)


@pytest.mark.parametrize("platform", ["x", "facebook", "instagram"])
def test_a_dead_private_message_is_found_in_its_conversation_and_marked_sent(org, sandbox, monkeypatch, platform):
    channel = sandbox_channel(org, sandbox, platform=platform)
    if platform == "x":
        sandbox.inject_x_dm("Bonjour, ma réservation ?", sender="camille")
    else:
        sandbox.inject("facebook" if platform == "facebook" else "instagram", "messages",
                       text="Bonjour, ma réservation ?", sender="Camille")
    poll_channel(channel.pk)
    message = _outbound(channel, sandbox, private=True)
    _raise_once(monkeypatch, tasks, "message_mark_sent")
    with pytest.raises(SystemExit):
        send_message.apply(args=[message.pk])
    Message.objects.unscoped().filter(pk=message.pk).update(send_started_at=timezone.now() - timedelta(minutes=3))

    assert send_message.apply(args=[message.pk]).get() == "sent"
    message.refresh_from_db()
    posted = sandbox.posted(platform)
    assert len(posted) == 1 and (message.state, message.external_id) == (DeliveryState.SENT, posted[0]["id"])


def test_a_dead_send_that_cannot_be_looked_up_is_left_to_a_person(org, sandbox, monkeypatch):
    channel = sandbox_channel(org, sandbox, platform="instagram")
    sandbox.inject_instagram_tag("Super vol avec @vigie.brand", username="paul")
    poll_channel(channel.pk)
    message = _outbound(channel, sandbox)  # a comment under someone else's post tagging the brand
    _raise_once(monkeypatch, tasks, "message_mark_sent")
    with pytest.raises(SystemExit):
        send_message.apply(args=[message.pk])
    Message.objects.unscoped().filter(pk=message.pk).update(send_started_at=timezone.now() - timedelta(minutes=3))

    # Instagram does not list our comments under posts that tag us: do not guess, ask a person.
    assert send_message.apply(args=[message.pk]).get() == "failed"
    message.refresh_from_db()
    assert message.state == DeliveryState.FAILED and message.error_code == "maybe_sent"
    assert "may already be posted" in message.error and "Check" in message.error
    assert len(sandbox.posted("instagram")) == 1


def test_a_stale_send_on_a_platform_with_idempotency_keys_is_completed_not_doubled(org, sandbox, monkeypatch):
    channel = sandbox_channel(org, sandbox, platform="mastodon")
    sandbox.inject_mastodon_mention("mon vol est annulé", author="camille")
    poll_channel(channel.pk)
    message = _outbound(channel, sandbox)
    _raise_once(monkeypatch, tasks, "message_mark_sent")
    with pytest.raises(SystemExit):
        send_message.apply(args=[message.pk])
    Message.objects.unscoped().filter(pk=message.pk).update(send_started_at=timezone.now() - timedelta(minutes=3))

    assert send_message.apply(args=[message.pk]).get() == "sent"

    message.refresh_from_db()
    assert message.state == DeliveryState.SENT and message.attempts == 2
    assert len(sandbox.posted("mastodon")) == 1
    assert sandbox.posted("mastodon")[0]["idempotency_key"] == str(message.idempotency_key)


@pytest.fixture
def live_events(monkeypatch):
    from inbox.services import replies

    seen = []
    monkeypatch.setattr(replies, "broadcast_on_commit", lambda **kwargs: seen.append(kwargs["event"]))
    return seen


@pytest.fixture
def no_enqueue(monkeypatch):
    queued = []
    monkeypatch.setattr(send_message, "delay", lambda *args: queued.append(args))
    return queued


def test_meta_24_hour_window_fails_with_the_platforms_words_and_can_be_retried(
        org, sandbox, live_events, no_enqueue, admin_user_of_org):
    channel = sandbox_channel(org, sandbox, platform="facebook")
    two_days_ago = (datetime.now(UTC) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%S+0000")
    sandbox.inject_facebook_message("Bonjour, mon remboursement ?", sender="Camille", created_time=two_days_ago)
    poll_channel(channel.pk)
    message = _outbound(channel, sandbox, private=True)

    assert send_message.apply(args=[message.pk]).get() == "failed"

    message.refresh_from_db()
    assert message.state == DeliveryState.FAILED
    assert "24 hours" in message.error and message.error_code
    assert {"type": "message.failed", "conversation_id": message.conversation_id, "message_id": message.pk,
            "state": "failed", "error": message.error} in live_events
    assert sandbox.posted("facebook") == []

    reply_retry(message=message, actor=admin_user_of_org)
    message.refresh_from_db()
    assert (message.state, message.error) == (DeliveryState.QUEUED, "")
    assert no_enqueue == [(message.pk,)]


def test_x_duplicate_content_is_stored_as_the_failure(x_thread, sandbox, live_events):
    first = _outbound(x_thread, sandbox, text="Nous sommes désolés.")
    second = _outbound(x_thread, sandbox, text="Nous sommes désolés.")

    assert send_message.apply(args=[first.pk]).get() == "sent"
    assert send_message.apply(args=[second.pk]).get() == "failed"

    second.refresh_from_db()
    assert (second.state, second.error_code) == (DeliveryState.FAILED, "duplicate")
    assert "duplicate content" in second.error
    assert [event["type"] for event in live_events] == ["message.sent", "message.failed"]
    assert len(sandbox.posted("x")) == 1


# -- the beat claim -----------------------------------------------------------------------------------


def test_two_concurrent_claims_never_take_the_same_channel(org):
    due = timezone.now() - timedelta(seconds=1)
    channels = [ChannelFactory(organization=org, next_poll_at=due) for _ in range(6)]
    first_holds_its_lock = threading.Event()
    second_done = threading.Event()
    claimed: dict[str, list[int]] = {}

    def first():
        try:
            with transaction.atomic():
                claimed["first"] = channel_services.channels_claim_due(now=timezone.now(), limit=3,
                                                                       lease=tasks.POLL_LEASE)
                first_holds_its_lock.set()
                second_done.wait(10)  # keep the row locks while the other claim runs
        finally:
            connection.close()

    def second():
        try:
            first_holds_its_lock.wait(10)
            claimed["second"] = channel_services.channels_claim_due(now=timezone.now(), limit=10,
                                                                    lease=tasks.POLL_LEASE)
        finally:
            second_done.set()
            connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(15)

    assert len(claimed["first"]) == 3
    assert not set(claimed["first"]) & set(claimed["second"])
    assert sorted(claimed["first"] + claimed["second"]) == sorted(c.pk for c in channels)
    # Claimed channels are leased: the next tick takes nothing.
    assert channel_services.channels_claim_due(now=timezone.now(), limit=10, lease=tasks.POLL_LEASE) == []


def test_poll_due_channels_enqueues_each_claimed_channel_once(org, monkeypatch):
    due = timezone.now() - timedelta(seconds=1)
    healthy = ChannelFactory(organization=org, next_poll_at=due)
    ChannelFactory(organization=org, next_poll_at=due, status=ChannelStatus.DISABLED)
    ChannelFactory(organization=org, next_poll_at=timezone.now() + timedelta(minutes=1))
    enqueued = []
    monkeypatch.setattr(poll_channel, "delay", enqueued.append)

    assert tasks.poll_due_channels() == 1
    assert tasks.poll_due_channels() == 0
    assert enqueued == [healthy.pk]


def test_a_send_that_times_out_is_looked_up_until_it_shows_then_marked_sent_not_posted_again(org, sandbox):
    channel = sandbox_channel(org, sandbox, timeout=0.5)
    sandbox.inject_x_mention("@vigie_brand ma valise ?", author="paul")
    poll_channel(channel.pk)
    message = _outbound(channel, sandbox)
    # X is slow to take the post: it lands after the connector has given up waiting.
    sandbox.fail("x", "slow", times=1, path="/2/tweets", delay_ms=3000)

    # Not there yet when looked up: still SENDING, looked up again later, never re-posted blindly.
    assert send_message.apply(args=[message.pk]).get() == "retry later"
    message.refresh_from_db()
    assert (message.state, message.error_code) == (DeliveryState.SENDING, tasks.OUTCOME_UNKNOWN)
    deadline = time.monotonic() + 10
    while not sandbox.posted("x") and time.monotonic() < deadline:
        time.sleep(0.05)  # the sandbox finishes the slow post

    assert send_message.apply(args=[message.pk]).get() == "sent"
    message.refresh_from_db()
    posted = sandbox.posted("x")
    assert [post["text"] for post in posted] == [message.text]
    assert (message.state, message.external_id) == (DeliveryState.SENT, posted[0]["id"])
    assert send_message.apply(args=[message.pk]).get() == "nothing to send"
    assert len(sandbox.posted("x")) == 1


@pytest.fixture
def bluesky_thread(org, sandbox):
    channel = sandbox_channel(org, sandbox, platform="bluesky", timeout=0.5)
    sandbox.inject_bluesky_mention("mon vol est annulé", author="camille")
    poll_channel(channel.pk)
    return channel


def test_bluesky_accepting_a_post_but_answering_after_the_timeout_is_posted_once_and_marked_sent(
        bluesky_thread, sandbox):
    message = _outbound(bluesky_thread, sandbox)
    # Bluesky stores the post, then answers after the connector's 0.5 s timeout.
    sandbox.fail("bluesky", "slow_accept", times=1, path="createRecord", delay_ms=1500)

    assert send_message.apply(args=[message.pk]).get() == "sent"

    message.refresh_from_db()
    posted = sandbox.posted("bluesky")
    assert len(posted) == 1 and posted[0]["text"] == message.text
    assert (message.state, message.external_id, message.attempts) == (DeliveryState.SENT, posted[0]["id"], 1)
    assert message.raw["found_by_lookup"] is True and message.url.startswith("https://bsky.app/")


def test_a_send_that_never_reached_the_platform_is_sent_again_once_the_look_up_shows_nothing(
        bluesky_thread, sandbox):
    message = _outbound(bluesky_thread, sandbox)
    # Its worker died before the request left: SENDING for minutes, nothing on Bluesky.
    Message.objects.unscoped().filter(pk=message.pk).update(
        state=DeliveryState.SENDING, attempts=1, send_started_at=timezone.now() - timedelta(minutes=3))

    assert send_message.apply(args=[message.pk]).get() == "retry later"  # requeued after the empty look-up
    message.refresh_from_db()
    assert message.state == DeliveryState.QUEUED and sandbox.posted("bluesky") == []
    assert send_message.apply(args=[message.pk]).get() == "sent"
    message.refresh_from_db()
    assert len(sandbox.posted("bluesky")) == 1 and message.attempts == 2


def test_a_look_up_the_platform_cannot_answer_is_retried_then_left_to_a_person_in_time(bluesky_thread, sandbox):
    message = _outbound(bluesky_thread, sandbox)
    Message.objects.unscoped().filter(pk=message.pk).update(
        state=DeliveryState.SENDING, attempts=1, error_code=tasks.OUTCOME_UNKNOWN,
        send_started_at=timezone.now() - timedelta(seconds=5))
    sandbox.fail("bluesky", "error", path="getAuthorFeed")

    assert send_message.apply(args=[message.pk]).get() == "retry later"  # asked again shortly
    Message.objects.unscoped().filter(pk=message.pk).update(
        send_started_at=timezone.now() - tasks.SETTLE_DEADLINE - timedelta(seconds=1))
    assert send_message.apply(args=[message.pk]).get() == "failed"
    message.refresh_from_db()
    assert message.error_code == "maybe_sent" and "did not confirm this reply in time" in message.error
    assert sandbox.posted("bluesky") == []


def test_x_facebook_and_instagram_replies_answered_late_are_found_and_marked_sent(org, sandbox):
    x = sandbox_channel(org, sandbox, platform="x", timeout=0.5)
    sandbox.inject_x_mention("@vigie_brand mon vol ?", author="lea")
    poll_channel(x.pk)
    facebook = sandbox_channel(org, sandbox, platform="facebook", timeout=0.5)
    sandbox.inject_facebook_comment("Où est mon remboursement ?", author="Camille")
    poll_channel(facebook.pk)
    instagram = sandbox_channel(org, sandbox, platform="instagram", timeout=0.5)
    media = sandbox.inject_instagram_media("Nouvelle ligne Paris-Lisbonne")
    sandbox.inject_instagram_comment("Et mes bagages ?", username="paul", media_id=media["id"])
    poll_channel(instagram.pk)

    creates = {"x": "/2/tweets", "facebook": "/comments", "instagram": "/replies"}
    for channel in (x, facebook, instagram):
        message = _outbound(channel, sandbox)
        # The platform stores the reply, then answers after the connector's 0.5 s timeout.
        sandbox.fail(channel.platform, "slow_accept", times=1, path=creates[channel.platform], delay_ms=1500)
        assert send_message.apply(args=[message.pk]).get() == "sent", channel.platform
        message.refresh_from_db()
        posted = sandbox.posted(channel.platform)
        assert len(posted) == 1 and message.external_id == posted[0]["id"]
        assert message.raw["found_by_lookup"] is True


def test_a_poll_lease_is_renewed_while_the_poll_runs_and_never_overwrites_the_polls_outcome(org, monkeypatch):
    monkeypatch.setattr(tasks, "POLL_LEASE", timedelta(seconds=0.3))  # renewed every 0.1 s
    claimed_until = timezone.now() + tasks.POLL_LEASE
    channel = ChannelFactory(organization=org, next_poll_at=claimed_until)

    def next_poll_at():
        return Channel.objects.unscoped().get(pk=channel.pk).next_poll_at

    with tasks.PollLease(channel.pk):
        deadline = time.monotonic() + 5
        while next_poll_at() == claimed_until and time.monotonic() < deadline:
            time.sleep(0.02)
        assert next_poll_at() > claimed_until  # renewed while the poll runs
        outcome = timezone.now() + timedelta(minutes=1)  # the poll records when to come back
        Channel.objects.unscoped().filter(pk=channel.pk).update(next_poll_at=outcome)
        time.sleep(0.35)  # a few renewal rounds
        assert next_poll_at() == outcome
    renewals_stopped = next_poll_at()
    time.sleep(0.25)
    assert next_poll_at() == renewals_stopped == outcome


def test_a_poll_the_connector_cannot_read_backs_off_on_the_channels_health_instead_of_crashing(
        org, sandbox, monkeypatch):
    channel = sandbox_channel(org, sandbox)

    class Choking:
        def fetch(self, cursor):
            raise KeyError("id")

    monkeypatch.setattr(channel_services, "connector_for_channel", lambda channel: Choking())
    assert poll_channel(channel.pk) == 0

    channel.refresh_from_db()
    assert channel.consecutive_failures == 1 and "could not read what X answered (KeyError)" in channel.last_poll_error
    assert channel.next_poll_at > timezone.now() + timedelta(seconds=20)  # backoff, not the next tick
