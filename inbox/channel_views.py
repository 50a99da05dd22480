"""Channel pages: the health of every connected account, connecting, testing, pausing, removing.

Reads are open to everyone who sees the inbox; every change needs MANAGE_CHANNELS (admins).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views.decorators.debug import sensitive_post_parameters, sensitive_variables
from django.views.generic import TemplateView

from accounts.roles import Permission, role_can
from accounts.tenancy import OrganizationPageMixin, access_by_id

from . import selectors
from .channel_forms import CONNECT_FORMS, connection_initial, reconnect_form_class
from .models import Channel, ChannelStatus, Platform
from .services import channels as channel_services

WEBHOOK_ROUTES = {Platform.X: "webhook-x", Platform.FACEBOOK: "webhook-meta", Platform.INSTAGRAM: "webhook-meta"}


def _errors(error: ValidationError) -> list[str]:
    return list(error.messages)


class ChannelListView(OrganizationPageMixin, TemplateView):
    template_name = "inbox/channels/list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["channels"] = selectors.channel_list(organization=self.organization)
        context["platforms"] = Platform.choices
        return context


class ChannelHealthView(OrganizationPageMixin, TemplateView):
    """The channels-in-trouble banner alone: every page reloads it on a `channel.health` live event."""

    template_name = "inbox/_channel_health.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["troubled_channels"] = selectors.channels_in_trouble(organization=self.organization)
        return context


class ChannelConnectView(OrganizationPageMixin, TemplateView):
    """GET ?platform=x shows that platform's form; without one, the choice of platforms."""

    template_name = "inbox/channels/connect.html"
    permission = Permission.MANAGE_CHANNELS

    def form_class(self):
        return CONNECT_FORMS.get(self.request.GET.get("platform", ""))

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form_class = self.form_class()
        context["platforms"] = Platform.choices
        if form_class:
            context["platform"] = form_class.platform
            context["platform_label"] = Platform(form_class.platform).label
            context["form"] = kwargs.get("form") or form_class()
        return context

    # The form carries the channel's secrets: never on an error page or in an error report.
    @method_decorator(sensitive_post_parameters())
    @method_decorator(sensitive_variables("form", "credentials"))
    def post(self, request, *args, **kwargs):
        form_class = self.form_class()
        if form_class is None:
            raise Http404
        form = form_class(request.POST)
        if form.is_valid():
            try:
                channel = channel_services.channel_connect_checked(
                    organization=self.organization, platform=form.platform, credentials=form.credentials(),
                    connection=form.connection(), actor=request.user,
                    confirmed_brand_account=form.cleaned_data["confirmed_brand_account"])
            except ValidationError as error:
                for problem in _errors(error):
                    form.add_error(None, problem)
            else:
                messages.success(request, _("%(channel)s is connected.") % {"channel": channel})
                return redirect("channel-detail", organization_slug=self.organization.slug, pk=channel.pk)
        return self.render_to_response(self.get_context_data(form=form))


class _ChannelPage(OrganizationPageMixin, TemplateView):
    write_permission = Permission.MANAGE_CHANNELS

    def get_channel(self) -> Channel:
        return access_by_id(Channel.objects, organization=self.organization, pk=self.kwargs["pk"])


class ChannelDetailView(_ChannelPage):
    """Health in full, and the admin's actions: test the connection, pause, resume."""

    template_name = "inbox/channels/detail.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        channel = kwargs.get("channel") or self.get_channel()
        context["channel"] = channel
        context["paused"] = channel.status == ChannelStatus.DISABLED
        route = WEBHOOK_ROUTES.get(channel.platform)
        if route and role_can(self.membership.role, Permission.MANAGE_CHANNELS):
            # The address holds the channel's webhook token: shown to those who connect channels only.
            context["webhook_url"] = self.request.build_absolute_uri(
                reverse(route, kwargs={"token": channel.webhook_token}))
        return context

    def post(self, request, *args, **kwargs):
        channel = self.get_channel()
        action = request.POST.get("action")
        if action == "test":
            try:
                account = channel_services.channel_test_connection(channel=channel)
            except ValidationError as error:
                messages.error(request, " ".join(_errors(error)))
            else:
                messages.success(request, _("The connection works: the platform knows this account as %(handle)s.")
                                 % {"handle": account.handle})
        elif action in ("pause", "resume"):
            channel_services.channel_set_paused(channel=channel, paused=action == "pause")
            messages.success(request, _("Channel paused: nothing is fetched or sent until you resume it.")
                             if action == "pause" else _("Channel resumed: fetching starts again now."))
        else:
            messages.error(request, _("Unknown action."))
        return redirect("channel-detail", organization_slug=self.organization.slug, pk=channel.pk)


class ChannelReconnectView(_ChannelPage):
    """New credentials for the same account, after the admin confirms they replace the stored ones."""

    template_name = "inbox/channels/reconnect.html"
    permission = Permission.MANAGE_CHANNELS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["channel"] = channel = kwargs.get("channel") or self.get_channel()
        context["form"] = kwargs.get("form") or reconnect_form_class(channel.platform)(
            initial=connection_initial(channel.connection))
        return context

    def post(self, request, *args, **kwargs):
        channel = self.get_channel()
        form = reconnect_form_class(channel.platform)(request.POST)
        if form.is_valid():
            try:
                channel = channel_services.channel_reconnect_checked(
                    channel=channel, credentials=form.credentials(), connection=form.connection(),
                    actor=request.user, confirmed_brand_account=form.cleaned_data["confirmed_brand_account"],
                    confirmed_replacement=form.cleaned_data["confirmed_replacement"])
            except ValidationError as error:
                for problem in _errors(error):
                    form.add_error(None, problem)
            else:
                messages.success(request, _("%(channel)s is reconnected with the new credentials.")
                                 % {"channel": channel})
                return redirect("channel-detail", organization_slug=self.organization.slug, pk=channel.pk)
        return self.render_to_response(self.get_context_data(channel=channel, form=form))


class ChannelRemoveView(_ChannelPage):
    """A confirmation page: removing a channel deletes its conversations too."""

    template_name = "inbox/channels/remove.html"
    permission = Permission.MANAGE_CHANNELS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["channel"] = channel = self.get_channel()
        context["conversation_count"] = channel.conversations.count()
        return context

    def post(self, request, *args, **kwargs):
        channel = self.get_channel()
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the confirmation to remove the channel."))
            return redirect("channel-remove", organization_slug=self.organization.slug, pk=channel.pk)
        label = str(channel)
        channel_services.channel_remove(channel=channel, actor=request.user)
        messages.success(request, _("%(channel)s was removed.") % {"channel": label})
        return redirect("channel-list", organization_slug=self.organization.slug)
