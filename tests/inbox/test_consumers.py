"""Presence and typing on a conversation, over the organization websocket against real Redis."""

import pytest
from channels.db import database_sync_to_async

from inbox import presence
from tests.factories import ConversationFactory, OrganizationFactory, member
from tests.websockets import organization_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def _connect(user, slug):
    communicator = organization_socket(user, slug)
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    return communicator


async def _next_presence(communicator):
    while True:
        event = await communicator.receive_json_from(timeout=2)
        if event["type"] == "presence":
            return event


@pytest.fixture
def reset_presence_client():
    # Each test runs its own event loop; the module's Redis client must not outlive it.
    presence._client = None
    yield
    presence._client = None


async def test_two_people_see_each_other_and_who_is_typing(reset_presence_client):
    organization = await database_sync_to_async(OrganizationFactory)(slug="presence")
    conversation = await database_sync_to_async(ConversationFactory)(organization=organization)
    camille = await database_sync_to_async(member)(organization, full_name="Camille Martin")
    alex = await database_sync_to_async(member)(organization, full_name="Alex Morgan")
    a = await _connect(camille, "presence")
    b = await _connect(alex, "presence")
    await a.send_json_to({"type": "conversation.join", "conversation_id": conversation.pk})
    assert [p["name"] for p in (await _next_presence(a))["people"]] == ["Camille Martin"]
    await b.send_json_to({"type": "conversation.join", "conversation_id": conversation.pk})
    seen_by_a = await _next_presence(a)
    assert [p["name"] for p in seen_by_a["people"]] == ["Alex Morgan", "Camille Martin"]
    await _next_presence(b)

    await a.send_json_to({"type": "typing", "typing": True})
    typing = {p["name"]: p["typing"] for p in (await _next_presence(b))["people"]}
    assert typing == {"Alex Morgan": False, "Camille Martin": True}

    await a.disconnect()  # the browser goes away: no ghost left behind
    assert [p["name"] for p in (await _next_presence(b))["people"]] == ["Alex Morgan"]
    await b.disconnect()


async def test_another_organizations_conversation_cannot_be_joined(reset_presence_client):
    home = await database_sync_to_async(OrganizationFactory)(slug="presence-home")
    other = await database_sync_to_async(OrganizationFactory)(slug="presence-other")
    theirs = await database_sync_to_async(ConversationFactory)(organization=other)
    spy = await database_sync_to_async(member)(home)
    communicator = await _connect(spy, "presence-home")
    await communicator.send_json_to({"type": "conversation.join", "conversation_id": theirs.pk})
    assert await communicator.receive_json_from(timeout=2) == {"type": "error", "detail": "No such conversation."}
    assert await presence.presence_list(organization_id=other.pk, conversation_id=theirs.pk) == []
    await communicator.disconnect()


async def test_stale_presence_expires_without_a_disconnect(reset_presence_client, monkeypatch):
    import time

    await presence.presence_touch(organization_id=1, conversation_id=99, user_id=7, name="Ghost", initials="G",
                                  connection="c1")
    assert [p["name"] for p in await presence.presence_list(organization_id=1, conversation_id=99)] == ["Ghost"]
    later = time.time() + presence.PRESENCE_TTL + 1
    monkeypatch.setattr(presence.time, "time", lambda: later)
    assert await presence.presence_list(organization_id=1, conversation_id=99) == []


async def test_hostile_messages_are_ignored_and_the_socket_stays_live(reset_presence_client):
    organization = await database_sync_to_async(OrganizationFactory)(slug="presence-fuzz")
    person = await database_sync_to_async(member)(organization)
    socket = await _connect(person, "presence-fuzz")
    for text in ("[1, 2]", '"ping"', "null", "{not json", '{"type": "typing\\u0000"}'):
        await socket.send_to(text_data=text)
    for message in ({"type": "conversation.join", "conversation_id": 2**70},
                    {"type": "conversation.join", "conversation_id": "12\x00"},
                    {"type": "conversation.join", "conversation_id": [1]}, {"type": ["ping"]}):
        await socket.send_json_to(message)
    await socket.send_json_to({"type": "ping"})
    answers = []
    while not answers or answers[-1]["type"] != "pong":
        answers.append(await socket.receive_json_from(timeout=2))
    assert {answer["type"] for answer in answers} <= {"error", "pong"}
    await socket.disconnect()
