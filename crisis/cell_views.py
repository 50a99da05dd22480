"""Pages of the crisis cell: the crisis list, declaring (by hand or in one click from an alert), closing.

Thin: parse the form, call `crisis.services.cell`, render. Who may declare: anyone with
DECLARE_CRISIS (agents included: the person who sees the storm first must not wait for a manager).
Who may close: the crisis lead of that crisis, or a lead or an admin (`selectors.may_close`):
closing lifts the restrictions for everyone, so it is a decision for whoever runs the crisis.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.roles import Permission
from accounts.selectors import organization_members
from accounts.tenancy import OrganizationPageMixin, access_by_id

from . import selectors
from .cell_forms import CrisisCloseForm, CrisisDeclareForm
from .context_processors import crisis_banner
from .mode import report_path, room_path
from .models import Alert, CellRole, CrisisSeverity
from .services import cell


def _with_paths(crisis, organization):
    crisis.organization = organization  # already loaded: no query per row for the slug
    crisis.room_url, crisis.report_url = room_path(crisis), report_path(crisis)
    return crisis


def on_call_now(*, organization) -> list[int]:
    """Who is on call right now in any rota: the community leads of a crisis declared in one click."""
    now = timezone.now()
    found = []
    for rota in selectors.rota_list(organization=organization):
        user_id = selectors.on_call_at(rota=rota, at=now).user_id
        if user_id and user_id not in found:
            found.append(user_id)
    return found


def quick_declaration(*, alert: Alert, actor) -> dict:
    """Declaring in one click from an alert: its title, its topic in scope, the declarer leading and
    whoever is on call as community lead. Severity 3 for a critical alert, else 2."""
    cell_members = [(actor.pk, CellRole.CRISIS_LEAD)]
    cell_members += [(user_id, CellRole.COMMUNITY_LEAD) for user_id in on_call_now(organization=alert.organization)
                     if user_id != actor.pk]
    return {"title": alert.title, "severity": CrisisSeverity.MAJOR if alert.severity == "critical" else CrisisSeverity.SERIOUS,
            "cell": cell_members, "from_alert": alert}


class CrisisListView(OrganizationPageMixin, TemplateView):
    template_name = "crisis/cell/list.html"
    permission = Permission.VIEW_CRISIS_ROOM

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        crises = [_with_paths(c, self.organization) for c in selectors.crisis_list(organization=self.organization)[:200]]
        context["active"] = next((c for c in crises if c.is_active), None)
        context["past"] = [c for c in crises if not c.is_active]
        if context["active"] is not None:
            context["may_close"] = selectors.may_close(crisis=context["active"], membership=self.membership)
        # Drills run in organizations of their own: their reports are listed wherever the person works.
        from .drills.listing import finished_drills
        from .mode import report_path

        context["drills"] = [(drill, report_path(drill)) for drill in finished_drills(user=self.request.user)
                             if drill.organization_id != self.organization.pk]
        return context


class CrisisDeclareView(OrganizationPageMixin, TemplateView):
    """The declaration form (prefilled from `?alert=<pk>`), and its one-click twin (`quick=1`)."""

    template_name = "crisis/cell/declare.html"
    permission = Permission.DECLARE_CRISIS

    def _alert(self, pk) -> Alert | None:
        if pk in (None, ""):
            return None
        try:
            pk = int(pk)
        except (TypeError, ValueError):
            raise Http404 from None
        if not 0 < pk < 2**31:
            raise Http404
        return access_by_id(Alert.objects, organization=self.organization, pk=pk)

    def _form(self, data=None, initial=None) -> CrisisDeclareForm:
        from inbox import selectors as inbox_selectors

        people = [m.user for m in organization_members(organization=self.organization)]
        return CrisisDeclareForm(data, initial=initial, topics=selectors.watch_topics(organization=self.organization),
                                 channels=inbox_selectors.channel_list(organization=self.organization), people=people)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = kwargs.get("form")
        if form is None:
            alert = self._alert(self.request.GET.get("alert"))
            initial = {"cell_crisis_lead": [self.request.user.pk]}
            if alert is not None:
                topic_id = (alert.data or {}).get("topic_id")
                initial.update(title=alert.title, from_alert=alert.pk, topics=[topic_id] if topic_id else [],
                               severity=quick_declaration(alert=alert, actor=self.request.user)["severity"])
            form = self._form(initial=initial)
        active = selectors.active_crisis(organization=self.organization)
        context.update(form=form, active=_with_paths(active, self.organization) if active else None,
                       cell_fields=form.cell_fields())
        return context

    def post(self, request, *args, **kwargs):
        if request.POST.get("quick"):
            alert = self._alert(request.POST.get("from_alert"))
            if alert is None:
                messages.error(request, _("Choose the alert to declare the crisis from."))
                return redirect("crisis-declare", organization_slug=self.organization.slug)
            try:
                crisis = cell.crisis_declare(organization=self.organization, actor=request.user,
                                             **quick_declaration(alert=alert, actor=request.user))
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return redirect("alert-detail", organization_slug=self.organization.slug, pk=alert.pk)
            return self._declared(crisis)
        form = self._form(request.POST)
        if form.is_valid():
            try:
                crisis = cell.crisis_declare(organization=self.organization, actor=request.user,
                                             from_alert=self._alert(form.cleaned_data["from_alert"]),
                                             **form.declaration())
            except ValidationError as error:
                form.add_error(None, error.messages)
            else:
                return self._declared(crisis)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def _declared(self, crisis):
        messages.success(self.request, _("Crisis declared: the cell is being told. Crisis mode is on."))
        return redirect(room_path(_with_paths(crisis, self.organization)))


class CrisisCloseView(OrganizationPageMixin, TemplateView):
    template_name = "crisis/cell/close.html"
    permission = Permission.DECLARE_CRISIS

    def get_crisis(self):
        crisis = _with_paths(selectors.crisis_detail(organization=self.organization, pk=self.kwargs["pk"]),
                             self.organization)
        if not selectors.may_close(crisis=crisis, membership=self.membership):
            raise PermissionDenied
        return crisis

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(crisis=self.get_crisis(), form=kwargs.get("form") or CrisisCloseForm())
        return context

    def post(self, request, *args, **kwargs):
        crisis = self.get_crisis()
        form = CrisisCloseForm(request.POST)
        if not crisis.is_active:
            messages.info(request, _("This crisis is already closed."))
            return redirect("crisis-list", organization_slug=self.organization.slug)
        if form.is_valid():
            cell.crisis_close(crisis=crisis, actor=request.user, summary=form.cleaned_data["summary"])
            messages.success(request, _("Crisis closed: normal mode is back."))
            return redirect("crisis-list", organization_slug=self.organization.slug)
        return self.render_to_response(self.get_context_data(form=form), status=400)


class CrisisBannerView(OrganizationPageMixin, TemplateView):
    """The crisis banner alone: static/js/crisis-banner.js swaps it in when a crisis is declared or closed."""

    template_name = "crisis/cell/_banner.html"
    permission = Permission.VIEW_INBOX

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(crisis_banner(self.organization))
        return context

