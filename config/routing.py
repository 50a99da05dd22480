from django.urls import path

from .consumers import OrganizationConsumer

websocket_urlpatterns = [
    path("ws/o/<slug:organization_slug>/", OrganizationConsumer.as_asgi(), name="organization-live"),
]
