"""Statements API under /api/v1/o/<slug>/statements/: list, detail, draft, revise, submit, approve, reject,
publish. Input is parsed here; who may do what and every rule is decided in crisis.services.statements."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from accounts.roles import Permission
from accounts.tenancy import OrganizationViewSet
from config.api import NewestFirstCursorPagination

from .. import selectors
from ..models import Statement
from ..services import statements as statement_services


def _plain_text(value: str) -> str:
    if "\x00" in value:
        raise serializers.ValidationError(_("The text holds a character that cannot be published."))
    return value


class PersonField(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="display_name")


class ApprovalOutput(serializers.Serializer):
    approver = PersonField()
    decision = serializers.CharField()
    reason = serializers.CharField()
    as_executive = serializers.BooleanField()
    at = serializers.DateTimeField()


class VersionOutput(serializers.Serializer):
    number = serializers.IntegerField()
    text = serializers.CharField()
    author = PersonField(allow_null=True)
    created_at = serializers.DateTimeField()
    approvals = ApprovalOutput(many=True, source="approvals.all")


class PublicationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    channel_id = serializers.IntegerField()
    channel = serializers.CharField(source="channel_label")
    version = serializers.IntegerField()
    state = serializers.CharField()
    url = serializers.CharField()
    external_id = serializers.CharField()
    pinned = serializers.BooleanField()
    pin_note = serializers.CharField()
    error = serializers.CharField()


class StatementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    crisis_id = serializers.IntegerField()
    title = serializers.CharField()
    status = serializers.CharField()
    current_version = serializers.IntegerField()
    channel_ids = serializers.ListField(child=serializers.IntegerField())
    template_name = serializers.CharField()
    created_at = serializers.DateTimeField()
    approved_at = serializers.DateTimeField(allow_null=True)
    published_at = serializers.DateTimeField(allow_null=True)


class StatementDetailOutput(StatementOutput):
    waiting_for = serializers.SerializerMethodField()
    versions = serializers.SerializerMethodField()
    publications = serializers.SerializerMethodField()

    def get_waiting_for(self, statement) -> str:
        state = statement_services.approval_state(statement)
        return state.missing() if statement.status == "in_review" else ""

    def get_versions(self, statement) -> list:
        return VersionOutput(selectors.statement_versions(statement=statement), many=True).data

    def get_publications(self, statement) -> list:
        return PublicationOutput(selectors.statement_publications(statement=statement), many=True).data


class StatementDraftInput(serializers.Serializer):
    text = serializers.CharField(max_length=statement_services.MAX_TEXT, trim_whitespace=True,
                                 validators=[_plain_text])
    title = serializers.CharField(max_length=200, required=False, allow_blank=True, validators=[_plain_text])
    template_name = serializers.CharField(max_length=200, required=False, allow_blank=True, validators=[_plain_text])
    channel_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), required=False,
                                        max_length=50)


class ReviseInput(serializers.Serializer):
    text = serializers.CharField(max_length=statement_services.MAX_TEXT, validators=[_plain_text])
    channel_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), required=False,
                                        max_length=50)


class DecisionInput(serializers.Serializer):
    version = serializers.IntegerField(min_value=1, max_value=2**31, required=False)
    reason = serializers.CharField(max_length=2000, required=False, allow_blank=True, validators=[_plain_text])


class PublishInput(serializers.Serializer):
    channel_ids = serializers.ListField(child=serializers.IntegerField(min_value=1, max_value=2**62), required=False,
                                        max_length=50)


def _valid(serializer_class, request):
    data = serializer_class(data=request.data)
    data.is_valid(raise_exception=True)
    return data.validated_data


class StatementViewSet(mixins.ListModelMixin, OrganizationViewSet):
    """The organization's statements, newest first (?crisis=<id> for one crisis). Writes answer the
    statement as it now is; a rule refused answers 400 in words, a role without the right 403."""

    model = Statement
    serializer_class = StatementOutput
    read_permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.VIEW_CRISIS_ROOM  # each action's own permission is checked by its service
    pagination_class = NewestFirstCursorPagination

    def filter_organization_queryset(self, queryset):
        crisis = self.request.query_params.get("crisis")
        if crisis:
            try:
                queryset = queryset.filter(crisis_id=int(crisis))
            except (TypeError, ValueError, OverflowError):
                raise APIValidationError({"crisis": [_("Give a crisis id (a number).")]}) from None
        return queryset.select_related("crisis")

    def _answer(self, statement, code=status.HTTP_200_OK):
        statement = selectors.statement_detail(organization=self.organization, pk=statement.pk)
        return Response(StatementDetailOutput(statement).data, status=code)

    @extend_schema(responses=StatementDetailOutput)
    def retrieve(self, request, *args, **kwargs):
        return self._answer(self.get_object())

    @extend_schema(request=StatementDraftInput, responses={201: StatementDetailOutput})
    def create(self, request, *args, **kwargs):
        data = _valid(StatementDraftInput, request)
        crisis = selectors.active_crisis(organization=self.organization)
        if crisis is None:
            raise APIValidationError({"detail": _("No crisis is active: statements are written for an active crisis.")})
        statement = statement_services.statement_draft(
            crisis=crisis, actor=request.user, text=data["text"], channel_ids=data.get("channel_ids", ()),
            template_name=data.get("template_name", ""), title=data.get("title", ""))
        return self._answer(statement, status.HTTP_201_CREATED)

    @extend_schema(request=ReviseInput, responses=StatementDetailOutput)
    @action(detail=True, methods=["post"])
    def revise(self, request, *args, **kwargs):
        statement = self.get_object()  # another organization's answers 404 before its input is read
        data = _valid(ReviseInput, request)
        return self._answer(statement_services.statement_revise(
            statement=statement, actor=request.user, text=data["text"], channel_ids=data.get("channel_ids")))

    @extend_schema(request=None, responses=StatementDetailOutput)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        return self._answer(statement_services.statement_submit(statement=self.get_object(), actor=request.user))

    @extend_schema(request=DecisionInput, responses=StatementDetailOutput)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        statement = self.get_object()
        data = _valid(DecisionInput, request)
        return self._answer(statement_services.statement_approve(statement=statement, actor=request.user,
                                                                 version=data.get("version")))

    @extend_schema(request=DecisionInput, responses=StatementDetailOutput)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        statement = self.get_object()
        data = _valid(DecisionInput, request)
        return self._answer(statement_services.statement_reject(statement=statement, actor=request.user,
                                                                reason=data.get("reason", ""),
                                                                version=data.get("version")))

    @extend_schema(request=PublishInput, responses=StatementDetailOutput)
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        statement = self.get_object()
        data = _valid(PublishInput, request)
        return self._answer(statement_services.statement_publish(statement=statement, actor=request.user,
                                                                 channel_ids=data.get("channel_ids")))
