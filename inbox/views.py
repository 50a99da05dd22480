"""The triage screens: the live inbox list and the conversation view (server-rendered, htmx)."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.generic import TemplateView, View

from accounts.middleware import local_zone_name
from accounts.models import Team
from accounts.roles import Permission, role_can
from accounts.selectors import member_users, organization_members, team_list
from accounts.templatetags.local_time import zone_label
from accounts.tenancy import OrganizationPageMixin, access_by_id

from . import composer, reply_guard, selectors, services
from .models import (
    REPLY_LENGTH_LIMITS,
    Channel,
    Conversation,
    ConversationStatus,
    Message,
    Priority,
)
from .reply_guard import HeldReply, ReplyBlocked

PAGE_SIZE = 50

BUILT_IN_VIEWS = [
    # (key, label, filters)
    ("open", gettext_lazy("All open"), {}),
    ("mine", gettext_lazy("Mine"), {"assignee": "me"}),
    ("unassigned", gettext_lazy("Unassigned"), {"assignee": "none"}),
    ("breached", gettext_lazy("SLA breached"), {"sla": "breached"}),
    ("due_soon", gettext_lazy("Due soon"), {"sla": "due_soon"}),
    ("failed", gettext_lazy("Failed sends"), {"delivery": "failed", "status": "all"}),
    ("mentions", gettext_lazy("Mentions me"), {"mentions": "me", "status": "all"}),
    ("drafts", gettext_lazy("My drafts"), {"drafts": "me", "status": "all"}),
    ("pending", gettext_lazy("Pending"), {"status": "pending"}),
    ("snoozed", gettext_lazy("Snoozed"), {"status": "snoozed"}),
    ("closed", gettext_lazy("Closed"), {"status": "closed"}),
]


def _filters(request) -> selectors.ConversationFilters:
    try:
        return selectors.ConversationFilters.from_params(request.GET)
    except ValidationError:
        return selectors.ConversationFilters()


def _filter_query(request) -> str:
    params = request.GET.copy()
    for key in ("after", "ids", "page"):
        params.pop(key, None)
    return params.urlencode()


def _rows(request, organization, filters, *, after: str | None = None, ids: list[int] | None = None):
    queryset = selectors.conversation_list(organization=organization, filters=filters, user=request.user)
    if ids is not None:
        queryset = queryset.filter(pk__in=ids)
    elif after:
        # Keyset paging for "load more" on the default sort: rows older than the last one shown.
        try:
            last = Conversation.objects.for_organization(organization).only("last_message_at").get(pk=int(after))
        except (Conversation.DoesNotExist, ValueError):
            raise Http404 from None
        if filters.sort == "recent":
            from django.db.models import Q

            queryset = queryset.filter(Q(last_message_at__lt=last.last_message_at) |
                                       Q(last_message_at=last.last_message_at, pk__lt=last.pk))
    rows = list(selectors.conversation_list_page(queryset)[: PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def snooze_choices(organization, user=None) -> list[tuple[str, str]]:
    """Wake-up times people pick from, in the reader's time zone (named: "Tomorrow 9:00 (Paris)")."""
    zone = ZoneInfo(local_zone_name(user, organization))
    now = timezone.now().astimezone(zone)
    tomorrow_morning = datetime.combine(now.date() + timedelta(days=1), time(9), tzinfo=zone)
    days_to_monday = (7 - now.weekday()) % 7 or 7
    monday_morning = datetime.combine(now.date() + timedelta(days=days_to_monday), time(9), tzinfo=zone)
    place = zone_label(zone)
    return [
        ((now + timedelta(hours=1)).isoformat(), _("In 1 hour")),
        ((now + timedelta(hours=4)).isoformat(), _("In 4 hours")),
        (tomorrow_morning.isoformat(), _("Tomorrow 9:00 (%(zone)s)") % {"zone": place}),
        (monday_morning.isoformat(), _("Monday 9:00 (%(zone)s)") % {"zone": place}),
    ]


def _refused(error: ValidationError) -> HttpResponse:
    """A 400 whose message (which may quote what was sent) is plain text, never HTML: the pages'
    scripts show it with textContent, and a browser opening it directly renders no markup."""
    return HttpResponse(" ".join(error.messages), status=400, content_type="text/plain; charset=utf-8")


