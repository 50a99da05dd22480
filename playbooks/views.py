"""Pages of the response guides: the composer's guidance panel, the approval queue, and the pages
where admins and leads edit guides, linter rules and the autonomy perimeter."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView, View

from accounts.roles import Permission, role_can
from accounts.tenancy import OrganizationPageMixin, access_by_id
from inbox import selectors as inbox_selectors

from . import guides, selectors, services, training_services
from .linter import BUILT_IN_DEFAULTS
from .models import (
    Guide,
    GuideVersion,
    LintRule,
    LintRuleKind,
    PerimeterRule,
    ReplyApproval,
    TrainingSession,
    TrainingSet,
)


def _first_name(name: str) -> str:
    return (name or "").replace("@", "").split()[0] if (name or "").strip() else ""


def template_values(organization, user, context: inbox_selectors.ReplyContext, request=None) -> dict[str, str]:
    case_url = reverse("conversation", kwargs={"organization_slug": organization.slug, "pk": context.conversation_id})
    return {"first_name": _first_name(context.contact_name) or context.contact_handle, "handle": context.contact_handle,
            "case_url": request.build_absolute_uri(case_url) if request else case_url,
            "agent_first_name": _first_name(user.display_name), "info_url": ""}


def composer_guidance(organization, user, conversation_id: int, request=None) -> dict:
    """Suggested scenarios with filled templates, their do/don't and sources, and every template."""
    try:
        context = inbox_selectors.reply_context(organization=organization, conversation_id=conversation_id)
    except (ObjectDoesNotExist, ValueError, TypeError) as error:  # another organization's answers the same
        raise LookupError from error
    values = template_values(organization, user, context, request)
    suggested = []
    for suggestion in selectors.suggestions(organization=organization, context=context, values=values):
        scenario = suggestion.scenario
        info_url = scenario["sources"][0]["url"] if scenario["sources"] else ""
        suggested.append({
            "key": scenario["key"], "name": scenario["name"], "guide": suggestion.version.guide.name,
            "guide_version": suggestion.version.pk,
            "do": guides.render_markdown(scenario["do"]), "dont": guides.render_markdown(scenario["dont"]),
            "escalation": guides.render_markdown(scenario["escalation"]), "sources": scenario["sources"],
            "templates": [{**t, "filled": guides.substitute(t["text"], {**values, "info_url": info_url})}
                          for t in suggestion.templates],
        })
    return {"suggested": suggested, "templates": selectors.all_templates(organization=organization, values=values)}


class GuidePanelView(OrganizationPageMixin, TemplateView):
    """Beside the composer: what the guides suggest, and this person's replies awaiting approval."""

    permission = Permission.REPLY
    template_name = "playbooks/_panel.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        try:
            guidance = composer_guidance(self.organization, self.request.user, self.kwargs["pk"], self.request)
        except LookupError:
            raise Http404 from None
        mine = [a for a in selectors.approvals_for_conversation(organization=self.organization,
                                                                conversation_id=self.kwargs["pk"])
                if a.author_id == self.request.user.pk][:5]
        context.update(guidance=guidance, templates_json=json.dumps(guidance["templates"]),
                       my_approvals=[(a, guides.text_diff(a.original_text, a.text) if a.text != a.original_text else None)
                                     for a in mine],
                       lint_url=reverse("api:playbooks-lint", kwargs={"organization_slug": self.organization.slug}),
                       conversation_id=self.kwargs["pk"])
        return context


class ApprovalQueueView(OrganizationPageMixin, TemplateView):
    permission = Permission.APPROVE_REPLIES
    template_name = "playbooks/approvals.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        entries = selectors.approval_queue(organization=self.organization)
        context.update(entries=[(e, guides.text_diff(e.approval.original_text, e.approval.text)
                                 if e.approval.text != e.approval.original_text else None) for e in entries],
                       now=timezone.now())
        return context


