"""The crisis report as a PDF, with reportlab (pure Python wheels, no system library).

Same sections and the same charts as the page: the charts are `crisis.report_charts` geometry drawn
with reportlab.graphics. Texts typed by people go through `escape` because reportlab's Paragraph
reads a small markup language (an `<a>` in a note would otherwise become a link, a stray `<` an error).
"""

from __future__ import annotations

import io
from xml.sax.saxutils import escape

from django.utils.translation import gettext as _
from reportlab.graphics.shapes import Drawing, Line, Polygon, PolyLine, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from . import report_charts
from .report import CrisisReport, duration_text

# Characters the PDF's standard fonts cannot draw (emoji, most non-Latin scripts) would show as
# black boxes; they are replaced by "?" so the rest of the line stays readable.
_ENCODING = "cp1252"
TIMELINE_CHUNK = 60


def _plain(text) -> str:
    """Text for a chart label or a table cell (drawn as is)."""
    return str(text).encode(_ENCODING, errors="replace").decode(_ENCODING)


def _clean(text) -> str:
    """Text for a Paragraph (which reads markup)."""
    return escape(_plain(text))


def drawing(chart: report_charts.Chart, width: float) -> Drawing:
    """A chart's shapes as a reportlab Drawing `width` points wide (y flipped: PDF counts from the bottom)."""
    scale = width / chart.width
    flip = chart.height
    art = Drawing(width, chart.height * scale)

    def point(x: float, y: float) -> tuple[float, float]:
        return x * scale, (flip - y) * scale

    for shape in chart.shapes:
        fill = colors.HexColor(shape.fill) if shape.fill.startswith("#") else None
        stroke = colors.HexColor(shape.stroke) if shape.stroke.startswith("#") else None
        flat = [c for x, y in shape.points for c in point(x, y)]
        if shape.kind == "polygon":
            art.add(Polygon(flat, fillColor=fill, strokeColor=stroke, strokeWidth=0))
        elif shape.kind == "polyline":
            art.add(PolyLine(flat, strokeColor=stroke, strokeWidth=1.5))
        elif shape.kind == "line":
            art.add(Line(*flat, strokeColor=stroke, strokeWidth=0.5))
        elif shape.kind == "text":
            art.add(String(flat[0], flat[1], _plain(shape.text), fontName="Helvetica", fontSize=shape.size * scale,
                           fillColor=fill or colors.black,
                           textAnchor={"start": "start", "middle": "middle", "end": "end"}[shape.anchor]))
    return art


