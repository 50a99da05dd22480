"""Cross-tenant cases for channel pages and API, and the public webhook routes."""

from collections.abc import Callable
from typing import Any

from accounts.models import Organization


def _channel(organization: Organization) -> dict[str, Any]:
    from tests.factories import ChannelFactory

    return {"pk": ChannelFactory(organization=organization, handle="@Victim", display_name="Victim brand").pk}


OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {
    "channel-detail": _channel,
    "channel-remove": _channel,
    "channel-reconnect": _channel,
    "api:channel-detail": _channel,
    "api:channel-test": _channel,
    "api:channel-reconnect": _channel,
    "api:channel-pause": _channel,
    "api:channel-resume": _channel,
}

# The platforms call these with a signature, never with a login; they answer nothing about tenants.
PUBLIC_ROUTES: set[str] = {"webhook-meta", "webhook-x"}
