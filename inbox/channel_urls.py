"""Pages for connecting and watching channels, under /o/<slug>/channels/ (included from config.urls)."""

from django.urls import path

from . import channel_views

urlpatterns = [
    path("", channel_views.ChannelListView.as_view(), name="channel-list"),
    path("health/", channel_views.ChannelHealthView.as_view(), name="channel-health"),
    path("connect/", channel_views.ChannelConnectView.as_view(), name="channel-connect"),
    path("<int:pk>/", channel_views.ChannelDetailView.as_view(), name="channel-detail"),
    path("<int:pk>/reconnect/", channel_views.ChannelReconnectView.as_view(), name="channel-reconnect"),
    path("<int:pk>/remove/", channel_views.ChannelRemoveView.as_view(), name="channel-remove"),
]
