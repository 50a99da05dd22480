"""Channels API: list and health (everyone who reads the inbox), connect/test/pause/resume/remove (admins).

Credentials go in once, through `create`, and never come out: no serializer here has a field for them.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.decorators import method_decorator
from django.views.decorators.debug import sensitive_variables
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as APIValidationError
from rest_framework.response import Response

from accounts.roles import Permission
from accounts.tenancy import OrganizationViewSet

from ..channel_forms import CONNECT_FORMS, reconnect_form_class
from ..models import Channel, Platform
from ..services import channels as channel_services


class ChannelOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        # Listed one by one so that a new secret-bearing field can never leak by default.
        fields = ["id", "platform", "handle", "display_name", "avatar_url", "status", "status_reason",
                  "status_changed_at", "connection", "poll_interval_seconds", "last_polled_at", "next_poll_at",
                  "last_poll_error", "consecutive_failures", "rate_limit_reset_at", "created_at"]
        read_only_fields = fields


class ChannelConnectInputSerializer(serializers.Serializer):
    platform = serializers.ChoiceField(choices=Platform.choices)
    credentials = serializers.DictField(child=serializers.CharField(), required=False, default=dict)
    connection = serializers.DictField(required=False, default=dict)
    confirmed_brand_account = serializers.BooleanField()


class ChannelReconnectInputSerializer(serializers.Serializer):
    credentials = serializers.DictField(child=serializers.CharField(), required=False, default=dict)
    connection = serializers.DictField(required=False, default=dict)
    confirmed_brand_account = serializers.BooleanField()
    confirmed_replacement = serializers.BooleanField(
        help_text="The new credentials replace the stored ones; they must be for the same account.")


class ConnectionTestOutputSerializer(serializers.Serializer):
    ok = serializers.BooleanField()
    external_id = serializers.CharField()
    handle = serializers.CharField()
    name = serializers.CharField()


def _form_value(value):
    # The pages' forms take text; the API accepts lists for watch terms and feed addresses.
    return "\n".join(str(v) for v in value) if isinstance(value, list | tuple) else value


@sensitive_variables("data", "values", "form")
def _validated_connect_form(data: dict, form_class=None):
    """The same per-platform rules as the connect page, so the two can never disagree."""
    form_class = form_class or CONNECT_FORMS[data["platform"]]
    values = {name: _form_value(value) for name, value in {**data["connection"], **data["credentials"]}.items()}
    confirmations = {name: data[name] for name in ("confirmed_brand_account", "confirmed_replacement") if name in data}
    form = form_class({**values, **confirmations})
    if not form.is_valid():
        raise APIValidationError({("non_field_errors" if field == "__all__" else field): problems
                                  for field, problems in form.errors.items()})
    return form


class ChannelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrganizationViewSet):
    model = Channel
    serializer_class = ChannelOutputSerializer
    read_permission = Permission.VIEW_INBOX
    write_permission = Permission.MANAGE_CHANNELS
    pagination_class = None

    def filter_organization_queryset(self, queryset):
        return queryset.order_by("platform", "handle")

    def http_method_not_allowed(self, request, *args, **kwargs):
        # Another organization's channel answers 404 whatever the method, exactly like a missing one.
        if "pk" in kwargs:
            self.get_object()
        return super().http_method_not_allowed(request, *args, **kwargs)

    @extend_schema(request=ChannelConnectInputSerializer, responses={201: ChannelOutputSerializer})
    @method_decorator(sensitive_variables("data", "form"))  # the channel's secrets: never in an error report
    def create(self, request, *args, **kwargs):
        data = ChannelConnectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        form = _validated_connect_form(data.validated_data)
        try:
            channel = channel_services.channel_connect_checked(
                organization=self.organization, platform=form.platform, credentials=form.credentials(),
                connection=form.connection(), actor=request.user,
                confirmed_brand_account=form.cleaned_data["confirmed_brand_account"])
        except ValidationError as error:
            raise APIValidationError({"non_field_errors": error.messages}) from None
        return Response(ChannelOutputSerializer(channel).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        channel_services.channel_remove(channel=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ChannelReconnectInputSerializer, responses=ChannelOutputSerializer)
    @action(detail=True, methods=["post"])
    def reconnect(self, request, *args, **kwargs):
        channel = self.get_object()
        data = ChannelReconnectInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        form = _validated_connect_form(data.validated_data, reconnect_form_class(channel.platform))
        try:
            channel = channel_services.channel_reconnect_checked(
                channel=channel, credentials=form.credentials(), connection=form.connection(), actor=request.user,
                confirmed_brand_account=form.cleaned_data["confirmed_brand_account"],
                confirmed_replacement=form.cleaned_data["confirmed_replacement"])
        except ValidationError as error:
            raise APIValidationError({"non_field_errors": error.messages}) from None
        return Response(ChannelOutputSerializer(channel).data)

    @extend_schema(request=None, responses=ConnectionTestOutputSerializer)
    @action(detail=True, methods=["post"])
    def test(self, request, *args, **kwargs):
        try:
            account = channel_services.channel_test_connection(channel=self.get_object())
        except ValidationError as error:
            raise APIValidationError({"non_field_errors": error.messages}) from None
        return Response({"ok": True, "external_id": account.external_id, "handle": account.handle,
                         "name": account.name})

    @extend_schema(request=None, responses=ChannelOutputSerializer)
    @action(detail=True, methods=["post"])
    def pause(self, request, *args, **kwargs):
        channel = channel_services.channel_set_paused(channel=self.get_object(), paused=True)
        return Response(ChannelOutputSerializer(channel).data)

    @extend_schema(request=None, responses=ChannelOutputSerializer)
    @action(detail=True, methods=["post"])
    def resume(self, request, *args, **kwargs):
        channel = channel_services.channel_set_paused(channel=self.get_object(), paused=False)
        return Response(ChannelOutputSerializer(channel).data)
