from django.urls import path

from inbox.consumers import InboxConsumer

# One websocket per open page: the organization's live events, plus presence on a conversation.
websocket_urlpatterns = [
    path("ws/o/<slug:organization_slug>/", InboxConsumer.as_asgi(), name="organization-live"),
]
