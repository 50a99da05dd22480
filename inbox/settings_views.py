"""Pages of admins and leads: inbox settings (first-response targets, business hours, holidays)
and the routing-rule editor with its preview."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.roles import Permission
from accounts.tenancy import OrganizationPageMixin, access_by_id

from . import services, sla
from .models import InboxSettings, RoutingRule
from .routing_preview import PREVIEW_SIZE, routing_rule_preview
from .settings_forms import InboxSettingsForm, RoutingRuleForm


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, problems in error.message_dict.items():
            form.add_error(field if field in form.fields else None, problems)
    else:
        form.add_error(None, error.messages)


class InboxSettingsPageView(OrganizationPageMixin, TemplateView):
    template_name = "inbox/settings/inbox_settings.html"
    permission = Permission.MANAGE_ROUTING

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # The saved policy itself, not the one in force (a crisis tightens that one for a while).
        row = InboxSettings.objects.for_organization(self.organization).first()
        saved = dict(row.sla_policy) if row and row.sla_policy else {}
        policy = sla.SlaPolicy.from_json({**saved, "time_zone": self.organization.time_zone}).to_json()
        context["form"] = kwargs.get("form") or InboxSettingsForm(initial=InboxSettingsForm.initial_from(policy))
        return context

    def post(self, request, *args, **kwargs):
        form = InboxSettingsForm(request.POST)
        if form.is_valid():
            try:
                services.inbox_settings_update(organization=self.organization,
                                               sla_policy={**form.cleaned_data["sla_policy"],
                                                           "time_zone": self.organization.time_zone})
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Inbox settings saved."))
                return redirect("inbox-settings-page", organization_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RoutingRuleListView(OrganizationPageMixin, TemplateView):
    """The rules in the order they apply, and a form for a new one (with its preview)."""

    template_name = "inbox/settings/routing_rules.html"
    permission = Permission.MANAGE_ROUTING

    def get_rule(self) -> RoutingRule | None:
        return None

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rule = self.get_rule()
        context["rule"] = rule
        context["rules"] = (RoutingRule.objects.for_organization(self.organization)
                            .select_related("team").prefetch_related("tags").order_by("position", "id"))
        initial = RoutingRuleForm.initial_from(rule) if rule else None
        context["form"] = kwargs.get("form") or RoutingRuleForm(organization=self.organization, initial=initial)
        context["preview"] = kwargs.get("preview")
        context["preview_size"] = PREVIEW_SIZE
        return context

    def post(self, request, *args, **kwargs):
        rule = self.get_rule()
        action = request.POST.get("action", "save")
        if action == "delete" and rule is not None:
            services.routing_rule_delete(rule=rule)
            messages.success(request, _("Routing rule removed."))
            return redirect("routing-rule-list", organization_slug=self.organization.slug)
        form = RoutingRuleForm(request.POST, organization=self.organization)
        preview = None
        if form.is_valid():
            try:
                if action == "preview":
                    preview = routing_rule_preview(organization=self.organization, conditions=form.conditions())
                    return self.render_to_response(self.get_context_data(form=form, preview=preview))
                if rule is None:
                    services.routing_rule_create(organization=self.organization, **form.rule_values())
                else:
                    services.routing_rule_update(rule=rule, **form.rule_values())
            except ValidationError as error:
                _add_errors(form, error)
            else:
                messages.success(request, _("Routing rule saved."))
                return redirect("routing-rule-list", organization_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form, preview=preview), status=400)


class RoutingRuleDetailView(RoutingRuleListView):
    def get_rule(self) -> RoutingRule:
        return access_by_id(RoutingRule.objects, organization=self.organization, pk=self.kwargs["pk"])