class ApprovalActView(OrganizationPageMixin, View):
    permission = Permission.APPROVE_REPLIES

    def post(self, request, *args, **kwargs):
        approval = access_by_id(ReplyApproval.objects, organization=self.organization, pk=self.kwargs["pk"])
        action = request.POST.get("action")
        text = request.POST.get("text", "").strip()
        try:
            changed = bool(text) and text != approval.text
            if action == "approve" and changed:
                # Never send the old text while the approver believes they sent their edit.
                raise ValidationError(_("You changed the text: save your edit (another approver sends it) or undo "
                                        "the change to approve it as written."))
            if action == "edit" and not changed:
                raise ValidationError(_("The text is unchanged: approve it as written, or change it first."))
            if action == "approve":
                services.approval_approve(approval=approval, actor=request.user)
                messages.success(request, _("Approved: the reply is on its way."))
            elif action == "edit":
                services.approval_approve(approval=approval, actor=request.user, text=text)
                messages.success(request, _("Your edit is saved: another approver must approve it."))
            elif action == "reject":
                services.approval_reject(approval=approval, actor=request.user, comment=request.POST.get("comment", ""))
                messages.success(request, _("Rejected: the author sees your comment."))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            if request.htmx:
                return HttpResponse(" ".join(error.messages), status=409)
            messages.error(request, " ".join(error.messages))
        return redirect("playbooks-approvals", organization_slug=self.organization.slug)


class GuideListView(OrganizationPageMixin, TemplateView):
    permission = Permission.EDIT_GUIDES
    template_name = "playbooks/guides.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["guides"] = selectors.guide_list(organization=self.organization)
        return context

    def post(self, request, *args, **kwargs):
        try:
            guide = services.guide_create(organization=self.organization, actor=request.user,
                                          name=request.POST.get("name", ""),
                                          description=request.POST.get("description", ""))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect("playbooks-guides", organization_slug=self.organization.slug)
        return redirect("playbooks-guide", organization_slug=self.organization.slug, pk=guide.pk)


