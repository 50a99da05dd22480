"""Fixtures shared by the inbox's worker tests (tasks, channel health)."""

import pytest

from inbox.services import channels as channel_services
from tests.factories import OrganizationFactory


@pytest.fixture
def org(db):
    return OrganizationFactory(slug="airdemo-tasks")


@pytest.fixture
def health_events():
    """(channel id, status, reason) of each change the health listeners hear of."""
    seen = []

    def listener(channel, status, reason):
        seen.append((channel.pk, status, reason))

    channel_services.register_health_listener(listener)
    yield seen
    channel_services._health_listeners.remove(listener)
