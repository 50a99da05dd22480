"""The organization's websocket against real Redis: members join, others are refused."""

import pytest
from channels.db import database_sync_to_async
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from accounts.consumers import CLOSE_NOT_A_MEMBER, CLOSE_NOT_LOGGED_IN
from accounts.live import broadcast_now
from config.asgi import application
from tests.factories import OrganizationFactory, member
from tests.websockets import organization_socket

pytestmark = pytest.mark.django_db(transaction=True)


async def test_member_joins_and_receives_organization_events():
    organization = await database_sync_to_async(OrganizationFactory)(slug="ws-home")
    user = await database_sync_to_async(member)(organization)
    communicator = organization_socket(user, "ws-home")
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from())["type"] == "hello"
    await database_sync_to_async(broadcast_now)(
        organization_id=organization.pk, topic="inbox", event={"type": "mentions.ingested", "count": 3}
    )
    assert await communicator.receive_json_from(timeout=2) == {"type": "mentions.ingested", "count": 3}
    await communicator.disconnect()


async def test_events_of_another_organization_never_arrive():
    home = await database_sync_to_async(OrganizationFactory)(slug="ws-a")
    other = await database_sync_to_async(OrganizationFactory)(slug="ws-b")
    user = await database_sync_to_async(member)(home)
    communicator = organization_socket(user, "ws-a")
    await communicator.connect()
    await communicator.receive_json_from()
    await database_sync_to_async(broadcast_now)(organization_id=other.pk, topic="inbox", event={"type": "secret"})
    assert await communicator.receive_nothing(timeout=0.5)
    await communicator.disconnect()


async def test_another_organizations_member_is_refused():
    await database_sync_to_async(OrganizationFactory)(slug="ws-victim")
    attacker_home = await database_sync_to_async(OrganizationFactory)(slug="ws-attacker")
    attacker = await database_sync_to_async(member)(attacker_home)
    communicator = organization_socket(attacker, "ws-victim")
    await communicator.connect()
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_A_MEMBER}
    assert await communicator.receive_nothing(timeout=0.3)


async def test_anonymous_visitor_is_refused():
    await database_sync_to_async(OrganizationFactory)(slug="ws-anon")
    communicator = organization_socket(AnonymousUser(), "ws-anon")
    await communicator.connect()
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": CLOSE_NOT_LOGGED_IN}


async def test_full_asgi_stack_refuses_without_session():
    await database_sync_to_async(OrganizationFactory)(slug="ws-full")
    communicator = WebsocketCommunicator(application, "/ws/o/ws-full/", headers=[(b"origin", b"http://localhost")])
    await communicator.connect()
    assert await communicator.receive_output(timeout=2) == {"type": "websocket.close", "code": CLOSE_NOT_LOGGED_IN}


async def test_ping_pong_keeps_the_connection_honest():
    organization = await database_sync_to_async(OrganizationFactory)(slug="ws-ping")
    user = await database_sync_to_async(member)(organization)
    communicator = organization_socket(user, "ws-ping")
    await communicator.connect()
    await communicator.receive_json_from()
    await communicator.send_json_to({"type": "ping"})
    assert await communicator.receive_json_from() == {"type": "pong"}
    await communicator.disconnect()


async def test_a_removed_member_is_told_and_disconnected_and_a_role_change_reaches_the_open_page():
    from accounts import services
    from accounts.models import Membership
    from accounts.roles import Role

    organization = await database_sync_to_async(OrganizationFactory)(slug="ws-removal")
    await database_sync_to_async(member)(organization, Role.ADMIN)  # someone stays admin
    user = await database_sync_to_async(member)(organization, Role.LEAD)
    membership = await database_sync_to_async(
        lambda: Membership.objects.for_organization(organization).get(user=user))()
    communicator = organization_socket(user, "ws-removal")
    await communicator.connect()
    await communicator.receive_json_from()
    await database_sync_to_async(services.membership_change_role)(membership=membership, role=Role.VIEWER)
    assert await communicator.receive_json_from(timeout=2) == {"type": "membership.changed", "role": "viewer"}
    await database_sync_to_async(services.membership_remove)(membership=membership)
    assert await communicator.receive_json_from(timeout=2) == {"type": "membership.removed"}
    closed = await communicator.receive_output(timeout=2)
    assert closed == {"type": "websocket.close", "code": CLOSE_NOT_A_MEMBER}