class GuideDetailView(OrganizationPageMixin, TemplateView):
    """One guide: its draft (content as JSON), its versions, review, publish, diff and rollback."""

    permission = Permission.EDIT_GUIDES
    template_name = "playbooks/guide.html"

    def guide(self) -> Guide:
        return access_by_id(Guide.objects, organization=self.organization, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        guide = self.guide()
        versions = list(selectors.guide_versions(guide=guide))
        editing = next((v for v in versions if v.status in ("draft", "review")), None) or guide.published_version
        shown_diff = ""
        a, b = self.request.GET.get("from"), self.request.GET.get("to")
        if a and b:
            by_id = {str(v.pk): v for v in versions}
            if a in by_id and b in by_id:
                shown_diff = guides.diff(by_id[a].content, by_id[b].content)
        preview = [{**scenario, "do_html": guides.render_markdown(scenario["do"]),
                    "dont_html": guides.render_markdown(scenario["dont"]),
                    "escalation_html": guides.render_markdown(scenario["escalation"]),
                    "templates": [{**t, "sample": guides.substitute(t["text"], guides.SAMPLE_VALUES)}
                                  for t in scenario["templates"]]}
                   for scenario in (editing.content.get("scenarios", []) if editing else [])]
        context.update(guide=guide, versions=versions, editing=editing, preview=preview,
                       content_json=kwargs.get("content_json") or json.dumps(
                           editing.content if editing else {"scenarios": []}, ensure_ascii=False, indent=2),
                       shown_diff=shown_diff, error=kwargs.get("error"))
        return context

    def post(self, request, *args, **kwargs):
        guide = self.guide()
        action = request.POST.get("action")
        try:
            if action == "save":
                try:
                    content = json.loads(request.POST.get("content", ""))
                except json.JSONDecodeError as error:
                    raise ValidationError(_("The content is not valid JSON: %(error)s") % {"error": error}) from None
                services.guide_draft_save(guide=guide, actor=request.user, content=content,
                                          note=request.POST.get("note", ""))
                messages.success(request, _("Draft saved."))
            elif action == "scenario":
                services.guide_scenario_save(guide=guide, actor=request.user, scenario=_scenario_from_form(request.POST))
                messages.success(request, _("Draft saved."))
            else:
                version = access_by_id(GuideVersion.objects.filter(guide=guide), organization=self.organization,
                                       pk=request.POST.get("version"))
                handler = {"submit": services.guide_version_submit, "publish": services.guide_version_publish,
                           "rollback": services.guide_rollback}.get(action)
                if handler is None:
                    raise ValidationError(_("Unknown action."))
                handler(version=version, actor=request.user)
                messages.success(request, _("Done."))
        except ValidationError as error:
            context = self.get_context_data(error=" ".join(error.messages),
                                            content_json=request.POST.get("content") if action == "save" else None)
            return TemplateResponse(request, self.template_name, context, status=400)
        return redirect("playbooks-guide", organization_slug=self.organization.slug, pk=guide.pk)


def _lines(value: str) -> list[str]:
    return [line.strip() for line in (value or "").replace(",", "\n").splitlines() if line.strip()]


def _scenario_from_form(data) -> dict:
    """The scenario form: one field per part, lists one item a line (or comma-separated)."""
    sources = []
    for line in (data.get("sources") or "").splitlines():
        label, _sep, url = line.rpartition(" ")
        if line.strip():
            sources.append({"label": label.strip() or url.strip(), "url": url.strip()})
    key = (data.get("key") or "").strip()
    templates = [{"key": f"{key}-{language}", "language": language, "label": data.get("name", "").strip() or key,
                  "text": data.get(f"template_{language}", "").strip()}
                 for language in ("fr", "en") if data.get(f"template_{language}", "").strip()]
    return {"key": key, "name": (data.get("name") or "").strip(),
            "triggers": {"keywords": _lines(data.get("keywords")), "tags": _lines(data.get("tags")),
                         "sentiment": data.get("sentiment", ""), "platforms": _lines(data.get("platforms")),
                         "languages": []},
            "do": data.get("do", ""), "dont": data.get("dont", ""), "escalation": data.get("escalation", ""),
            "sources": sources, "templates": templates}


class RulesView(OrganizationPageMixin, TemplateView):
    """The linter's built-ins and custom rules, and the autonomy perimeter."""

    permission = Permission.EDIT_GUIDES
    template_name = "playbooks/rules.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        rules = selectors.rule_set(organization=self.organization)
        context.update(
            built_ins=[(code, rules.setting(code), json.dumps(rules.setting(code).options, ensure_ascii=False))
                       for code in BUILT_IN_DEFAULTS],
            custom_rules=LintRule.objects.for_organization(self.organization).exclude(kind=LintRuleKind.BUILT_IN)
            .order_by("name"),
            perimeter_rules=[(r, json.dumps(r.conditions, ensure_ascii=False))
                             for r in PerimeterRule.objects.for_organization(self.organization).order_by("position", "pk")],
            error=kwargs.get("error"),
        )
        return context

    def post(self, request, *args, **kwargs):
        data = request.POST
        action = data.get("action")
        try:
            if action == "built_in":
                try:
                    options = json.loads(data.get("options") or "{}")
                except json.JSONDecodeError:
                    raise ValidationError(_("Options must be JSON.")) from None
                services.built_in_rule_set(organization=self.organization, actor=request.user, code=data.get("code", ""),
                                           enabled=data.get("enabled") == "1", severity=data.get("severity"),
                                           options=options)
            elif action == "custom":
                rule = access_by_id(LintRule.objects, organization=self.organization, pk=data["rule"]) \
                    if data.get("rule") else None
                services.custom_rule_save(organization=self.organization, actor=request.user, rule=rule,
                                          kind=data.get("kind", ""), name=data.get("name", ""),
                                          pattern=data.get("pattern", ""), severity=data.get("severity", "warn"),
                                          visibility=data.get("visibility", "any"), message=data.get("message", ""),
                                          enabled=data.get("enabled", "1") == "1")
            elif action == "perimeter":
                rule = access_by_id(PerimeterRule.objects, organization=self.organization, pk=data["rule"]) \
                    if data.get("rule") else None
                try:
                    conditions = json.loads(data.get("conditions") or "{}")
                except json.JSONDecodeError:
                    raise ValidationError(_("Conditions must be JSON.")) from None
                services.perimeter_rule_save(organization=self.organization, rule=rule, name=data.get("name", ""),
                                             conditions=conditions, outcome=data.get("outcome", "approval"),
                                             approver_role=data.get("approver_role", "lead"),
                                             position=int(data.get("position") or 0) if (data.get("position") or "0").isdigit() else 0,
                                             is_active=data.get("is_active", "1") == "1")
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            return TemplateResponse(request, self.template_name, self.get_context_data(error=" ".join(error.messages)),
                                    status=400)
        messages.success(request, _("Saved."))
        return redirect("playbooks-rules", organization_slug=self.organization.slug)



class TrainingListView(OrganizationPageMixin, TemplateView):
    """Practice sets: agents start a session; admins and leads build sets."""

    permission = Permission.REPLY
    template_name = "playbooks/training.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            sets=TrainingSet.objects.for_organization(self.organization).order_by("-created_at"),
            sessions=TrainingSession.objects.for_organization(self.organization).filter(agent=self.request.user)
            .select_related("training_set").order_by("-started_at")[:10],
            can_build=role_can(self.membership.role, Permission.EDIT_GUIDES),
        )
        return context

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        try:
            if action == "start":
                training_set = access_by_id(TrainingSet.objects, organization=self.organization,
                                            pk=request.POST.get("set"))
                session = training_services.training_start(training_set=training_set, agent=request.user)
                return redirect("playbooks-training-session", organization_slug=self.organization.slug, pk=session.pk)
            if not role_can(self.membership.role, Permission.EDIT_GUIDES):
                raise PermissionDenied
            if action == "demo":
                training_services.training_set_from_demo(organization=self.organization, actor=request.user)
            elif action == "export":
                training_services.training_set_export(organization=self.organization, actor=request.user,
                                                      name=request.POST.get("name", ""))
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        return redirect("playbooks-training", organization_slug=self.organization.slug)