class InboxView(OrganizationPageMixin, TemplateView):
    template_name = "inbox/inbox.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = _filters(self.request)
        rows, has_more = _rows(self.request, self.organization, filters)
        query = _filter_query(self.request)
        context.update(
            filters=filters,
            filter_query=query,
            conversations=rows,
            has_more=has_more,
            counts=selectors.conversation_counts(organization=self.organization, user=self.request.user),
            built_in_views=[(key, label, urlencode(params, doseq=True)) for key, label, params in BUILT_IN_VIEWS],
            saved_views=[(view, urlencode(view.filters, doseq=True)) for view in
                         selectors.saved_views_for(organization=self.organization, user=self.request.user)],
            channels=selectors.channel_list(organization=self.organization),
            teams=team_list(organization=self.organization),
            members=organization_members(organization=self.organization),
            tags=selectors.tag_list(organization=self.organization),
            priorities=[(p.name.lower(), p.label) for p in Priority],
            statuses=ConversationStatus.choices,
            snooze_choices=snooze_choices(self.organization, self.request.user),
            current_query=QueryDict(query),
            now=timezone.now(),
        )
        return context


class InboxRowsView(OrganizationPageMixin, TemplateView):
    """Rows of the list for htmx: the next page, a refresh, or given ids that still match the view."""

    template_name = "inbox/_rows.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = _filters(self.request)
        ids = None
        if "ids" in self.request.GET:
            try:
                ids = [int(i) for i in self.request.GET["ids"].split(",") if i][:200]
            except ValueError:
                ids = []
        rows, has_more = _rows(self.request, self.organization, filters, after=self.request.GET.get("after"), ids=ids)
        context.update(conversations=rows, has_more=has_more and ids is None, filter_query=_filter_query(self.request),
                       now=timezone.now(), partial=True)
        return context


class InboxCountsView(OrganizationPageMixin, View):
    """The counters beside the built-in views, refreshed by the page as events arrive."""

    def get(self, request, *args, **kwargs):
        from django.http import JsonResponse

        return JsonResponse(selectors.conversation_counts(organization=self.organization, user=request.user))


class InboxBulkView(OrganizationPageMixin, View):
    permission = Permission.BULK_ACTIONS

    def post(self, request, *args, **kwargs):
        data = request.POST
        action = data.get("action", "")
        if data.get("scope") == "filter":
            try:
                filters = selectors.ConversationFilters.from_params(QueryDict(data.get("filter_query", "")))
            except ValidationError as error:
                return _refused(error)
            conversations = selectors.conversation_list(organization=self.organization, filters=filters,
                                                        user=request.user).order_by()
        else:
            ids = [int(i) for i in data.getlist("ids") if i.isdigit()]
            conversations = Conversation.objects.for_organization(self.organization).filter(pk__in=ids)
        try:
            assignee = None
            if action == "assign":
                value = data.get("assignee")
                assignee = request.user if value == "me" else _member(self.organization, value)
            team = access_by_id(Team.objects, organization=self.organization, pk=data["team"]) if data.get("team") else None
            changed = services.conversations_bulk_update(
                conversations=conversations, action=action, actor=request.user, assignee=assignee,
                status=data.get("status") or None, priority=_priority(data.get("priority")),
                snoozed_until=_when(data.get("snoozed_until")), team=team,
                tags=[t for t in data.get("tags", "").split(",") if t.strip()],
            )
        except ValidationError as error:
            return _refused(error)
        return HttpResponse(_("%(count)s conversations updated.") % {"count": changed},
                            headers={"HX-Trigger": "vigie:bulk-done"})


def _member(organization, user_id):
    if not user_id or not str(user_id).isdigit():
        return None
    user = member_users(organization=organization, user_ids=[int(user_id)]).get(int(user_id))
    if user is None:
        raise ValidationError(_("That person is not a member of this organization."))
    return user


def _priority(value):
    if not value:
        return None
    try:
        return Priority.from_name(value).value
    except ValueError as error:
        raise ValidationError(str(error)) from None


