from rest_framework.routers import SimpleRouter

from .views import ConversationViewSet, DeadLetterViewSet, MessageViewSet, SavedViewViewSet, TagViewSet

router = SimpleRouter()
router.include_format_suffixes = False
router.register("conversations", ConversationViewSet, basename="conversation")
router.register("messages", MessageViewSet, basename="message")
router.register("tags", TagViewSet, basename="tag")
router.register("saved-views", SavedViewViewSet, basename="saved-view")
router.register("dead-letters", DeadLetterViewSet, basename="dead-letter")

urlpatterns = router.urls