class TrainingSessionView(OrganizationPageMixin, TemplateView):
    """One mention at a time, answered against the guides; the report at the end."""

    permission = Permission.REPLY
    template_name = "playbooks/training_session.html"

    def session(self) -> TrainingSession:
        session = access_by_id(TrainingSession.objects.select_related("training_set"), organization=self.organization,
                               pk=self.kwargs["pk"])
        if session.agent_id != self.request.user.pk:
            raise Http404
        return session

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        session = self.session()
        answers = list(session.answers.order_by("position"))
        items = session.training_set.items
        context.update(session=session, total=len(items), position=len(answers),
                       item=items[len(answers)] if len(answers) < len(items) else None,
                       answers=[(a, items[a.position]) for a in answers], error=kwargs.get("error"),
                       report=training_services.training_report(session=session) if session.finished_at else None)
        return context

    def post(self, request, *args, **kwargs):
        try:
            training_services.training_answer(session=self.session(), actor=request.user,
                                              text=request.POST.get("text", ""),
                                              visibility=request.POST.get("visibility", "public"))
        except ValidationError as error:
            return TemplateResponse(request, self.template_name, self.get_context_data(error=" ".join(error.messages)),
                                    status=400)
        return redirect("playbooks-training-session", organization_slug=self.organization.slug, pk=self.kwargs["pk"])
