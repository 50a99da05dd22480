from rest_framework.routers import SimpleRouter

from .views import MemberViewSet, TeamViewSet

router = SimpleRouter()
router.include_format_suffixes = False
router.register("members", MemberViewSet, basename="member")
router.register("teams", TeamViewSet, basename="team")

urlpatterns = router.urls
