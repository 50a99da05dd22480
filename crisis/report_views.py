"""The crisis report: its page (printable, with charts), and its PDF, CSV and JSON downloads.

Thin: find the organization's crisis (404 for another organization's), read `crisis_report`, render.
Labels are chosen here, in the reader's language; the figures come from `crisis.report`.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from django.http import HttpResponse, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from accounts.roles import Permission, role_can
from accounts.tenancy import OrganizationPageMixin

from . import report_charts, selectors
from .models import CellRole, CrisisSeverity, EventKind
from .report import CrisisReport, duration_text

ACTIONS = {
    "statement": {"drafted": gettext_lazy("drafted"), "submitted": gettext_lazy("submitted for approval"),
                  "approved": gettext_lazy("approved"), "rejected": gettext_lazy("rejected"),
                  "published": gettext_lazy("published")},
    "cluster_reply": {"started": gettext_lazy("started"), "finished": gettext_lazy("finished")},
    "task": {"created": gettext_lazy("created"), "done": gettext_lazy("done")},
}


def kind_label(kind: str, action: str = "") -> str:
    label = str(EventKind(kind).label) if kind in EventKind.values else kind
    if action_label := ACTIONS.get(kind, {}).get(action):
        return f"{label} — {action_label}"
    return label


def role_label(role: str) -> str:
    return str(CellRole(role).label) if role in CellRole.values else ""


def local_time(at: datetime | None, *, with_date: bool = True) -> str:
    if at is None:
        return "—"
    local = timezone.localtime(at)
    return local.strftime("%d/%m/%Y %H:%M:%S" if with_date else "%H:%M")


def milestone_labels() -> dict[str, str]:
    return {"detected": _("Detection"), "paged": _("First page"), "acked": _("Acknowledgment"),
            "declared": _("Declaration"), "first_statement": _("First statement")}


def charts(report: CrisisReport) -> dict[str, report_charts.Chart | None]:
    """The report's charts in the reader's language and time zone."""
    long = (report.until - report.started_at).total_seconds() > 20 * 3600

    def time_label(at: datetime) -> str:
        local = timezone.localtime(at)
        return local.strftime("%d/%m %H:%M" if long else "%H:%M")

    labels = milestone_labels()
    markers = {name: labels[name] for name in ("detected", "declared", "first_statement")}
    return {
        "volume": report_charts.volume_chart(report, title=_("Mentions per %(minutes)s min (negative ones in red)") % {
            "minutes": report.bin_minutes}, time_label=time_label, markers=markers),
        "share": report_charts.share_chart(report, title=_("Share of negative mentions"), time_label=time_label,
                                           markers=markers),
        "reshares": report_charts.reshare_chart(report, title=_("Re-shares counted per %(minutes)s min") % {
            "minutes": report.bin_minutes}, time_label=time_label),
    }


def download_name(report: CrisisReport, extension: str) -> str:
    """`crisis-<id>-<title slugified>.<ext>`: ASCII only, so every browser keeps it as given."""
    slug = slugify(report.title)[:60].strip("-") or "crisis"
    return f"crisis-{report.crisis_id}-{slug}.{extension}"


def _attachment(response: HttpResponse, name: str) -> HttpResponse:
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


class _ReportMixin(OrganizationPageMixin):
    permission = Permission.VIEW_CRISIS_ROOM

    def get_report(self) -> CrisisReport:
        self.crisis = selectors.crisis_detail(organization=self.organization, pk=self.kwargs["pk"])
        return selectors.crisis_report(crisis=self.crisis)


class CrisisReportView(_ReportMixin, TemplateView):
    """The report page: final once the crisis is closed, the figures so far while it is active."""

    template_name = "crisis/report.html"
    http_method_names = ["get", "head", "options"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        report = self.get_report()
        labels = milestone_labels()
        drawn = {name: report_charts.to_svg(chart) if chart else None for name, chart in charts(report).items()}
        context.update(
            crisis=self.crisis, report=report, charts=drawn,
            severity=CrisisSeverity(report.severity).label if report.severity in CrisisSeverity.values else "",
            milestones=[{"label": labels[name], "seconds": seconds, "text": duration_text(seconds)}
                        for name, seconds in report.times.items()],
            timeline=[{"line": line, "label": kind_label(line.kind, line.action),
                       "offset": duration_text(line.offset_s)} for line in report.timeline],
            people=[{"person": p, "role": role_label(p.role)} for p in report.people],
            duration=duration_text(report.duration_s),
            median=duration_text(report.response.median_s), p90=duration_text(report.response.p90_s),
            can_close=report.status == "active" and role_can(self.membership.role, Permission.DECLARE_CRISIS),
            close_url=reverse("crisis-close", kwargs={"organization_slug": self.organization.slug, "pk": self.crisis.pk}),
        )
        return context


class CrisisReportPdfView(_ReportMixin, View):
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        from .report_pdf import report_pdf

        report = self.get_report()
        pdf = report_pdf(report, organization_name=self.organization.name)
        return _attachment(HttpResponse(pdf, content_type="application/pdf"), download_name(report, "pdf"))


class CrisisReportCsvView(_ReportMixin, View):
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        from .report_csv import report_csv

        report = self.get_report()
        # A byte-order mark so that spreadsheets read the accents as UTF-8.
        text = "\ufeff" + report_csv(report, kind_label=kind_label, role_label=role_label, time_text=local_time)
        return _attachment(HttpResponse(text.encode(), content_type="text/csv; charset=utf-8"),
                           download_name(report, "csv"))


def report_json(report: CrisisReport) -> dict:
    """The report as JSON: the agreed figure names at the top, then everything else as the dataclasses hold it."""
    data = dataclasses.asdict(report)
    data.update(detected_s=report.detected_s, paged_s=report.paged_s, acked_s=report.acked_s,
                declared_s=report.declared_s, first_statement_s=report.first_statement_s,
                answered_2h_pct=report.answered_2h_pct, duration_s=report.duration_s)
    return data


class CrisisReportJsonView(_ReportMixin, View):
    http_method_names = ["get", "head", "options"]

    def get(self, request, *args, **kwargs):
        return JsonResponse(report_json(self.get_report()))
