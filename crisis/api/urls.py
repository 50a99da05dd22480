from rest_framework.routers import SimpleRouter

from .cell import CrisisViewSet
from .statements import StatementViewSet
from .views import (
    AlertRouteViewSet,
    AlertViewSet,
    ContactMethodViewSet,
    EscalationPolicyViewSet,
    NotificationRuleViewSet,
    RotaLayerViewSet,
    RotaOverrideViewSet,
    RotaSwapViewSet,
    RotaViewSet,
    TopicMuteViewSet,
    WatchTopicViewSet,
)

router = SimpleRouter()
router.include_format_suffixes = False
router.register("rotas", RotaViewSet, basename="rota")
router.register("rota-layers", RotaLayerViewSet, basename="rota-layer")
router.register("rota-overrides", RotaOverrideViewSet, basename="rota-override")
router.register("rota-swaps", RotaSwapViewSet, basename="rota-swap")
router.register("escalation-policies", EscalationPolicyViewSet, basename="escalation-policy")
router.register("alert-routes", AlertRouteViewSet, basename="alert-route")
router.register("alerts", AlertViewSet, basename="alert")
router.register("contact-methods", ContactMethodViewSet, basename="contact-method")
router.register("watch-topics", WatchTopicViewSet, basename="watch-topic")
router.register("topic-mutes", TopicMuteViewSet, basename="topic-mute")
router.register("notification-rules", NotificationRuleViewSet, basename="notification-rule")
router.register("crises", CrisisViewSet, basename="crisis")

# Storm clusters (crisis/api/clusters.py).
from .clusters import ClusterReplyViewSet, ClusterViewSet  # noqa: E402

router.register("clusters", ClusterViewSet, basename="storm-cluster")
router.register("cluster-replies", ClusterReplyViewSet, basename="cluster-reply")
router.register("statements", StatementViewSet, basename="statement")

urlpatterns = router.urls

# The crisis room (crisis/api/room.py).
from .room_urls import urlpatterns as room_urlpatterns  # noqa: E402

urlpatterns += room_urlpatterns
# The crisis report (crisis/api/report.py).
from django.urls import path  # noqa: E402

from .report import CrisisReportAPIView  # noqa: E402

urlpatterns += [path("crises/<int:pk>/report/", CrisisReportAPIView.as_view(), name="crisis-report")]
