"""The crisis room: one live page per crisis, and the small parts of it that refresh on their own.

Seeing the room takes VIEW_CRISIS_ROOM (everyone in the organization, executives and viewers
included). Writing in it (timeline entries, tasks, sources) takes DECLARE_CRISIS: the people who may
open a crisis are the ones who run it (agents, leads, admins); executives and viewers watch, and
approve statements in the statements panel, which checks its own permission. REPLY was the other
candidate, but it is about answering customers, not steering the cell. A closed crisis's room is
read-only for everyone, with a link to its report.

Each panel answers its own fragment to the page's script (`HX-Request`), and a plain form post a
redirect back to the room (or the room again with the error, status 400).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.roles import Permission, role_can
from accounts.selectors import organization_members
from accounts.tenancy import OrganizationPageMixin

from . import room_selectors, selectors
from .mode import report_path
from .models import MANUAL_EVENT_KINDS, CrisisTask, InfoSource
from .services import room as room_services


def _first_error(error: ValidationError) -> str:
    return " ".join(error.messages)


class RoomMixin(OrganizationPageMixin):
    permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.VIEW_CRISIS_ROOM  # each write below checks DECLARE_CRISIS itself

    def get_crisis(self):
        if not hasattr(self, "_crisis"):
            self._crisis = selectors.crisis_detail(organization=self.organization, pk=self.kwargs["pk"])
        return self._crisis

    @property
    def can_write(self) -> bool:
        return role_can(self.membership.role, Permission.DECLARE_CRISIS) and self.get_crisis().is_active

    def require_write(self) -> None:
        if not role_can(self.membership.role, Permission.DECLARE_CRISIS):
            raise PermissionDenied

    def room_context(self) -> dict:
        crisis = self.get_crisis()
        return {"organization": self.organization, "membership": self.membership, "crisis": crisis,
                "can_write": self.can_write, "now": timezone.now()}

    def fragment(self, template: str, context: dict, status: int = 200):
        return TemplateResponse(self.request, template, {**self.room_context(), **context}, status=status)

    def answer(self, template: str, context_fn, error: ValidationError | None = None, success: str = ""):
        """htmx: the panel again (with the error, 400). A plain form: back to the room."""
        if self.request.htmx:
            return self.fragment(template, {**context_fn(), "error": _first_error(error) if error else ""},
                                 status=400 if error else 200)
        if error:
            messages.error(self.request, _first_error(error))
        elif success:
            messages.success(self.request, success)
        return redirect("crisis-room", organization_slug=self.organization.slug, pk=self.get_crisis().pk)


def timeline_context(crisis) -> dict:
    return {"timeline": list(selectors.crisis_timeline(crisis=crisis)), "manual_kinds": [
        (kind.value, kind.label) for kind in MANUAL_EVENT_KINDS]}


def tasks_context(crisis, organization) -> dict:
    return {"tasks": list(selectors.crisis_tasks(crisis=crisis)),
            "members": organization_members(organization=organization)}


def sources_context(crisis) -> dict:
    return {"sources": list(selectors.crisis_sources(crisis=crisis))}


def posts_context(crisis) -> dict:
    queue = selectors.crisis_queue_stats(crisis=crisis)
    return {"queue_size": queue.size, "queue_unanswered": queue.unanswered,
            "oldest_unanswered_at": queue.oldest_unanswered_at,
            "most_shared": room_selectors.top_posts(crisis=crisis, by="shared"),
            "most_influential": room_selectors.top_posts(crisis=crisis, by="influential")}


def presence_context(crisis) -> dict:
    return {"present": room_selectors.present_members(crisis=crisis),
            "cell": list(selectors.crisis_members(crisis=crisis))}


class CrisisRoomView(RoomMixin, TemplateView):
    template_name = "crisis/room.html"

    def get(self, request, *args, **kwargs):
        crisis = self.get_crisis()
        room_services.room_heartbeat(crisis=crisis, user=request.user)
        return super().get(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        crisis = self.get_crisis()
        context.update(self.room_context())
        context.update(timeline_context(crisis))
        context.update(tasks_context(crisis, self.organization))
        context.update(sources_context(crisis))
        context.update(posts_context(crisis))
        context.update(presence_context(crisis))
        context["on_call"] = room_selectors.on_call_now(organization=self.organization)
        context["series"] = room_selectors.room_series(crisis=crisis)
        context["report_url"] = report_path(crisis)
        return context


class RoomSeriesView(RoomMixin, TemplateView):
    """The curves as JSON: the chart's first draw and its catch-up after a reconnection."""

    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        return JsonResponse(room_selectors.room_series(crisis=self.get_crisis()))


