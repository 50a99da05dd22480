"""Platform webhooks, outside any organization's URL: the channel is found from the address's token."""

from django.urls import path

from . import webhooks

urlpatterns = [
    path("meta/<str:token>/", webhooks.meta_webhook, name="webhook-meta"),
    path("x/<str:token>/", webhooks.x_webhook, name="webhook-x"),
]
