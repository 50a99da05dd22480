"""On-call API under /api/v1/o/<slug>/: rotas, layers, overrides, swaps, policies, alerts, contact methods."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from accounts.roles import Permission
from accounts.selectors import member_users
from accounts.tenancy import OrganizationViewSet
from config.api import NewestFirstCursorPagination

from .. import selectors
from ..models import (
    Alert,
    AlertSource,
    ContactMethod,
    EscalationPolicy,
    NotificationRule,
    Rota,
    RotaLayer,
    RotaOverride,
    RotaSwap,
    RoutingRule,
    TopicMute,
    WatchTopic,
)
from ..services import alerts as alert_services
from ..services import detection as detection_services
from ..services import notifications as notification_services
from ..services import oncall as rota_services
from ..services import policies as policy_services
from .serializers import (
    AlertDetailSerializer,
    AlertRouteSerializer,
    AlertSerializer,
    AttemptSerializer,
    ContactMethodSerializer,
    LayerCreateSerializer,
    LayerInputSerializer,
    LayerSerializer,
    NotificationRuleSerializer,
    OnCallSerializer,
    OverrideSerializer,
    PolicySerializer,
    RotaOutputSerializer,
    RotaSerializer,
    RotaUpdateSerializer,
    SensitivitySerializer,
    ShiftSerializer,
    SwapSerializer,
    TopicMuteSerializer,
    WatchTopicSerializer,
)


def _instant(raw: str | None, name: str) -> datetime:
    if not raw:
        return timezone.now()
    try:
        value = parse_datetime(raw.replace(" ", "+"))  # a "+" left unescaped in a query string arrives as a space
    except ValueError:
        value = None
    if value is None:
        raise APIValidationError({name: [_("Give an ISO 8601 date and time, e.g. 2026-03-29T02:30:00+02:00.")]})
    if timezone.is_naive(value):
        raise APIValidationError({name: [_("Give the time with its offset or Z, e.g. 2026-03-29T02:30:00Z.")]})
    return value


def _person(organization, user_id: int):
    person = member_users(organization=organization, user_ids=[user_id]).get(user_id)
    if person is None:
        raise APIValidationError({"user_id": [_("No member of this organization has that id.")]})
    return person


class RotaViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrganizationViewSet):
    """Rotas with their layers; `oncall` answers who is on call at an instant, `gaps` what is uncovered."""

    model = Rota
    serializer_class = RotaOutputSerializer
    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.MANAGE_ROTAS
    pagination_class = None

    @extend_schema(request=RotaSerializer, responses={201: RotaOutputSerializer})
    def create(self, request, *args, **kwargs):
        data = RotaSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        rota = rota_services.rota_create(organization=self.organization, actor=request.user, **data.validated_data)
        return Response(RotaOutputSerializer(rota).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=RotaUpdateSerializer, responses=RotaOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        rota = self.get_object()
        data = RotaUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        rota = rota_services.rota_update(rota=rota, actor=request.user, **data.validated_data)
        return Response(RotaOutputSerializer(rota).data)

    def _shifts(self, shifts, *, many: bool):
        people = selectors.users_by_id(organization=self.organization,
                                       user_ids={s.user_id for s in (shifts if many else [shifts])})
        zone = selectors.rota_math.zone_for(self.get_object().time_zone)
        return ShiftSerializer(shifts, many=many, context={"people": people, "zone": zone}).data

    @extend_schema(parameters=[OpenApiParameter("at", str, description="ISO 8601 instant; now if absent")],
                   responses=OnCallSerializer)
    @action(detail=True, methods=["get"])
    def oncall(self, request, *args, **kwargs):
        shift = selectors.on_call_at(rota=self.get_object(), at=_instant(request.query_params.get("at"), "at"))
        data = self._shifts(shift, many=False)
        return Response({"user": data["user"], "start": data["start"], "end": data["end"]})

    @extend_schema(parameters=[OpenApiParameter("start", str), OpenApiParameter("end", str)],
                   responses=ShiftSerializer(many=True))
    @action(detail=True, methods=["get"])
    def shifts(self, request, *args, **kwargs):
        start = _instant(request.query_params.get("start"), "start")
        end = _instant(request.query_params.get("end"), "end") if request.query_params.get("end") else start + selectors.GAP_HORIZON
        if not start < end <= start + 4 * selectors.GAP_HORIZON:
            raise APIValidationError({"end": [_("The end must come after the start, within 56 days.")]})
        return Response(self._shifts(selectors.rota_timeline(rota=self.get_object(), start=start, end=end), many=True))

    @extend_schema(responses=ShiftSerializer(many=True))
    @action(detail=True, methods=["get"])
    def gaps(self, request, *args, **kwargs):
        return Response(self._shifts(selectors.coverage_gaps(rota=self.get_object()), many=True))


class RotaLayerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    model = RotaLayer
    serializer_class = LayerSerializer
    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.MANAGE_ROTAS
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.prefetch_related("layer_members").order_by("rota_id", "-level", "pk")

    @extend_schema(request=LayerCreateSerializer, responses={201: LayerSerializer})
    def create(self, request, *args, **kwargs):
        data = LayerCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        layer = rota_services.layer_create(actor=request.user, **data.validated_data)
        return Response(LayerSerializer(layer).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=LayerInputSerializer, responses=LayerSerializer)
    def update(self, request, *args, **kwargs):
        layer = self.get_object()
        data = LayerInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        layer = rota_services.layer_update(layer=layer, actor=request.user, **data.validated_data)
        return Response(LayerSerializer(layer).data)

    def destroy(self, request, *args, **kwargs):
        rota_services.layer_delete(layer=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RotaOverrideViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    model = RotaOverride
    serializer_class = OverrideSerializer
    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.MANAGE_ROTAS
    pagination_class = NewestFirstCursorPagination

    @extend_schema(request=OverrideSerializer, responses={201: OverrideSerializer})
    def create(self, request, *args, **kwargs):
        data = OverrideSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        override = rota_services.override_create(
            rota=values["rota"], actor=request.user, user=_person(self.organization, values["user_id"]),
            starts_at=values["starts_at"], ends_at=values["ends_at"], reason=values["reason"])
        return Response(OverrideSerializer(override).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        rota_services.override_delete(override=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RotaSwapViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Agents ask a swap of their own shifts; the person asked accepts or declines."""

    model = RotaSwap
    serializer_class = SwapSerializer
    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.RESPOND_ALERTS
    pagination_class = NewestFirstCursorPagination

    @extend_schema(request=SwapSerializer, responses={201: SwapSerializer})
    def create(self, request, *args, **kwargs):
        data = SwapSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        rota = Rota.objects.for_organization(self.organization).filter(pk=values["rota_id"]).first()
        if rota is None:
            raise APIValidationError({"rota_id": [_("No rota of this organization has that id.")]})
        swap = rota_services.swap_request(
            rota=rota, actor=request.user, covered_by=_person(self.organization, values["covered_by_id"]),
            starts_at=values["starts_at"], ends_at=values["ends_at"], note=values["note"])
        return Response(SwapSerializer(swap).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def accept(self, request, *args, **kwargs):
        return Response(SwapSerializer(rota_services.swap_accept(swap=self.get_object(), actor=request.user)).data)

    @extend_schema(request=None, responses=SwapSerializer)
    @action(detail=True, methods=["post"])
    def decline(self, request, *args, **kwargs):
        return Response(SwapSerializer(rota_services.swap_decline(swap=self.get_object(), actor=request.user)).data)


class EscalationPolicyViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    model = EscalationPolicy
    serializer_class = PolicySerializer
    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.MANAGE_ESCALATION
    pagination_class = None

    @extend_schema(request=PolicySerializer, responses={201: PolicySerializer})
    def create(self, request, *args, **kwargs):
        data = PolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        policy = policy_services.policy_create(organization=self.organization, actor=request.user, **data.validated_data)
        return Response(PolicySerializer(policy).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=PolicySerializer, responses=PolicySerializer)
    def update(self, request, *args, **kwargs):
        policy = self.get_object()
        data = PolicySerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(PolicySerializer(policy_services.policy_update(policy=policy, actor=request.user,
                                                                       **data.validated_data)).data)

    def destroy(self, request, *args, **kwargs):
        policy_services.policy_delete(policy=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertRouteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Routing rules of alerts: the first matching source and severity chooses the escalation policy."""

    model = RoutingRule
    serializer_class = AlertRouteSerializer
    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.MANAGE_ESCALATION
    pagination_class = None

    @extend_schema(request=AlertRouteSerializer, responses={201: AlertRouteSerializer})
    def create(self, request, *args, **kwargs):
        data = AlertRouteSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        rule = policy_services.routing_rule_create(organization=self.organization, actor=request.user, **data.validated_data)
        return Response(AlertRouteSerializer(rule).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        policy_services.routing_rule_delete(rule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AlertViewSet(mixins.ListModelMixin, OrganizationViewSet):
    """Alerts: list, a manual page, acknowledge, resolve; the detail carries the whole log."""

    model = Alert
    serializer_class = AlertSerializer
    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.RESPOND_ALERTS
    pagination_class = NewestFirstCursorPagination

    def filter_organization_queryset(self, queryset):
        status_filter = self.request.query_params.get("status")
        if status_filter == "open":
            return queryset.exclude(status="resolved")
        return queryset.filter(status=status_filter) if status_filter else queryset

    @extend_schema(responses=AlertDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(AlertDetailSerializer(self.get_object()).data)

    @extend_schema(request=AlertSerializer, responses={201: AlertSerializer})
    def create(self, request, *args, **kwargs):
        data = AlertSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        alert, _created = alert_services.alert_raise(organization=self.organization, source=AlertSource.MANUAL,
                                                     actor=request.user, **data.validated_data)
        return Response(AlertSerializer(alert).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def acknowledge(self, request, *args, **kwargs):
        return Response(AlertSerializer(alert_services.alert_acknowledge(alert=self.get_object(), actor=request.user)).data)

    @extend_schema(request=None, responses=AlertSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, *args, **kwargs):
        return Response(AlertSerializer(alert_services.alert_resolve(alert=self.get_object(), actor=request.user)).data)


class _OwnViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """One's own contact methods and rules: another member's answer 404 like another organization's."""

    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.VIEW_ONCALL
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.filter(user=self.request.user)


class ContactMethodViewSet(_OwnViewSet):
    model = ContactMethod
    serializer_class = ContactMethodSerializer

    @extend_schema(request=ContactMethodSerializer, responses={201: ContactMethodSerializer})
    def create(self, request, *args, **kwargs):
        data = ContactMethodSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        method = notification_services.contact_method_create(organization=self.organization, user=request.user,
                                                             **data.validated_data)
        return Response(ContactMethodSerializer(method).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        notification_services.contact_method_delete(method=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=None, responses=AttemptSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, *args, **kwargs):
        attempt = notification_services.contact_method_test(method=self.get_object(), actor=request.user)
        return Response(AttemptSerializer(attempt).data)


class NotificationRuleViewSet(_OwnViewSet):
    model = NotificationRule
    serializer_class = NotificationRuleSerializer

    @extend_schema(request=NotificationRuleSerializer, responses={201: NotificationRuleSerializer})
    def create(self, request, *args, **kwargs):
        data = NotificationRuleSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        method = data.validated_data["contact_method"]
        if method.user_id != request.user.pk:
            raise NotFound()
        rule = notification_services.notification_rule_create(
            organization=self.organization, user=request.user, contact_method=method,
            delay_minutes=data.validated_data["delay_minutes"])
        return Response(NotificationRuleSerializer(rule).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        notification_services.notification_rule_delete(rule=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class WatchTopicViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """What the detector watches besides all mentions: terms, tags, channels. Leads and admins set them."""

    model = WatchTopic
    serializer_class = WatchTopicSerializer
    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.MANAGE_ESCALATION
    pagination_class = None

    @extend_schema(request=WatchTopicSerializer, responses={201: WatchTopicSerializer})
    def create(self, request, *args, **kwargs):
        data = WatchTopicSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        topic = detection_services.watch_topic_create(organization=self.organization, **data.validated_data)
        return Response(WatchTopicSerializer(topic).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        detection_services.watch_topic_delete(topic=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=SensitivitySerializer, responses=SensitivitySerializer)
    @action(detail=False, methods=["get", "put"], serializer_class=SensitivitySerializer)
    def sensitivity(self, request, *args, **kwargs):
        if request.method == "PUT":
            data = SensitivitySerializer(data=request.data)
            data.is_valid(raise_exception=True)
            detection_services.sensitivity_set(organization=self.organization, **data.validated_data)
        return Response({"sensitivity": detection_services.sensitivity_of(self.organization)})


class TopicMuteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """False alarms muted for a period, with a reason; deleting a mute ends it now (kept in the history)."""

    model = TopicMute
    serializer_class = TopicMuteSerializer
    read_permission = Permission.VIEW_ONCALL
    write_permission = Permission.MANAGE_ESCALATION
    pagination_class = NewestFirstCursorPagination

    @extend_schema(request=TopicMuteSerializer, responses={201: TopicMuteSerializer})
    def create(self, request, *args, **kwargs):
        data = TopicMuteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        topic_id = data.validated_data.pop("topic_id", None)
        topic = None
        if topic_id is not None:
            topic = WatchTopic.objects.for_organization(self.organization).filter(pk=topic_id).first()
            if topic is None:
                raise APIValidationError({"topic_id": [_("Unknown topic.")]})
        mute = detection_services.topic_mute(organization=self.organization, topic=topic, actor=request.user,
                                             **data.validated_data)
        return Response(TopicMuteSerializer(mute).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        detection_services.topic_unmute(mute=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)
