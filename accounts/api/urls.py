from rest_framework.routers import SimpleRouter

from .views import ApiTokenViewSet, InvitationViewSet, MemberViewSet, TeamViewSet

router = SimpleRouter()
router.include_format_suffixes = False
router.register("members", MemberViewSet, basename="member")
router.register("teams", TeamViewSet, basename="team")
router.register("invitations", InvitationViewSet, basename="invitation")
router.register("api-tokens", ApiTokenViewSet, basename="api-token")

urlpatterns = router.urls
