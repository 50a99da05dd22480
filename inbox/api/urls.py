from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    ContactViewSet,
    ConversationViewSet,
    DeadLetterViewSet,
    InboxSettingsView,
    MessageViewSet,
    RoutingRuleViewSet,
    SavedViewViewSet,
    TagViewSet,
)

router = SimpleRouter()
router.include_format_suffixes = False
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("messages", MessageViewSet, basename="message")
router.register("tags", TagViewSet, basename="tag")
router.register("saved-views", SavedViewViewSet, basename="saved-view")
router.register("dead-letters", DeadLetterViewSet, basename="dead-letter")
router.register("routing-rules", RoutingRuleViewSet, basename="routing-rule")
router.register("contacts", ContactViewSet, basename="contact")

urlpatterns = [
    path("inbox-settings/", InboxSettingsView.as_view(), name="inbox-settings"),
    *router.urls,
]