def _when(value):
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationError(_("That time could not be read.")) from None
    return parsed if parsed.tzinfo else timezone.make_aware(parsed)


class ConversationMixin(OrganizationPageMixin):
    def get_conversation(self) -> Conversation:
        return access_by_id(Conversation.objects.select_related("channel", "contact"), organization=self.organization,
                            pk=self.kwargs["pk"])

    def part_or_redirect(self, template: str, conversation: Conversation):
        """After a change: htmx gets the part of the page it replaces, a plain form the whole page."""
        if self.request.htmx:
            context = {"organization": self.organization, "membership": self.membership,
                       **conversation_context(self, conversation.pk)}
            return TemplateResponse(self.request, template, context)
        return redirect("conversation", organization_slug=self.organization.slug, pk=conversation.pk)


def conversation_context(view, conversation_pk) -> dict:
    organization = view.organization
    try:
        conversation = selectors.conversation_detail(organization=organization, pk=conversation_pk)
    except Conversation.DoesNotExist:
        raise Http404 from None
    entries = [("message", m.created_at, m) for m in conversation.messages.all()]
    entries += [("note", n.created_at, n) for n in conversation.notes.all()]
    entries.sort(key=lambda e: (e[1], e[0] == "note"))
    drafts = list(selectors.drafts_for(conversation=conversation))
    my_draft = next((d for d in drafts if d.author_user_id == view.request.user.pk), None)
    reply_channels = [c for c in selectors.channel_list(organization=organization)
                      if c.platform == conversation.channel.platform and c.platform != "web"]
    return {
        "conversation": conversation,
        "entries": entries,
        "activities": conversation.activities.all(),
        "history": selectors.contact_history(conversation=conversation),
        "my_draft": my_draft,
        "other_drafts": [d for d in drafts if d.author_user_id != view.request.user.pk],
        "reply_channels": reply_channels,
        "length_limits": {c.pk: REPLY_LENGTH_LIMITS.get(c.platform, 0) for c in reply_channels},
        "last_message_id": max((entry.pk for kind, _at, entry in entries if kind == "message"), default=0),
        "members": organization_members(organization=organization),
        "teams": team_list(organization=organization),
        "tags": selectors.tag_list(organization=organization),
        "priorities": [(p.name.lower(), p.label) for p in Priority],
        "statuses": ConversationStatus.choices,
        "snooze_choices": snooze_choices(organization, view.request.user),
        "can_reply": role_can(view.membership.role, Permission.REPLY),
        "guide_panel_url": reply_guard.composer_panel_url(organization.slug, conversation.pk),
        "reply_snippets": composer.reply_snippets(organization=organization),
        "can_work": role_can(view.membership.role, Permission.WORK_CONVERSATIONS),
        "now": timezone.now(),
    }


class ConversationView(ConversationMixin, TemplateView):
    template_name = "inbox/conversation.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(conversation_context(self, self.kwargs["pk"]))
        return context


class ConversationPartView(ConversationMixin, TemplateView):
    """One part of the conversation view, for htmx refreshes: thread, header or composer."""

    parts = {"thread": "inbox/_thread.html", "header": "inbox/_header.html", "side": "inbox/_side.html"}

    def get_template_names(self):
        return [self.parts[self.kwargs["part"]]]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(conversation_context(self, self.kwargs["pk"]))
        return context


