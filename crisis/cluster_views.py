"""The crisis queue and storm clusters: one line per cluster, the conversations no cluster holds, and
answering a whole cluster with an approved statement or template, its progress shown live.

Thin: resolve the crisis and cluster within the organization, call one service or selector, render.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from accounts.roles import Permission, role_can
from accounts.tenancy import OrganizationPageMixin

from . import selectors
from .services import clusters as cluster_services

PREVIEW_PEOPLE = 3
PEOPLE_SHOWN = 300


class CrisisQueueView(OrganizationPageMixin, TemplateView):
    """Clusters first (one line each, with a count), then the in-scope conversations no cluster holds, oldest first."""

    template_name = "crisis/queue.html"
    permission = Permission.VIEW_CRISIS_ROOM

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        crisis = selectors.crisis_detail(organization=self.organization, pk=self.kwargs["pk"])
        context.update(crisis=crisis, clusters=list(selectors.crisis_clusters(crisis=crisis, limit=200)),
                       unclustered=selectors.unclustered_queue(crisis=crisis, limit=100))
        return context


def _choice(choices: list[dict], value: str) -> dict | None:
    return next((c for c in choices if c["value"] == value), None)


class ClusterDetailView(OrganizationPageMixin, TemplateView):
    """A cluster's people and the "Answer everyone" form; POST starts the cluster reply (needs REPLY)."""

    template_name = "crisis/cluster_detail.html"
    permission = Permission.VIEW_CRISIS_ROOM
    write_permission = Permission.REPLY

    def get_cluster(self):
        crisis = selectors.crisis_detail(organization=self.organization, pk=self.kwargs["crisis_pk"])
        return selectors.cluster_detail(crisis=crisis, pk=self.kwargs["pk"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cluster = kwargs.get("cluster") or self.get_cluster()
        replies = list(selectors.cluster_replies(cluster=cluster))
        latest = replies[0] if replies else None
        items = selectors.cluster_reply_items(reply=latest) if latest else {}
        people = list(selectors.cluster_people(cluster=cluster, limit=PEOPLE_SHOWN))
        choices = selectors.cluster_answer_choices(crisis=cluster.crisis, language=cluster.language)
        chosen = _choice(choices, kwargs.get("chosen", "")) or (choices[0] if choices else None)
        context.update(crisis=cluster.crisis, cluster=cluster, replies=replies, latest=latest,
                       people=[(person, items.get(person.conversation_id)) for person in people],
                       choices=choices, chosen=chosen,
                       preview=_preview(chosen, people) if chosen else [],
                       can_answer=role_can(self.membership.role, Permission.REPLY))
        return context

    def post(self, request, *args, **kwargs):
        cluster = self.get_cluster()
        choices = selectors.cluster_answer_choices(crisis=cluster.crisis, language=cluster.language)
        chosen = _choice(choices, request.POST.get("answer", ""))
        if chosen is None:
            messages.error(request, _("Pick one of the approved statements or templates."))
        else:
            try:
                cluster_services.cluster_reply_start(cluster=cluster, actor=request.user, text=chosen["text"],
                                                     guidance=chosen["guidance"])
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
                return self.render_to_response(self.get_context_data(cluster=cluster, chosen=chosen["value"]),
                                               status=400)
            messages.success(request, _("Sending: each person gets the answer at the pace the platform allows."))
        return redirect("crisis-cluster", organization_slug=self.organization.slug, crisis_pk=cluster.crisis_id,
                        pk=cluster.pk)


def _preview(chosen: dict, people) -> list[tuple[object, str]]:
    return [(person, cluster_services.personalise(chosen["text"], name=person.author_name, handle=person.author_handle))
            for person in people[:PREVIEW_PEOPLE]]


class ClusterPreviewView(ClusterDetailView):
    """The personalised answer for the first three people (htmx, when another answer is picked)."""

    template_name = "crisis/_cluster_preview.html"
    http_method_names = ["get", "head"]

    def get_context_data(self, **kwargs):
        return super().get_context_data(chosen=self.request.GET.get("answer", ""), **kwargs)


class ClusterProgressView(ClusterDetailView):
    """The latest cluster reply's counts and each person's state (htmx, refreshed on live progress)."""

    template_name = "crisis/_cluster_progress.html"
    http_method_names = ["get", "head"]