class RoomPresenceView(RoomMixin, TemplateView):
    """GET: who is in the room. POST: the open page's heartbeat (every 20 s), then the same."""

    template_name = "crisis/room/_presence.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.room_context(), **presence_context(self.get_crisis())}

    def post(self, request, *args, **kwargs):
        room_services.room_heartbeat(crisis=self.get_crisis(), user=request.user)
        return self.render_to_response(self.get_context_data())


class RoomPostsView(RoomMixin, TemplateView):
    """The crisis queue's figures and the posts that matter (refreshed as the curves move)."""

    template_name = "crisis/room/_posts.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.room_context(), **posts_context(self.get_crisis())}


class RoomTimelineView(RoomMixin, TemplateView):
    template_name = "crisis/room/_timeline.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.room_context(), **timeline_context(self.get_crisis())}

    def post(self, request, *args, **kwargs):
        self.require_write()
        crisis = self.get_crisis()
        try:
            room_services.room_entry_add(crisis=crisis, actor=request.user, kind=request.POST.get("kind", ""),
                                         text=request.POST.get("text", ""), url=request.POST.get("url", ""))
        except ValidationError as error:
            return self.answer(self.template_name, lambda: timeline_context(crisis), error)
        return self.answer(self.template_name, lambda: timeline_context(crisis), success=_("Added to the timeline."))


def _due_from(value: str):
    value = (value or "").strip()
    if not value:
        return None
    parsed = None
    try:
        parsed = parse_datetime(value)
    except ValueError:
        parsed = None
    if parsed is None:
        raise ValidationError({"due_at": _("Give the due time as a date and time.")})
    return parsed


class RoomTasksView(RoomMixin, TemplateView):
    template_name = "crisis/room/_tasks.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.room_context(),
                **tasks_context(self.get_crisis(), self.organization)}

    def post(self, request, *args, **kwargs):
        self.require_write()
        crisis = self.get_crisis()
        try:
            room_services.task_create(crisis=crisis, actor=request.user, title=request.POST.get("title", ""),
                                      owner_id=request.POST.get("owner") or None,
                                      due_at=_due_from(request.POST.get("due_at", "")))
        except ValidationError as error:
            return self.answer(self.template_name, lambda: tasks_context(crisis, self.organization), error)
        return self.answer(self.template_name, lambda: tasks_context(crisis, self.organization),
                           success=_("Task added."))


class RoomTaskView(RoomMixin, TemplateView):
    """One task: assign it (action=assign, owner) or mark it done (action=done)."""

    template_name = "crisis/room/_tasks.html"
    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        self.require_write()
        crisis = self.get_crisis()
        task = self._task(crisis)
        action = request.POST.get("action", "")
        try:
            if action == "done":
                room_services.task_done(crisis=crisis, task=task, actor=request.user)
            elif action == "assign":
                room_services.task_assign(crisis=crisis, task=task, actor=request.user,
                                          owner_id=request.POST.get("owner") or None)
            else:
                raise ValidationError(_("Choose what to do with the task: assign or done."))
        except ValidationError as error:
            return self.answer(self.template_name, lambda: tasks_context(crisis, self.organization), error)
        return self.answer(self.template_name, lambda: tasks_context(crisis, self.organization))

    def _task(self, crisis) -> CrisisTask:
        try:
            return selectors.crisis_tasks(crisis=crisis).get(pk=int(self.kwargs["task_pk"]))
        except (CrisisTask.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404 from None


class RoomSourcesView(RoomMixin, TemplateView):
    template_name = "crisis/room/_sources.html"

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs), **self.room_context(), **sources_context(self.get_crisis())}

    def post(self, request, *args, **kwargs):
        self.require_write()
        crisis = self.get_crisis()
        try:
            room_services.source_add(crisis=crisis, actor=request.user, label=request.POST.get("label", ""),
                                     url=request.POST.get("url", ""))
        except ValidationError as error:
            return self.answer(self.template_name, lambda: sources_context(crisis), error)
        return self.answer(self.template_name, lambda: sources_context(crisis), success=_("Source added."))


class RoomSourceView(RoomMixin, TemplateView):
    """Remove one source (POST, or DELETE from a script)."""

    template_name = "crisis/room/_sources.html"
    http_method_names = ["post", "delete", "options"]

    def post(self, request, *args, **kwargs):
        self.require_write()
        crisis = self.get_crisis()
        try:
            source = selectors.crisis_sources(crisis=crisis).get(pk=int(self.kwargs["source_pk"]))
        except (InfoSource.DoesNotExist, ValueError, TypeError, OverflowError):
            raise Http404 from None
        try:
            room_services.source_remove(crisis=crisis, source=source, actor=request.user)
        except ValidationError as error:
            return self.answer(self.template_name, lambda: sources_context(crisis), error)
        return self.answer(self.template_name, lambda: sources_context(crisis), success=_("Source removed."))

    def delete(self, request, *args, **kwargs):
        return self.post(request, *args, **kwargs)

