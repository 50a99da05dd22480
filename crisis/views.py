"""On-call pages: rotas and their timeline, my shifts and swaps, alerts, notification settings.

Thin: parse the form, call one service or selector, render. Errors from services reach the page
in words people can act on.
"""

from __future__ import annotations

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views import View
from django.views.generic import TemplateView

from accounts.models import User
from accounts.roles import Permission, role_can
from accounts.selectors import member_users, organization_members
from accounts.tenancy import OrganizationPageMixin, access_by_id

from . import selectors
from .ack_links import BadAckLink, read_ack_token
from .forms import (
    ContactMethodForm,
    LayerForm,
    ManualPageForm,
    NotificationRuleForm,
    PeriodForm,
    PolicyForm,
    RotaForm,
)
from .models import (
    Alert,
    AlertSeverity,
    AlertSource,
    ContactMethod,
    EscalationPolicy,
    NotificationRule,
    PersonalCalendar,
    Rota,
    RotaSwap,
    RoutingRule,
    TopicMute,
    WatchTopic,
)
from .services import alerts as alert_services
from .services import detection as detection_services
from .services import handover as handover_services
from .services import notifications as notification_services
from .services import oncall as rota_services
from .services import policies as policy_services


def _complain(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _require(membership, permission: Permission) -> None:
    if not role_can(membership.role, permission):
        raise PermissionDenied


class OnCallView(OrganizationPageMixin, TemplateView):
    """Rotas, who is on call now in each, my shifts, swaps waiting for my answer; leads create rotas."""

    template_name = "crisis/oncall.html"
    permission = Permission.VIEW_ONCALL
    write_permission = Permission.VIEW_ONCALL  # creating a rota needs MANAGE_ROTAS, checked in post()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        now = timezone.now()
        rotas = list(selectors.rota_list(organization=self.organization))
        now_on_call = [(rota, selectors.on_call_at(rota=rota, at=now)) for rota in rotas]
        names = selectors.users_by_id(organization=self.organization, user_ids={s.user_id for _r, s in now_on_call})
        context["rotas"] = [(rota, shift, names.get(shift.user_id)) for rota, shift in now_on_call]
        context["my_shifts"] = selectors.my_shifts(organization=self.organization, user=self.request.user,
                                                   start=now, end=now + timedelta(days=14))
        context["swaps_for_me"] = selectors.swaps_waiting_for(organization=self.organization, user=self.request.user)
        context["members"] = organization_members(organization=self.organization)
        calendar = rota_services.personal_calendar_for(organization=self.organization, user=self.request.user)
        context["my_calendar_url"] = self.request.build_absolute_uri(reverse("calendar-person", kwargs={"token": calendar.token}))
        context["today"] = now.date()
        context["form"] = kwargs.get("form") or RotaForm(initial={"starts_on": now.date(), "handoff_time": "09:00"})
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("action") == "renew-calendar":
            rota_services.personal_calendar_for(organization=self.organization, user=request.user, renew=True)
            messages.success(request, _("New calendar address: the old one no longer works."))
            return redirect("oncall", organization_slug=self.organization.slug)
        if not role_can(self.membership.role, Permission.MANAGE_ROTAS):
            raise PermissionDenied
        form = RotaForm(request.POST)
        if form.is_valid():
            try:
                rota = rota_services.rota_create(
                    organization=self.organization, actor=request.user, name=form.cleaned_data["rota_name"],
                    time_zone=form.cleaned_data["time_zone"], layers=[form.layer_fields()])
            except ValidationError as error:
                for problems in error.message_dict.values():
                    form.add_error(None, problems)
            else:
                messages.success(request, _("Rota created."))
                return redirect("rota-detail", organization_slug=self.organization.slug, pk=rota.pk)
        return self.render_to_response(self.get_context_data(form=form))


class RotaDetailView(OrganizationPageMixin, TemplateView):
    """The rota's coming two weeks: layers, overrides, who is really on call, and gaps."""

    template_name = "crisis/rota_detail.html"
    permission = Permission.VIEW_ONCALL
    write_permission = Permission.VIEW_ONCALL  # each action below checks its own permission

    def get_rota(self) -> Rota:
        return access_by_id(Rota.objects, organization=self.organization, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rota = self.get_rota()
        now = timezone.now()
        zone = selectors.rota_math.zone_for(rota.time_zone)
        midnight = now.astimezone(zone).replace(hour=0, minute=0, second=0, microsecond=0)
        context.update(
            rota=rota, board=selectors.rota_board(rota=rota, start=midnight),
            on_call=selectors.on_call_at(rota=rota, at=now),
            layers=selectors.rota_layers(rota=rota), overrides=selectors.rota_overrides(rota=rota, since=now),
            swaps=selectors.rota_swaps(rota=rota, since=now), members=organization_members(organization=self.organization),
            today=now.date(),
            calendar_url=self.request.build_absolute_uri(reverse("calendar-rota", kwargs={"token": rota.calendar_token})),
        )
        context["on_call_user"] = selectors.users_by_id(organization=self.organization,
                                                        user_ids=[context["on_call"].user_id]).get(context["on_call"].user_id)
        return context

    def post(self, request, *args, **kwargs):
        rota = self.get_rota()
        action = request.POST.get("action")
        try:
            if action == "override":
                _require(self.membership, Permission.MANAGE_ROTAS)
                self._period(rota, rota_services.override_create)
                messages.success(request, _("Override added."))
            elif action == "swap":
                _require(self.membership, Permission.RESPOND_ALERTS)
                self._period(rota, rota_services.swap_request)
                messages.success(request, _("Swap asked: it applies once accepted."))
            elif action == "layer":
                _require(self.membership, Permission.MANAGE_ROTAS)
                form = LayerForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Check the layer: every field is needed."))
                rota_services.layer_create(rota=rota, actor=request.user, **form.layer_fields())
                messages.success(request, _("Layer added."))
            elif action == "delete-override":
                _require(self.membership, Permission.MANAGE_ROTAS)
                override = access_by_id(rota.overrides, organization=self.organization, pk=request.POST.get("override"))
                rota_services.override_delete(override=override, actor=request.user)
                messages.success(request, _("Override removed."))
            elif action == "revoke-calendar":
                _require(self.membership, Permission.MANAGE_ROTAS)
                rota_services.rota_calendar_revoke(rota=rota, actor=request.user)
                messages.success(request, _("New calendar address: the old one no longer works."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            _complain(request, error)
        return redirect("rota-detail", organization_slug=self.organization.slug, pk=rota.pk)

    def _period(self, rota: Rota, service) -> None:
        form = PeriodForm(self.request.POST)
        # The person types wall times of the rota's zone, whatever their own.
        with timezone.override(selectors.rota_math.zone_for(rota.time_zone)):
            valid = form.is_valid()
        if not valid:
            problems = [str(e) for errors in form.errors.values() for e in errors]
            raise ValidationError(_("Give a person, a start and an end.") + " " + " ".join(problems))
        data = form.cleaned_data
        person = member_users(organization=self.organization, user_ids=[data["user"]]).get(data["user"])
        if person is None:
            raise ValidationError(_("Only members of this organization can be on call."))
        starts_at, ends_at = data["starts_at"], data["ends_at"]
        if service is rota_services.override_create:
            service(rota=rota, actor=self.request.user, user=person, starts_at=starts_at, ends_at=ends_at, reason=data["note"])
        else:
            service(rota=rota, actor=self.request.user, covered_by=person, starts_at=starts_at, ends_at=ends_at, note=data["note"])


class SwapDecisionView(OrganizationPageMixin, View):
    permission = Permission.VIEW_ONCALL

    def post(self, request, *args, **kwargs):
        swap = access_by_id(RotaSwap.objects, organization=self.organization, pk=self.kwargs["pk"])
        decision = request.POST.get("decision")
        try:
            if decision == "accept":
                rota_services.swap_accept(swap=swap, actor=request.user)
                messages.success(request, _("Swap accepted: you are on call in that period."))
            elif decision == "decline":
                rota_services.swap_decline(swap=swap, actor=request.user)
                messages.success(request, _("Swap declined."))
            elif decision == "cancel":
                rota_services.swap_cancel(swap=swap, actor=request.user, role=self.membership.role)
                messages.success(request, _("Swap cancelled."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            _complain(request, error)
        return redirect("rota-detail", organization_slug=self.organization.slug, pk=swap.rota_id)


class AlertListView(OrganizationPageMixin, TemplateView):
    template_name = "crisis/alert_list.html"
    permission = Permission.VIEW_ONCALL
    write_permission = Permission.RESPOND_ALERTS

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        status = self.request.GET.get("status", "open")
        context["status"] = status
        context["alerts"] = selectors.alert_list(organization=self.organization,
                                                 status=None if status == "all" else status)[:200]
        context["form"] = kwargs.get("form") or ManualPageForm()
        return context

    def post(self, request, *args, **kwargs):
        form = ManualPageForm(request.POST)
        if form.is_valid():
            try:
                alert, _created = alert_services.alert_raise(
                    organization=self.organization, source=AlertSource.MANUAL, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                for problems in error.message_dict.values():
                    form.add_error(None, problems)
            else:
                messages.success(request, _("Page sent: the escalation policy runs now."))
                return redirect("alert-detail", organization_slug=self.organization.slug, pk=alert.pk)
        return self.render_to_response(self.get_context_data(form=form))


class AlertDetailView(OrganizationPageMixin, TemplateView):
    template_name = "crisis/alert_detail.html"
    permission = Permission.VIEW_ONCALL
    write_permission = Permission.RESPOND_ALERTS

    def get_alert(self) -> Alert:
        return access_by_id(Alert.objects, organization=self.organization, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        alert = self.get_alert()
        log = list(selectors.alert_log(alert=alert))
        user_ids = {u for entry in log for u in entry.data.get("users", [])}
        context.update(alert=alert, log=log, names=selectors.users_by_id(organization=self.organization, user_ids=user_ids))
        # Declaring a crisis from here, in one click or through the prefilled form (crisis/cell_views.py).
        context["declare_from"] = alert.source != AlertSource.CRISIS_DECLARED
        return context

    def post(self, request, *args, **kwargs):
        alert = self.get_alert()
        action = request.POST.get("action")
        if action == "acknowledge":
            alert_services.alert_acknowledge(alert=alert, actor=request.user)
            messages.success(request, _("Acknowledged: the escalation stopped."))
        elif action == "resolve":
            alert_services.alert_resolve(alert=alert, actor=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("Resolved."))
        else:
            messages.error(request, _("Unknown action."))
        return redirect("alert-detail", organization_slug=self.organization.slug, pk=alert.pk)


class NotificationSettingsView(OrganizationPageMixin, TemplateView):
    """My contact methods and rules (in the app at once, e-mail after 1 minute...), with a test button."""

    template_name = "crisis/notifications.html"
    permission = Permission.VIEW_ONCALL

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context.update(
            methods=selectors.contact_methods(organization=self.organization, user=user),
            rules=selectors.notification_rules(organization=self.organization, user=user),
            method_form=kwargs.get("method_form") or ContactMethodForm(),
            rule_form=NotificationRuleForm(),
        )
        return context

    def _method(self, pk) -> ContactMethod:
        method = access_by_id(ContactMethod.objects, organization=self.organization, pk=pk)
        if method.user_id != self.request.user.pk:
            raise Http404
        return method

    def post(self, request, *args, **kwargs):
        action, user = request.POST.get("action"), request.user
        try:
            if action == "add-method":
                form = ContactMethodForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose a kind of contact method."))
                notification_services.contact_method_create(organization=self.organization, user=user, **form.cleaned_data)
                messages.success(request, _("Contact method added."))
            elif action == "delete-method":
                notification_services.contact_method_delete(method=self._method(request.POST.get("method")), actor=user)
                messages.success(request, _("Contact method removed."))
            elif action == "test":
                attempt = notification_services.contact_method_test(method=self._method(request.POST.get("method")), actor=user)
                if attempt.error:
                    messages.error(request, _("The test failed: %(error)s") % {"error": attempt.error})
                else:
                    messages.success(request, _("Test sent: check that it arrived."))
            elif action == "add-rule":
                form = NotificationRuleForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("Choose a contact method and a delay between 0 and 240 minutes."))
                notification_services.notification_rule_create(
                    organization=self.organization, user=user, contact_method=self._method(form.cleaned_data["contact_method"]),
                    delay_minutes=form.cleaned_data["delay_minutes"])
                messages.success(request, _("Rule added."))
            elif action == "delete-rule":
                rule = access_by_id(NotificationRule.objects, organization=self.organization, pk=request.POST.get("rule"))
                if rule.user_id != user.pk:
                    raise Http404
                notification_services.notification_rule_delete(rule=rule, actor=user)
                messages.success(request, _("Rule removed."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            _complain(request, error)
        return redirect("contact-methods", organization_slug=self.organization.slug)


class AckLinkView(View):
    """The signed one-click link from an e-mail, SMS or chat message.

    Opening it shows one button; pressing it acknowledges. A plain GET changes nothing, because
    mail scanners and chat previews open links by themselves.
    """

    template_name = "crisis/ack_link.html"

    def _read(self, request, token: str):
        try:
            alert_id, user_id = read_ack_token(token)
        except BadAckLink as problem:
            message = (_("This acknowledgement link has expired: open the alert in Vigie to acknowledge it.")
                       if problem.reason == "expired" else _("This acknowledgement link is not valid."))
            return None, None, render(request, self.template_name, {"problem": message}, status=400)
        alert = Alert.objects.unscoped().select_related("organization").filter(pk=alert_id).first()
        user = User.objects.filter(pk=user_id, is_active=True).first()
        if alert is None or user is None or not member_users(organization=alert.organization, user_ids=[user_id]):
            return None, None, render(request, self.template_name, {"problem": _("This alert no longer exists.")}, status=404)
        return alert, user, None

    def get(self, request, token: str):
        alert, user, problem = self._read(request, token)
        return problem or render(request, self.template_name, {"alert": alert, "person": user})

    def post(self, request, token: str):
        alert, user, problem = self._read(request, token)
        if problem:
            return problem
        alert = alert_services.alert_acknowledge(alert=alert, actor=user, via="link")
        return render(request, self.template_name, {"alert": alert, "person": user, "done": True})


def _calendar_response(content: bytes, name: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{name}.ics"'
    response["Cache-Control"] = "private, max-age=300"
    return response


class RotaCalendarView(View):
    """A rota's shifts for calendar applications; the secret token in the address is the only key."""

    def get(self, request, token: str):
        rota = Rota.objects.unscoped().select_related("organization").filter(calendar_token=token).first()
        if rota is None:
            raise Http404
        return _calendar_response(selectors.rota_calendar_ics(rota=rota), f"rota-{rota.pk}")


class PersonalCalendarView(View):
    def get(self, request, token: str):
        calendar = PersonalCalendar.objects.unscoped().select_related("organization", "user").filter(token=token).first()
        if calendar is None or not member_users(organization=calendar.organization, user_ids=[calendar.user_id]):
            raise Http404
        return _calendar_response(selectors.person_calendar_ics(organization=calendar.organization, user=calendar.user),
                                  "my-shifts")


class HandoverView(OrganizationPageMixin, TemplateView):
    """What the person on call inherits: conversations with their clocks, drafts, alerts, the note."""

    template_name = "crisis/handover.html"
    permission = Permission.VIEW_ONCALL
    write_permission = Permission.WORK_CONVERSATIONS

    def get_rota(self) -> Rota | None:
        rota_id = self.request.GET.get("rota") or self.request.POST.get("rota")
        if rota_id:
            return access_by_id(Rota.objects, organization=self.organization, pk=rota_id)
        return selectors.rota_list(organization=self.organization).first()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rota = self.get_rota()
        context["rota"] = rota
        context["rotas"] = selectors.rota_list(organization=self.organization)
        context["now"] = timezone.now()
        if rota is not None:
            context.update(selectors.handover_for(rota=rota))
        return context

    def post(self, request, *args, **kwargs):
        rota = self.get_rota()
        if rota is None:
            raise Http404
        action = request.POST.get("action")
        try:
            if action == "note":
                handover_services.handover_note_write(rota=rota, author=request.user, text=request.POST.get("text", ""))
                messages.success(request, _("Handover note saved."))
            elif action in ("reassign-all", "reassign-some"):
                people = member_users(organization=self.organization,
                                      user_ids=[int(v) for v in (request.POST.get("from_user"), request.POST.get("to_user"))
                                                if v and v.isdigit()])
                from_user, to_user = people.get(int(request.POST.get("from_user") or 0)), people.get(int(request.POST.get("to_user") or 0))
                if from_user is None or to_user is None:
                    raise ValidationError(_("Only members of this organization can be assigned."))
                chosen = None
                if action == "reassign-some":
                    chosen = [int(v) for v in request.POST.getlist("conversations") if v.isdigit()]
                count = handover_services.handover_reassign(organization=self.organization, actor=request.user,
                                                            from_user=from_user, to_user=to_user, conversation_ids=chosen)
                messages.success(request, _("%(count)s conversations reassigned.") % {"count": count})
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            _complain(request, error)
        return redirect(f"{reverse('handover', kwargs={'organization_slug': self.organization.slug})}?rota={rota.pk}")


class EscalationPoliciesView(OrganizationPageMixin, TemplateView):
    """Escalation policies and the alert routing rules choosing them; leads and admins edit them."""

    template_name = "crisis/policies.html"
    permission = Permission.VIEW_ONCALL
    write_permission = Permission.MANAGE_ESCALATION

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            policies=selectors.policy_list(organization=self.organization),
            routes=selectors.routing_rules(organization=self.organization),
            rotas=selectors.rota_list(organization=self.organization),
            sources=AlertSource.choices, severities=AlertSeverity.choices,
            form=kwargs.get("form") or PolicyForm(initial={"steps": '[{"notify": "leads", "wait_minutes": 5}, '
                                                                     '{"notify": "executives"}]'}),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        try:
            if action == "policy":
                form = PolicyForm(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(form=form))
                policy_services.policy_create(organization=self.organization, actor=request.user, **form.cleaned_data)
                messages.success(request, _("Policy created."))
            elif action == "delete-policy":
                policy = access_by_id(EscalationPolicy.objects, organization=self.organization, pk=request.POST.get("policy"))
                policy_services.policy_delete(policy=policy, actor=request.user)
                messages.success(request, _("Policy removed."))
            elif action == "route":
                policy = access_by_id(EscalationPolicy.objects, organization=self.organization, pk=request.POST.get("policy"))
                position = request.POST.get("position") or "0"
                policy_services.routing_rule_create(
                    organization=self.organization, actor=request.user, policy=policy,
                    sources=request.POST.getlist("sources"), min_severity=request.POST.get("min_severity", "low"),
                    position=int(position) if position.isdigit() else 0)
                messages.success(request, _("Routing rule added."))
            elif action == "delete-route":
                rule = access_by_id(RoutingRule.objects, organization=self.organization, pk=request.POST.get("route"))
                policy_services.routing_rule_delete(rule=rule, actor=request.user)
                messages.success(request, _("Routing rule removed."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            _complain(request, error)
        return redirect("escalation-policies", organization_slug=self.organization.slug)


class DetectionView(OrganizationPageMixin, TemplateView):
    """What the storm detector watches, its sensitivity and the muted false alarms; leads and admins edit."""

    template_name = "crisis/detection.html"
    permission = Permission.VIEW_ONCALL
    write_permission = Permission.MANAGE_ESCALATION

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(topics=selectors.watch_topics(organization=self.organization),
                       mutes=selectors.mutes_recent(organization=self.organization),
                       sensitivity=detection_services.sensitivity_of(self.organization),
                       mute_until=(timezone.localtime() + timedelta(hours=4)).strftime("%Y-%m-%dT%H:%M"))
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        try:
            if action == "topic":
                split = [t.strip() for t in request.POST.get("terms", "").split(",")]
                detection_services.watch_topic_create(organization=self.organization, name=request.POST.get("name", ""),
                                                      terms=[t for t in split if t])
                messages.success(request, _("Topic watched."))
            elif action == "delete-topic":
                topic = access_by_id(WatchTopic.objects, organization=self.organization, pk=request.POST.get("topic"))
                detection_services.watch_topic_delete(topic=topic)
                messages.success(request, _("Topic no longer watched."))
            elif action == "mute":
                topic = None
                if request.POST.get("topic"):
                    topic = access_by_id(WatchTopic.objects, organization=self.organization, pk=request.POST.get("topic"))
                until = parse_datetime(request.POST.get("until", ""))
                if until is None:
                    raise ValidationError(_("Give the end of the mute as a date and time."))
                if timezone.is_naive(until):
                    until = timezone.make_aware(until)
                detection_services.topic_mute(organization=self.organization, topic=topic, actor=request.user,
                                              reason=request.POST.get("reason", ""), until=until)
                messages.success(request, _("Muted: no alert until then."))
            elif action == "unmute":
                mute = access_by_id(TopicMute.objects, organization=self.organization, pk=request.POST.get("mute"))
                detection_services.topic_unmute(mute=mute)
                messages.success(request, _("Mute ended."))
            elif action == "sensitivity":
                detection_services.sensitivity_set(organization=self.organization,
                                                   sensitivity=request.POST.get("sensitivity"))
                messages.success(request, _("Sensitivity saved."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            _complain(request, error)
        return redirect("detection", organization_slug=self.organization.slug)