def _table(rows: list[list], widths: list[float] | None = None) -> Table:
    rows = [[_plain(value) if isinstance(value, str) else value for value in row] for row in rows]
    table = Table(rows, colWidths=widths, repeatRows=1)
    table.setStyle(TableStyle([
        ("FONT", (0, 0), (-1, 0), "Helvetica-Bold", 8), ("FONT", (0, 1), (-1, -1), "Helvetica", 8),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#d0d7de")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]))
    return table


def report_pdf(report: CrisisReport, *, organization_name: str) -> bytes:
    from .report_views import charts, kind_label, local_time, milestone_labels, role_label

    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=8, leading=10)
    body = styles["BodyText"]
    out = io.BytesIO()
    doc = SimpleDocTemplate(out, pagesize=A4, leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                            bottomMargin=15 * mm, title=report.title, author=organization_name,
                            subject=_("Crisis report"), creator="Vigie")
    width = A4[0] - 30 * mm

    def cell(text) -> Paragraph:
        return Paragraph(_clean(text), small)

    story: list = [Paragraph(_clean(_("Crisis report") + (" · " + _("Drill") if report.is_drill else "")), styles["Normal"]),
                   Paragraph(_clean(report.title), styles["Title"])]
    status = _("Closed") if report.is_final else _("Active: figures so far")
    facts = [status, _("started %(at)s") % {"at": local_time(report.started_at)},
             _("declared %(at)s") % {"at": local_time(report.declared_at)}]
    if report.closed_at:
        facts.append(_("closed %(at)s") % {"at": local_time(report.closed_at)}
                     + (" " + _("by %(person)s") % {"person": report.closed_by} if report.closed_by else ""))
    facts.append(_("duration %(duration)s") % {"duration": duration_text(report.duration_s)})
    story.append(Paragraph(_clean(" · ".join(facts)), body))
    if report.closing_summary:
        story += [Paragraph(_clean(_("Closing summary")), styles["Heading2"]),
                  Paragraph(_clean(report.closing_summary).replace("\n", "<br/>"), body)]

    labels = milestone_labels()
    story += [Paragraph(_clean(_("Key times")), styles["Heading2"]),
              _table([[_("From the start of the storm (its first minute)."), ""],
                      *[[labels[name], duration_text(seconds)] for name, seconds in report.times.items()]],
                     [width * 0.6, width * 0.4])]

    story.append(Paragraph(_clean(_("Volume and sentiment")), styles["Heading2"]))
    if report.peak is None or not report.peak.mentions:
        story.append(Paragraph(_clean(_("No mention was counted during this crisis.")), body))
    else:
        for chart in charts(report).values():
            if chart is not None and chart.shapes:
                story.append(KeepTogether([Paragraph(_clean(chart.title), small), drawing(chart, width),
                                           Spacer(1, 4 * mm)]))

    response = report.response
    story += [Paragraph(_clean(_("Response times")), styles["Heading2"]), _table([
        [_("Conversations in the crisis queue.") if response.scope == "queue"
         else _("Every conversation started during the crisis (its queue holds none)."), ""],
        [_("Conversations"), response.conversations], [_("Answered"), response.answered],
        [_("Median first response"), duration_text(response.median_s)],
        [_("First response, 90th percentile"), duration_text(response.p90_s)],
        [_("Within the SLA target"), "—" if response.sla_met_pct is None
         else f"{response.sla_met_pct} % ({response.sla_met}/{response.sla_settled})"],
        [_("Answered within 2 hours"), "—" if response.answered_2h_pct is None
         else f"{response.answered_2h_pct} % ({response.answered_2h}/{response.answer_due})"],
    ], [width * 0.6, width * 0.4])]

    story += [Paragraph(_clean(_("Who did what")), styles["Heading2"]), _table([
        [cell(_("Person")), cell(_("Role")), cell(_("Replies sent")), cell(_("Statements drafted")),
         cell(_("Statements approved")), cell(_("Statements published")), cell(_("Cluster replies")),
         cell(_("Decisions")), cell(_("Tasks done"))],
        *[[cell(p.name or "—"), cell(role_label(p.role) or "—"), p.replies_sent, p.statements_drafted,
           p.statements_approved, p.statements_published, p.cluster_replies, p.decisions, p.tasks_done]
          for p in report.people]], [width * 0.2, width * 0.14] + [width * 0.66 / 7] * 7)]

    story.append(Paragraph(_clean(_("Decisions")), styles["Heading2"]))
    if report.decisions:
        story.append(_table([[_("Time"), _("Person"), _("Decision")],
                             *[[local_time(d.at), cell(d.actor or "—"), cell(d.text)] for d in report.decisions]],
                            [width * 0.2, width * 0.2, width * 0.6]))
    else:
        story.append(Paragraph(_clean(_("No decision was recorded.")), body))

    story.append(Paragraph(_clean(_("Tasks")), styles["Heading2"]))
    if report.tasks:
        story.append(_table([[_("Task"), _("Owner"), _("Due"), _("Done")],
                             *[[cell(t.title), cell(t.owner or "—"), local_time(t.due_at) if t.due_at else "—",
                                local_time(t.done_at) if t.done_at else _("not done")] for t in report.tasks]],
                            [width * 0.4, width * 0.2, width * 0.2, width * 0.2]))
    else:
        story.append(Paragraph(_clean(_("No task was created.")), body))

    header = [_("Time"), _("From the start"), _("Entry"), _("Person"), _("Details")]
    rows = [[local_time(line.at), duration_text(line.offset_s), kind_label(line.kind, line.action)[:40],
             (line.actor or "—")[:30], cell(line.text) if line.text else ""] for line in report.timeline]
    story.append(Paragraph(_clean(_("Timeline")), styles["Heading2"]))
    # Tables of at most TIMELINE_CHUNK lines: reportlab splits a long table across pages in time
    # growing with its length squared; a timeline of thousands of lines would take many seconds.
    for first in range(0, max(len(rows), 1), TIMELINE_CHUNK):
        story.append(_table([header, *rows[first:first + TIMELINE_CHUNK]],
                            [width * 0.18, width * 0.12, width * 0.18, width * 0.15, width * 0.37]))
    doc.build(story)
    return out.getvalue()
