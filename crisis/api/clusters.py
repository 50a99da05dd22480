"""Storm clusters API under /api/v1/o/<slug>/: the crisis's clusters, one cluster with its people, and
answering a whole cluster (POST …/clusters/<id>/reply/, 202: the sends proceed at each platform's pace)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from accounts.roles import Permission
from accounts.tenancy import OrganizationViewSet

from .. import selectors
from ..models import ClusterReply, CrisisStatus, StormCluster
from ..services import clusters as cluster_services


class ClusterSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    crisis_id = serializers.IntegerField()
    label = serializers.CharField(help_text="The first mention's text, representing the cluster.")
    language = serializers.CharField()
    count = serializers.IntegerField(help_text="People (conversations) who asked.")
    created_at = serializers.DateTimeField()
    last_mention_at = serializers.DateTimeField()


class PersonSerializer(serializers.Serializer):
    conversation_id = serializers.IntegerField()
    handle = serializers.CharField(source="author_handle")
    name = serializers.CharField(source="author_name")
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class ClusterReplySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    cluster_id = serializers.IntegerField()
    text = serializers.CharField()
    status = serializers.CharField()
    total = serializers.IntegerField()
    queued = serializers.IntegerField()
    sent = serializers.IntegerField()
    failed = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)


class ClusterDetailSerializer(ClusterSerializer):
    people = PersonSerializer(many=True)
    replies = ClusterReplySerializer(many=True)


class ClusterReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=5000, help_text="The answer; {first_name} and {handle} are filled per person.")
    template = serializers.CharField(max_length=100, required=False, allow_blank=True, default="",
                                     help_text="The guides' template key the text comes from, if any.")
    guide_version = serializers.IntegerField(required=False, allow_null=True, default=None)


class ClusterViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """The crisis's clusters, the most asked first (the active crisis unless ?crisis=<id>)."""

    model = StormCluster
    serializer_class = ClusterSerializer
    read_permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.REPLY
    action_permissions = {"reply": Permission.REPLY}
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        if self.action != "list":
            return queryset.select_related("crisis")
        crisis_id = self.request.query_params.get("crisis", "")
        if crisis_id:
            if not crisis_id.isdigit():
                raise APIValidationError({"crisis": _("Use a crisis id.")})
            queryset = queryset.filter(crisis_id=int(crisis_id))
        else:
            queryset = queryset.filter(crisis__status=CrisisStatus.ACTIVE)
        return queryset.order_by("-count", "created_at", "pk")[:500]

    @extend_schema(parameters=[OpenApiParameter("crisis", int, description="A crisis id (default: the active one).")])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses=ClusterDetailSerializer)
    def retrieve(self, request, *args, **kwargs):
        cluster = self.get_object()
        data = ClusterSerializer(cluster).data
        data["people"] = PersonSerializer(selectors.cluster_people(cluster=cluster, limit=1000), many=True).data
        data["replies"] = ClusterReplySerializer(selectors.cluster_replies(cluster=cluster), many=True).data
        return Response(data)

    @extend_schema(request=ClusterReplyInputSerializer, responses={202: ClusterReplySerializer})
    @action(detail=True, methods=["post"])
    def reply(self, request, *args, **kwargs):
        cluster = self.get_object()
        data = ClusterReplyInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        guidance = {"template": data.validated_data["template"], "guide_version": data.validated_data["guide_version"]}
        reply = cluster_services.cluster_reply_start(cluster=cluster, actor=request.user,
                                                     text=data.validated_data["text"],
                                                     guidance={k: v for k, v in guidance.items() if v})
        return Response(ClusterReplySerializer(reply).data, status=status.HTTP_202_ACCEPTED)


class ClusterReplyViewSet(mixins.RetrieveModelMixin, OrganizationViewSet):
    """A cluster reply's progress: how many people are answered, failed, still waiting."""

    model = ClusterReply
    serializer_class = ClusterReplySerializer
    read_permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.REPLY
    pagination_class = None
