"""The crisis cell's API under /api/v1/o/<slug>/crises/: list, detail, declare, close.

Thin: the serializers parse, `crisis.services.cell` decides. Who may close is the page's rule
(`selectors.may_close`): the crisis's lead, or a lead or an admin.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from accounts.roles import Permission
from accounts.tenancy import OrganizationViewSet

from .. import selectors
from ..mode import queue_tag, report_path, room_path
from ..models import Alert, CellRole, Crisis, CrisisSeverity
from ..services import cell


class CrisisMemberSerializer(serializers.Serializer):
    user_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1)
    role = serializers.ChoiceField(choices=CellRole.choices)


class CrisisSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    title = serializers.CharField(read_only=True)
    severity = serializers.IntegerField(read_only=True)
    status = serializers.CharField(read_only=True)
    topic_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    keywords = serializers.ListField(child=serializers.CharField(), read_only=True)
    channel_ids = serializers.ListField(child=serializers.IntegerField(), read_only=True)
    started_at = serializers.DateTimeField(read_only=True)
    declared_at = serializers.DateTimeField(read_only=True)
    declared_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    from_alert_id = serializers.IntegerField(read_only=True, allow_null=True)
    closed_at = serializers.DateTimeField(read_only=True, allow_null=True)
    closed_by_id = serializers.IntegerField(read_only=True, allow_null=True)
    closing_summary = serializers.CharField(read_only=True)
    is_drill = serializers.BooleanField(read_only=True)
    queue_tag = serializers.SerializerMethodField()
    room_url = serializers.SerializerMethodField()
    report_url = serializers.SerializerMethodField()

    def get_queue_tag(self, crisis) -> str:
        return queue_tag(crisis)

    def get_room_url(self, crisis) -> str:
        return room_path(crisis)

    def get_report_url(self, crisis) -> str:
        return report_path(crisis)


class CrisisDetailSerializer(CrisisSerializer):
    members = serializers.SerializerMethodField()

    def get_members(self, crisis) -> list[dict]:
        return [{"user_id": m.user_id, "role": m.role, "joined_at": m.joined_at}
                for m in selectors.crisis_members(crisis=crisis)]


class CrisisDeclareSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    severity = serializers.ChoiceField(choices=CrisisSeverity.choices, default=CrisisSeverity.SERIOUS)
    topic_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
                                      required=False, default=list, max_length=100)
    keywords = serializers.ListField(child=serializers.CharField(max_length=80), required=False, default=list,
                                     max_length=50)
    channel_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
                                        required=False, default=list, max_length=100)
    cell = CrisisMemberSerializer(many=True, required=False, default=list, max_length=100)
    from_alert_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)


class CrisisCloseSerializer(serializers.Serializer):
    summary = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")


class CrisisViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """The organization's crises, newest first; at most one is active."""

    model = Crisis
    serializer_class = CrisisSerializer
    read_permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.DECLARE_CRISIS

    def filter_organization_queryset(self, queryset):
        return queryset.select_related("organization").order_by("-declared_at", "-pk")

    @extend_schema(responses=CrisisDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        return Response(CrisisDetailSerializer(self.get_object()).data)

    @extend_schema(request=CrisisDeclareSerializer, responses={201: CrisisDetailSerializer})
    def create(self, request, *args, **kwargs):
        data = CrisisDeclareSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        alert_id = values.pop("from_alert_id", None)
        alert = None
        if alert_id is not None:
            alert = Alert.objects.for_organization(self.organization).filter(pk=alert_id).first()
            if alert is None:
                raise serializers.ValidationError({"from_alert_id": [_("This alert does not exist.")]})
        values["cell"] = [(m["user_id"], m["role"]) for m in values["cell"]]
        crisis = cell.crisis_declare(organization=self.organization, actor=request.user, from_alert=alert, **values)
        return Response(CrisisDetailSerializer(crisis).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CrisisCloseSerializer, responses=CrisisDetailSerializer)
    @action(detail=True, methods=["post"])
    def close(self, request, *args, **kwargs):
        crisis = self.get_object()
        if not selectors.may_close(crisis=crisis, membership=self.membership):
            raise PermissionDenied(_("Only the crisis lead, a lead or an admin can close the crisis."))
        data = CrisisCloseSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        crisis = cell.crisis_close(crisis=crisis, actor=request.user, summary=data.validated_data["summary"])
        return Response(CrisisDetailSerializer(crisis).data)
