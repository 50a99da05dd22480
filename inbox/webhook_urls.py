"""Platform webhooks, outside any organization's URL: the channel is found from the delivery."""

from django.urls import path

from . import webhooks

urlpatterns = [
    path("meta/<int:channel_id>/", webhooks.meta_webhook, name="webhook-meta"),
    path("x/<int:channel_id>/", webhooks.x_webhook, name="webhook-x"),
]
