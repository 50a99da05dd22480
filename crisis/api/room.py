"""The crisis room's API under /api/v1/o/<slug>/crises/<pk>/room/: the curves, the timeline, tasks
and information sources. Reading takes VIEW_CRISIS_ROOM, writing DECLARE_CRISIS (as on the page:
crisis/room_views.py says why). Another organization's crisis, task or source answers 404."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from accounts.roles import Permission
from accounts.tenancy import OrganizationAPIView

from .. import room_selectors, selectors
from ..models import MANUAL_EVENT_KINDS, CrisisTask, InfoSource
from ..services import room as room_services


class SeriesSerializer(serializers.Serializer):
    crisis_id = serializers.IntegerField()
    started_at = serializers.IntegerField(help_text="epoch seconds")
    closed = serializers.BooleanField()
    points = serializers.ListField(child=serializers.ListField(child=serializers.IntegerField()),
                                   help_text="[epoch seconds of the minute, mentions, negative mentions]")
    total = serializers.IntegerField()
    last_minute = serializers.IntegerField()


class TimelineEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    at = serializers.DateTimeField()
    kind = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    text = serializers.CharField()
    data = serializers.JSONField()


class TimelineEntryInputSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=[k.value for k in MANUAL_EVENT_KINDS])
    text = serializers.CharField(max_length=2000)
    url = serializers.URLField(max_length=500, required=False, allow_blank=True, default="")


class TaskSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    title = serializers.CharField()
    owner_id = serializers.IntegerField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()


class TaskInputSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    owner_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    due_at = serializers.DateTimeField(required=False, allow_null=True)


class TaskChangeSerializer(serializers.Serializer):
    owner_id = serializers.IntegerField(required=False, allow_null=True, min_value=1, max_value=2**31 - 1)
    done = serializers.BooleanField(required=False)


class SourceSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    label = serializers.CharField()
    url = serializers.CharField()
    created_at = serializers.DateTimeField()


class SourceInputSerializer(serializers.Serializer):
    label = serializers.CharField(max_length=120)
    url = serializers.URLField(max_length=500)


class _RoomAPIView(OrganizationAPIView):
    read_permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.DECLARE_CRISIS

    def get_crisis(self):
        return selectors.crisis_detail(organization=self.organization, pk=self.kwargs["pk"])

    @staticmethod
    def _valid(serializer_class, data):
        if not isinstance(data, dict):
            raise serializers.ValidationError({"detail": _("Send the fields as a JSON object.")})
        serializer = serializer_class(data=data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data


class RoomSeriesAPIView(_RoomAPIView):
    """Mentions and negative mentions per minute since the crisis started (the room's chart)."""

    @extend_schema(responses=SeriesSerializer)
    def get(self, request, *args, **kwargs):
        return Response(room_selectors.room_series(crisis=self.get_crisis()))


class RoomTimelineAPIView(_RoomAPIView):
    @extend_schema(responses=TimelineEntrySerializer(many=True))
    def get(self, request, *args, **kwargs):
        return Response(TimelineEntrySerializer(selectors.crisis_timeline(crisis=self.get_crisis()), many=True).data)

    @extend_schema(request=TimelineEntryInputSerializer, responses={201: TimelineEntrySerializer})
    def post(self, request, *args, **kwargs):
        crisis = self.get_crisis()
        data = self._valid(TimelineEntryInputSerializer, request.data)
        entry = room_services.room_entry_add(crisis=crisis, actor=request.user, **data)
        return Response(TimelineEntrySerializer(entry).data, status=status.HTTP_201_CREATED)


class RoomTasksAPIView(_RoomAPIView):
    @extend_schema(responses=TaskSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return Response(TaskSerializer(selectors.crisis_tasks(crisis=self.get_crisis()), many=True).data)

    @extend_schema(request=TaskInputSerializer, responses={201: TaskSerializer})
    def post(self, request, *args, **kwargs):
        crisis = self.get_crisis()
        data = self._valid(TaskInputSerializer, request.data)
        task = room_services.task_create(crisis=crisis, actor=request.user, title=data["title"],
                                         owner_id=data.get("owner_id"), due_at=data.get("due_at"))
        return Response(TaskSerializer(task).data, status=status.HTTP_201_CREATED)


class RoomTaskAPIView(_RoomAPIView):
    """Change one task: its owner (`owner_id`, null for nobody) or mark it done (`done: true`)."""

    def _task(self, crisis) -> CrisisTask:
        try:
            return selectors.crisis_tasks(crisis=crisis).get(pk=int(self.kwargs["task_pk"]))
        except (CrisisTask.DoesNotExist, ValueError, TypeError, OverflowError):
            raise NotFound() from None

    @extend_schema(responses=TaskSerializer)
    def get(self, request, *args, **kwargs):
        return Response(TaskSerializer(self._task(self.get_crisis())).data)

    @extend_schema(request=TaskChangeSerializer, responses=TaskSerializer)
    def patch(self, request, *args, **kwargs):
        crisis = self.get_crisis()
        task = self._task(crisis)
        data = self._valid(TaskChangeSerializer, request.data)
        if "owner_id" in data:
            task = room_services.task_assign(crisis=crisis, task=task, actor=request.user, owner_id=data["owner_id"])
        if data.get("done"):
            task = room_services.task_done(crisis=crisis, task=task, actor=request.user)
        return Response(TaskSerializer(task).data)


class RoomSourcesAPIView(_RoomAPIView):
    @extend_schema(responses=SourceSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return Response(SourceSerializer(selectors.crisis_sources(crisis=self.get_crisis()), many=True).data)

    @extend_schema(request=SourceInputSerializer, responses={201: SourceSerializer})
    def post(self, request, *args, **kwargs):
        crisis = self.get_crisis()
        data = self._valid(SourceInputSerializer, request.data)
        source = room_services.source_add(crisis=crisis, actor=request.user, **data)
        return Response(SourceSerializer(source).data, status=status.HTTP_201_CREATED)


class RoomSourceAPIView(_RoomAPIView):
    def _source(self, crisis) -> InfoSource:
        try:
            return selectors.crisis_sources(crisis=crisis).get(pk=int(self.kwargs["source_pk"]))
        except (InfoSource.DoesNotExist, ValueError, TypeError, OverflowError):
            raise NotFound() from None

    @extend_schema(responses=SourceSerializer)
    def get(self, request, *args, **kwargs):
        return Response(SourceSerializer(self._source(self.get_crisis())).data)

    @extend_schema(responses={204: None})
    def delete(self, request, *args, **kwargs):
        crisis = self.get_crisis()
        room_services.source_remove(crisis=crisis, source=self._source(crisis), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
