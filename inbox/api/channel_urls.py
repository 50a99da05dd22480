"""API for channels, under /api/v1/o/<slug>/ (included from config.urls)."""

from rest_framework.routers import SimpleRouter

from .channels import ChannelViewSet

router = SimpleRouter()
router.include_format_suffixes = False
router.register("channels", ChannelViewSet, basename="channel")

urlpatterns = router.urls
