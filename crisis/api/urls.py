from rest_framework.routers import SimpleRouter

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
router.register("statements", StatementViewSet, basename="statement")

urlpatterns = router.urls