class ConversationActView(ConversationMixin, View):
    """Assign, status, snooze, tags, priority, team: one POST, the header re-rendered."""

    permission = Permission.WORK_CONVERSATIONS

    def post(self, request, *args, **kwargs):
        conversation = self.get_conversation()
        data = request.POST
        action = data.get("action")
        try:
            if action == "assign":
                value = data.get("assignee", "")
                assignee = request.user if value == "me" else _member(self.organization, value)
                services.conversation_assign(conversation=conversation, assignee=assignee, actor=request.user)
            elif action == "status":
                services.conversation_set_status(conversation=conversation, status=data.get("status", ""),
                                                 actor=request.user)
            elif action == "snooze":
                services.conversation_snooze(conversation=conversation, until=_when(data.get("snoozed_until")),
                                             actor=request.user)
            elif action == "tag":
                services.conversation_tag(conversation=conversation, add=[t for t in data.get("tag", "").split(",")],
                                          actor=request.user)
            elif action == "untag":
                services.conversation_tag(conversation=conversation, remove=[data.get("tag", "")], actor=request.user)
            elif action == "priority":
                services.conversation_set_priority(conversation=conversation, priority=_priority(data.get("priority")),
                                                   actor=request.user)
            elif action == "team":
                team_id = data.get("team")
                team = access_by_id(Team.objects, organization=self.organization, pk=team_id) if team_id else None
                services.conversation_set_team(conversation=conversation, team=team, actor=request.user)
            else:
                raise ValidationError(_("Unknown action."))
        except ValidationError as error:
            return _refused(error)
        return self.part_or_redirect("inbox/_header.html", conversation)


class NoteView(ConversationMixin, View):
    permission = Permission.WORK_CONVERSATIONS

    def post(self, request, *args, **kwargs):
        try:
            services.note_add(conversation=self.get_conversation(), author=request.user, text=request.POST.get("text", ""))
        except ValidationError as error:
            return _refused(error)
        return HttpResponse(status=204, headers={"HX-Trigger": "vigie:thread-changed"})


class ContactNotesView(ConversationMixin, View):
    """Notes about the person behind this conversation's contact."""

    permission = Permission.WORK_CONVERSATIONS

    def post(self, request, *args, **kwargs):
        conversation = self.get_conversation()
        services.contact_set_notes(contact=conversation.contact, notes=request.POST.get("notes", ""))
        return self.part_or_redirect("inbox/_side.html", conversation)


class DraftView(ConversationMixin, View):
    permission = Permission.REPLY

    def post(self, request, *args, **kwargs):
        conversation = self.get_conversation()
        channel = _channel(self.organization, request.POST.get("channel")) or conversation.channel
        services.draft_save(conversation=conversation, author=request.user, text=request.POST.get("text", ""),
                            channel=channel)
        return HttpResponse(status=204)


def _channel(organization, channel_id) -> Channel | None:
    if not channel_id:
        return None
    return access_by_id(Channel.objects, organization=organization, pk=channel_id)


class ReplyView(ConversationMixin, View):
    """Queue a reply. 409 with a confirmation to show when a person must confirm first."""

    permission = Permission.REPLY

    def post(self, request, *args, **kwargs):
        conversation = self.get_conversation()
        data = request.POST
        try:
            seen = int(data["seen_up_to"]) if data.get("seen_up_to", "").isdigit() else None
            result = services.reply_compose(
                conversation=conversation, author=request.user, text=data.get("text", ""),
                channel=_channel(self.organization, data.get("channel")),
                is_private=data.get("visibility") == "private",
                confirm_other_channel=data.get("confirm_other_channel") == "1",
                seen_up_to_message_id=seen, confirm_after_other_reply=data.get("confirm_after_other_reply") == "1",
                guidance={key: data[key] for key in ("template", "guide_version", "override_reason") if data.get(key)},
            )
        except services.ReplyNeedsConfirmation as question:
            return JsonResponse({"code": question.code, "detail": question.messages[0], "details": question.details},
                                status=409)
        except ReplyBlocked as blocked:
            return JsonResponse({"code": blocked.code, "detail": blocked.messages[0], "findings": blocked.findings},
                                status=422)
        except ValidationError as error:
            return _refused(error)
        if isinstance(result, HeldReply):
            return JsonResponse({"code": "held_for_approval", "detail": result.message, "details": result.details},
                                status=202, headers={"HX-Trigger": "vigie:thread-changed"})
        return HttpResponse(status=204, headers={"HX-Trigger": "vigie:thread-changed"})


class RetryView(OrganizationPageMixin, View):
    permission = Permission.REPLY

    def post(self, request, *args, **kwargs):
        message = access_by_id(Message.objects, organization=self.organization, pk=self.kwargs["pk"])
        try:
            services.reply_retry(message=message, actor=request.user)
        except ValidationError as error:
            return _refused(error)
        return HttpResponse(status=204, headers={"HX-Trigger": "vigie:thread-changed"})
