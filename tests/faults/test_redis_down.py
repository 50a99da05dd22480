"""Redis down, PostgreSQL up: pages, logins and replies carry on from PostgreSQL.

Redis here is a port nobody listens on (the refused connection a stopped Redis gives); the cache,
the channel layer and the broker all point at it. tests/faults/test_live_stack.py kills a real one.
"""

from __future__ import annotations

import asyncio
import time

import kombu.exceptions
import pytest
from channels.layers import channel_layers
from django.urls import reverse

from accounts.consumers import CLOSE_LIVE_UNAVAILABLE
from config import resilience
from config.celery import app as celery_app
from inbox import presence, tasks
from inbox.models import DeliveryState, Message
from inbox.services.replies import NOT_ENQUEUED
from tests.factories import PASSWORD, ChannelFactory, MessageFactory
from tests.faults.stack import free_port
from tests.websockets import organization_socket


def _point_everything_at(settings, redis_url: str) -> None:
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": redis_url}}
    settings.CHANNEL_LAYERS = {"default": {**settings.CHANNEL_LAYERS["default"],
                                           "CONFIG": {**settings.CHANNEL_LAYERS["default"]["CONFIG"],
                                                      "hosts": [redis_url]}}}
    settings.REDIS_URL = redis_url
    channel_layers.backends.clear()
    presence._client = None
    celery_app.conf.broker_url = redis_url
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def redis_down(settings):
    live_url = settings.REDIS_URL
    resilience.reset()
    _point_everything_at(settings, f"redis://127.0.0.1:{free_port()}/0")
    yield
    _point_everything_at(settings, live_url)
    resilience.reset()


@pytest.fixture
def conversation(organization):
    channel = ChannelFactory(organization=organization, handle="@AirDemo")
    return MessageFactory(conversation__organization=organization, conversation__channel=channel,
                          conversation__preview="Mon bagage est perdu", external_id="in-1",
                          text="Mon bagage est perdu").conversation


@pytest.mark.django_db
def test_people_log_in_and_read_the_inbox_with_a_stale_banner(client, agent, organization, conversation, redis_down):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(reverse("login"), {"username": agent.email, "password": PASSWORD}, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.user == agent

    inbox = client.get(reverse("inbox", kwargs={"organization_slug": organization.slug}))
    assert inbox.status_code == 200
    page = inbox.content.decode()
    assert "Mon bagage est perdu" in page
    assert 'data-testid="stale-banner"' in page

    counts = client.get(reverse("inbox-counts", kwargs={"organization_slug": organization.slug}))
    assert counts.status_code == 200
    assert counts.json()["open"] == 1 and counts.json()["mine"] == 0

    detail = client.get(reverse("conversation", kwargs={"organization_slug": organization.slug, "pk": conversation.pk}))
    assert detail.status_code == 200


@pytest.mark.django_db
def test_the_banner_is_gone_once_redis_answers_again(client_for, agent, organization, conversation):
    resilience.reset()
    page = client_for(agent).get(reverse("inbox", kwargs={"organization_slug": organization.slug})).content.decode()
    assert 'data-testid="stale-banner"' not in page


@pytest.mark.django_db(transaction=True)
def test_a_reply_during_the_outage_answers_at_once_and_leaves_when_redis_is_back(
        client_for, agent, organization, conversation, redis_down, settings, monkeypatch):
    client = client_for(agent)
    url = reverse("conversation-reply", kwargs={"organization_slug": organization.slug, "pk": conversation.pk})
    started = time.monotonic()
    response = client.post(url, {"text": "Nous regardons votre bagage."})
    elapsed = time.monotonic() - started
    assert response.status_code < 400
    assert elapsed < 3, f"the reply took {elapsed:.1f} s to answer with Redis down"
    reply = Message.objects.for_organization(organization).get(direction="out")
    assert reply.state == DeliveryState.QUEUED and reply.error_code == NOT_ENQUEUED

    # Still down: the sweep leaves it marked for the next one.
    with pytest.raises(kombu.exceptions.OperationalError):
        tasks.sweep_unqueued_replies()
    reply.refresh_from_db()
    assert reply.error_code == NOT_ENQUEUED

    # Redis is back: the next sweep hands it to the broker, once.
    enqueued = []
    monkeypatch.setattr(tasks.send_message, "delay", lambda message_id: enqueued.append(message_id))
    assert tasks.sweep_unqueued_replies() == 1
    assert tasks.sweep_unqueued_replies() == 0
    assert enqueued == [reply.pk]
    reply.refresh_from_db()
    assert reply.state == DeliveryState.QUEUED and reply.error_code == ""


@pytest.mark.django_db(transaction=True)
def test_a_reply_waiting_in_the_queue_is_not_enqueued_twice(agent, organization, conversation, monkeypatch):
    MessageFactory(conversation=conversation, direction="out", state=DeliveryState.QUEUED, external_id="")
    monkeypatch.setattr(tasks.send_message, "delay", lambda message_id: pytest.fail("enqueued twice"))
    assert tasks.sweep_unqueued_replies() == 0


def test_presence_answers_nobody_while_redis_is_down(redis_down):
    async def scenario():
        await presence.presence_touch(organization_id=1, conversation_id=1, user_id=1, name="Camille",
                                      initials="CM", connection="c1")
        return await presence.presence_list(organization_id=1, conversation_id=1)

    assert asyncio.run(scenario()) == []
    assert resilience.redis_recently_down()


@pytest.mark.django_db(transaction=True)
def test_a_heartbeat_the_live_channel_cannot_carry_closes_the_socket(organization, agent, monkeypatch):
    """The pong travels through the channel layer: a socket whose layer is gone is not kept 'live'."""
    import redis
    from asgiref.sync import async_to_sync
    from channels_redis.core import RedisChannelLayer

    async def layer_down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Connection refused")

    async def scenario():
        socket = organization_socket(agent, organization.slug)
        connected, _ = await socket.connect()
        assert connected
        assert (await socket.receive_json_from())["type"] == "hello"
        await socket.send_json_to({"type": "ping"})
        assert await socket.receive_json_from() == {"type": "pong"}
        monkeypatch.setattr(RedisChannelLayer, "send", layer_down)
        await socket.send_json_to({"type": "ping"})
        return await socket.receive_output(timeout=5)

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": CLOSE_LIVE_UNAVAILABLE}


@pytest.mark.django_db(transaction=True)
def test_a_page_connecting_while_redis_is_down_is_told_so_and_retries(organization, agent, monkeypatch):
    import redis
    from asgiref.sync import async_to_sync
    from channels_redis.core import RedisChannelLayer

    async def layer_down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Connection refused")

    monkeypatch.setattr(RedisChannelLayer, "group_add", layer_down)

    async def scenario():
        socket = organization_socket(agent, organization.slug)
        await socket.connect()
        return await socket.receive_output(timeout=5)

    assert async_to_sync(scenario)() == {"type": "websocket.close", "code": CLOSE_LIVE_UNAVAILABLE}


def test_a_live_event_lost_to_the_outage_never_fails_the_write_that_caused_it(redis_down):
    from accounts.live import broadcast_now

    broadcast_now(organization_id=1, topic="inbox", event={"type": "inbox.updated", "conversation_ids": [1]})
    assert resilience.redis_recently_down()
