from django.http import Http404
from django.utils import translation
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from accounts.roles import Permission
from accounts.tenancy import OrganizationAPIView, OrganizationViewSet, access_by_id
from inbox import selectors as inbox_selectors

from .. import guides, selectors, services
from ..guard import lint_reply
from ..linter import BUILT_IN_DEFAULTS
from ..models import (
    ApprovalStatus,
    Guide,
    GuideVersion,
    LintRule,
    LintRuleKind,
    PerimeterRule,
    ReplyApproval,
    ReplyRecord,
)
from . import serializers as s


class LintView(OrganizationAPIView):
    """The reply linter, as the composer calls it while the agent types (the reply service runs the
    same rules again before queuing)."""

    read_permission = Permission.REPLY
    write_permission = Permission.REPLY

    @extend_schema(request=s.LintInputSerializer, responses=s.LintOutputSerializer)
    def post(self, request, *args, **kwargs):
        data = s.LintInputSerializer(data=request.data, context={"organization": self.organization})
        data.is_valid(raise_exception=True)
        values = data.validated_data
        conversation = values.get("conversation")
        context = inbox_selectors.reply_context(organization=self.organization, conversation_id=conversation.pk) \
            if conversation else None
        # In the person's own language, whichever way they authenticated (a token skips the
        # middleware that reads their profile).
        with translation.override(request.user.language or translation.get_language()):
            findings = lint_reply(organization_id=self.organization.pk, text=values["text"],
                                  platform=values["channel"].platform, visibility=values["visibility"],
                                  context=context)
        return Response({"findings": [f.to_dict() for f in findings]})


class LintSettingsView(OrganizationAPIView):
    """The built-in rules as this organization runs them; admins and leads switch and tune them."""

    read_permission = Permission.EDIT_GUIDES
    write_permission = Permission.EDIT_GUIDES

    def _data(self):
        rules = selectors.rule_set(organization=self.organization)
        return [{"code": code, "enabled": rules.setting(code).enabled, "severity": rules.setting(code).severity,
                 "options": rules.setting(code).options} for code in BUILT_IN_DEFAULTS]

    @extend_schema(responses=s.BuiltInRuleSerializer(many=True))
    def get(self, request, *args, **kwargs):
        return Response(self._data())

    @extend_schema(request=s.BuiltInRuleSerializer, responses=s.BuiltInRuleSerializer(many=True))
    def put(self, request, *args, **kwargs):
        data = s.BuiltInRuleSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.built_in_rule_set(organization=self.organization, actor=request.user, **data.validated_data)
        return Response(self._data())


class LintRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, OrganizationViewSet):
    """The organization's own linter rules: forbidden words, regular expressions, required mentions."""

    model = LintRule
    serializer_class = s.LintRuleSerializer
    read_permission = Permission.EDIT_GUIDES
    write_permission = Permission.EDIT_GUIDES
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.exclude(kind=LintRuleKind.BUILT_IN).order_by("name")

    def _save(self, rule=None):
        data = s.LintRuleSerializer(instance=rule, data=self.request.data, partial=rule is not None)
        data.is_valid(raise_exception=True)
        values = {f: getattr(rule, f) for f in ("kind", "name", "pattern", "severity", "visibility", "message", "enabled")} \
            if rule else {}
        values.update(data.validated_data)
        return services.custom_rule_save(organization=self.organization, actor=self.request.user, rule=rule, **values)

    @extend_schema(request=s.LintRuleSerializer, responses={201: s.LintRuleSerializer})
    def create(self, request, *args, **kwargs):
        return Response(s.LintRuleSerializer(self._save()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.LintRuleSerializer, responses=s.LintRuleSerializer)
    def partial_update(self, request, *args, **kwargs):
        return Response(s.LintRuleSerializer(self._save(self.get_object())).data)


class GuideViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Guides; each edit goes to the guide's draft, published after review (see guide-versions)."""

    model = Guide
    serializer_class = s.GuideSerializer
    write_permission = Permission.EDIT_GUIDES
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.select_related("published_version").order_by("name")

    @extend_schema(request=s.GuideInputSerializer, responses={201: s.GuideSerializer})
    def create(self, request, *args, **kwargs):
        data = s.GuideInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        guide = services.guide_create(organization=self.organization, actor=request.user, **data.validated_data)
        return Response(s.GuideSerializer(guide).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.GuideDraftInputSerializer, responses=s.GuideVersionSerializer)
    @action(detail=True, methods=["put"])
    def draft(self, request, *args, **kwargs):
        guide = self.get_object()  # another organization's guide answers 404 before the body is read
        data = s.GuideDraftInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        version = services.guide_draft_save(guide=guide, actor=request.user, **data.validated_data)
        return Response(s.GuideVersionSerializer(version).data)

    @extend_schema(responses=s.GuideVersionSerializer(many=True))
    @action(detail=True, methods=["get"])
    def versions(self, request, *args, **kwargs):
        return Response(s.GuideVersionSerializer(selectors.guide_versions(guide=self.get_object()), many=True).data)


class GuideVersionViewSet(mixins.RetrieveModelMixin, OrganizationViewSet):
    model = GuideVersion
    serializer_class = s.GuideVersionSerializer
    write_permission = Permission.EDIT_GUIDES

    def filter_organization_queryset(self, queryset):
        return queryset.select_related("created_by", "published_by")

    def _done(self, version):
        return Response(s.GuideVersionSerializer(version).data)

    @extend_schema(request=None, responses=s.GuideVersionSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, *args, **kwargs):
        return self._done(services.guide_version_submit(version=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=s.GuideVersionSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, *args, **kwargs):
        return self._done(services.guide_version_publish(version=self.get_object(), actor=request.user))

    @extend_schema(request=None, responses=s.GuideVersionSerializer)
    @action(detail=True, methods=["post"])
    def rollback(self, request, *args, **kwargs):
        return self._done(services.guide_rollback(version=self.get_object(), actor=request.user))

    @extend_schema(parameters=[OpenApiParameter("against", int, description="another version of the same guide")],
                   responses={200: {"type": "object", "properties": {"diff": {"type": "string"}}}})
    @action(detail=True, methods=["get"])
    def diff(self, request, *args, **kwargs):
        version = self.get_object()
        other = access_by_id(GuideVersion.objects.filter(guide_id=version.guide_id), organization=self.organization,
                             pk=request.query_params.get("against"))
        return Response({"diff": guides.diff(other.content, version.content)})


class PerimeterRuleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin,
                           OrganizationViewSet):
    """The autonomy perimeter: which replies need an approver, first matching rule first."""

    model = PerimeterRule
    serializer_class = s.PerimeterRuleSerializer
    read_permission = Permission.EDIT_GUIDES
    write_permission = Permission.EDIT_GUIDES
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.order_by("position", "id")

    def _save(self, rule=None):
        data = s.PerimeterRuleSerializer(instance=rule, data=self.request.data, partial=rule is not None)
        data.is_valid(raise_exception=True)
        values = {f: getattr(rule, f) for f in ("name", "position", "is_active", "conditions", "outcome",
                                                "approver_role")} if rule else {}
        values.update(data.validated_data)
        return services.perimeter_rule_save(organization=self.organization, rule=rule, **values)

    @extend_schema(request=s.PerimeterRuleSerializer, responses={201: s.PerimeterRuleSerializer})
    def create(self, request, *args, **kwargs):
        return Response(s.PerimeterRuleSerializer(self._save()).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=s.PerimeterRuleSerializer, responses=s.PerimeterRuleSerializer)
    def partial_update(self, request, *args, **kwargs):
        return Response(s.PerimeterRuleSerializer(self._save(self.get_object())).data)


class ApprovalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    """Replies waiting for an approver, the most urgent conversation first."""

    model = ReplyApproval
    serializer_class = s.ApprovalSerializer
    write_permission = Permission.APPROVE_REPLIES
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.select_related("author", "edited_by", "decided_by")

    @extend_schema(parameters=[OpenApiParameter("status", str, enum=ApprovalStatus.values)])
    def list(self, request, *args, **kwargs):
        wanted = request.query_params.get("status", ApprovalStatus.PENDING)
        if wanted not in ApprovalStatus.values:
            raise APIValidationError({"status": f"Use one of {', '.join(ApprovalStatus.values)}."})
        entries = selectors.approval_queue(organization=self.organization, statuses=(wanted,))
        return Response(s.ApprovalSerializer([e.approval for e in entries], many=True).data)

    @extend_schema(request=s.ApproveInputSerializer, responses=s.ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, *args, **kwargs):
        approval = self.get_object()
        data = s.ApproveInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approval = services.approval_approve(approval=approval, actor=request.user,
                                             text=data.validated_data.get("text") or None)
        return Response(s.ApprovalSerializer(approval).data)

    @extend_schema(request=s.RejectInputSerializer, responses=s.ApprovalSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, *args, **kwargs):
        approval = self.get_object()
        data = s.RejectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        approval = services.approval_reject(approval=approval, actor=request.user,
                                            comment=data.validated_data["comment"])
        return Response(s.ApprovalSerializer(approval).data)


class ReplyRecordViewSet(mixins.ListModelMixin, OrganizationViewSet):
    """What decided each reply: guide version, template, perimeter rule, findings, override reason."""

    model = ReplyRecord
    serializer_class = s.ReplyRecordSerializer

    def filter_organization_queryset(self, queryset):
        conversation = self.request.query_params.get("conversation", "")
        if conversation:
            if not conversation.isdigit():
                raise APIValidationError({"conversation": "Use a conversation id."})
            queryset = queryset.filter(conversation_id=int(conversation))
        return queryset.select_related("author", "guide_version").order_by("-pk")

    @extend_schema(parameters=[OpenApiParameter("conversation", int)])
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class SuggestionsView(OrganizationAPIView):
    """What the guides suggest for a conversation: scenarios, filled templates, do/don't, sources."""

    read_permission = Permission.REPLY

    @extend_schema(parameters=[OpenApiParameter("conversation", int, required=True)],
                   responses={200: {"type": "object"}})
    def get(self, request, *args, **kwargs):
        from ..views import composer_guidance

        try:
            conversation_id = int(request.query_params.get("conversation", ""))
            return Response(composer_guidance(self.organization, request.user, conversation_id))
        except (ValueError, LookupError):
            raise Http404 from None
