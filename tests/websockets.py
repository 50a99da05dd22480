"""Connecting to the organization websocket as a logged-in person, without a browser."""

from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator

from config.routing import websocket_urlpatterns


class AsUser:
    """Puts a user in the scope, as AuthMiddlewareStack does after reading the session cookie."""

    def __init__(self, app, user):
        self.app, self.user = app, user

    async def __call__(self, scope, receive, send):
        return await self.app({**scope, "user": self.user}, receive, send)


def organization_socket(user, slug: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(AsUser(URLRouter(websocket_urlpatterns), user), f"/ws/o/{slug}/")
