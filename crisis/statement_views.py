"""Statement pages: the crisis's statements, a new one from a guide's crisis template, one statement with
its versions, approvals and publications. Thin: parse, call one service, redirect with what happened.

Every decision is a plain POST answered with a redirect (works without JavaScript, on a phone too);
the room's panel posts here with `next` so that the approver lands back in the room.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.roles import Permission
from accounts.tenancy import OrganizationPageMixin

from . import selectors
from .services import statement_publications as publication_services
from .services import statements as statement_services


def _complain(request, error: ValidationError) -> None:
    messages.error(request, " ".join(error.messages))


def _channel_ids(request) -> list[str]:
    return request.POST.getlist("channel_ids")


def _next_or(request, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def _version(request) -> int | None:
    raw = request.POST.get("version") or ""
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValidationError(_("The version number is not valid.")) from None


class StatementListView(OrganizationPageMixin, TemplateView):
    """The active crisis's statements (or a past crisis's, ?crisis=<id>) and the "New statement" form."""

    template_name = "crisis/statements/list.html"
    permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.VIEW_CRISIS_ROOM  # each action checks its own permission in the service

    def _crisis(self):
        wanted = self.request.GET.get("crisis")
        if wanted:
            return selectors.crisis_detail(organization=self.organization, pk=wanted)
        return selectors.active_crisis(organization=self.organization)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        crisis = self._crisis()
        context.update(
            crisis=crisis,
            statements=list(selectors.statement_list(crisis=crisis)) if crisis else [],
            templates=selectors.crisis_templates(organization=self.organization),
            channels=selectors.statement_channels(organization=self.organization),
            can_draft=statement_services.can_draft(self.membership.role),
            chosen_template=self.request.GET.get("template", ""),
            past_crises=[] if crisis else list(selectors.crisis_list(organization=self.organization)[:10]),
        )
        return context

    def post(self, request, *args, **kwargs):
        crisis = selectors.active_crisis(organization=self.organization)
        if crisis is None:
            messages.error(request, _("No crisis is active: statements are written for an active crisis."))
            return redirect(reverse("statement-list", kwargs={"organization_slug": self.organization.slug}))
        text = request.POST.get("text", "")
        template_key = request.POST.get("template", "")
        template = next((t for t in selectors.crisis_templates(organization=self.organization)
                         if f"{t['guide_version']}:{t['key']}" == template_key), None)
        if template_key and template is None:
            messages.error(request, _("This template is no longer published: choose another one."))
            return redirect(reverse("statement-list", kwargs={"organization_slug": self.organization.slug}))
        if not text.strip() and template is not None:
            text = template["text"]
        try:
            statement = statement_services.statement_draft(
                crisis=crisis, actor=request.user, text=text, channel_ids=_channel_ids(request),
                template_name=template["name"] if template else "", title=request.POST.get("title", ""))
            if request.POST.get("submit"):
                statement_services.statement_submit(statement=statement, actor=request.user)
        except ValidationError as error:
            _complain(request, error)
            return self.render_to_response(self.get_context_data(form_text=text, form_title=request.POST.get("title", "")),
                                           status=400)
        messages.success(request, _("Statement saved."))
        return redirect(reverse("statement-detail", kwargs={"organization_slug": self.organization.slug,
                                                            "pk": statement.pk}))


class StatementDetailView(OrganizationPageMixin, TemplateView):
    """One statement: its current text, what it waits for, its versions with approvals, its posts."""

    template_name = "crisis/statements/detail.html"
    permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.VIEW_CRISIS_ROOM  # each action checks its own permission in the service

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        statement = selectors.statement_detail(organization=self.organization, pk=kwargs["pk"])
        versions = selectors.statement_versions(statement=statement)
        role = self.membership.role
        current = versions[0]
        decided = {a.approver_id for a in current.approvals.all()}
        context.update(
            statement=statement, crisis=statement.crisis, versions=versions, current=current,
            state=statement_services.approval_state(statement),
            publications=selectors.statement_publications(statement=statement),
            channels=selectors.statement_channels(organization=self.organization),
            can_draft=statement_services.can_draft(role), can_approve=statement_services.can_approve(role),
            can_decide=(statement_services.can_approve(role) and statement.status == "in_review"
                        and current.author_id != self.request.user.pk and self.request.user.pk not in decided),
        )
        return context

    ACTIONS = ("revise", "submit", "approve", "reject", "publish", "withdraw", "retry")

    def post(self, request, *args, **kwargs):
        statement = selectors.statement_detail(organization=self.organization, pk=kwargs["pk"])
        here = reverse("statement-detail", kwargs={"organization_slug": self.organization.slug, "pk": statement.pk})
        action = request.POST.get("action", "")
        if action not in self.ACTIONS:
            messages.error(request, _("Unknown action: choose revise, submit, approve, reject or publish."))
            return redirect(here)
        actor = request.user
        try:
            if action == "revise":
                channels = _channel_ids(request) if request.POST.get("channels_sent") else None
                statement_services.statement_revise(statement=statement, actor=actor, text=request.POST.get("text", ""),
                                                    channel_ids=channels)
                done = _("New version saved.")
            elif action == "submit":
                statement_services.statement_submit(statement=statement, actor=actor)
                done = _("Sent to the approvers.")
            elif action == "approve":
                statement = statement_services.statement_approve(statement=statement, actor=actor, version=_version(request))
                done = _("Approved.") if statement.status != "approved" else _("Approved: the statement can be published.")
            elif action == "reject":
                statement_services.statement_reject(statement=statement, actor=actor, reason=request.POST.get("reason", ""),
                                                    version=_version(request))
                done = _("Rejected: the author has your reason.")
            elif action == "publish":
                channels = _channel_ids(request) if request.POST.get("channels_sent") else None
                statement_services.statement_publish(statement=statement, actor=actor, channel_ids=channels)
                done = _("Published: the posts are going out.")
            elif action == "withdraw":
                statement_services.statement_withdraw(statement=statement, actor=actor)
                done = _("Withdrawn: it is no longer offered as a reply.")
            else:
                try:
                    publication = selectors.statement_publication(organization=self.organization,
                                                                  pk=request.POST.get("publication", ""))
                except Http404:
                    raise ValidationError(_("This publication does not exist.")) from None
                if publication.statement_id != statement.pk:
                    raise ValidationError(_("This publication does not exist."))
                publication_services.publication_retry(publication=publication, actor=actor)
                done = _("Trying again.")
        except ValidationError as error:
            _complain(request, error)
            return redirect(_next_or(request, here))
        messages.success(request, done)
        return redirect(_next_or(request, here))
