from django.urls import path
from rest_framework.routers import SimpleRouter

from .views import (
    ApprovalViewSet,
    GuideVersionViewSet,
    GuideViewSet,
    LintRuleViewSet,
    LintSettingsView,
    LintView,
    PerimeterRuleViewSet,
    ReplyRecordViewSet,
    SuggestionsView,
)

router = SimpleRouter()
router.include_format_suffixes = False
router.register("playbooks/guides", GuideViewSet, basename="guide")
router.register("playbooks/guide-versions", GuideVersionViewSet, basename="guide-version")
router.register("playbooks/lint-rules", LintRuleViewSet, basename="lint-rule")
router.register("playbooks/perimeter-rules", PerimeterRuleViewSet, basename="perimeter-rule")
router.register("playbooks/approvals", ApprovalViewSet, basename="approval")
router.register("playbooks/reply-records", ReplyRecordViewSet, basename="reply-record")

urlpatterns = [
    path("playbooks/lint/", LintView.as_view(), name="playbooks-lint"),
    path("playbooks/lint-settings/", LintSettingsView.as_view(), name="playbooks-lint-settings"),
    path("playbooks/suggestions/", SuggestionsView.as_view(), name="playbooks-suggestions"),
    *router.urls,
]
