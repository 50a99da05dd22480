"""The report as CSV: its key figures, the timeline and who did what, in three blocks.

Cells are neutralised against formula injection: a spreadsheet opening the file would run a cell
starting with =, +, -, @, a tab or a carriage return as a formula (`=HYPERLINK(...)` leaking data,
`=cmd|...` running commands), and timeline texts and names are typed by people, some outside the
organization (a post quoted in a note). Following OWASP's CSV injection guidance
(https://owasp.org/www-community/attacks/CSV_Injection), such a cell gets a leading apostrophe,
which spreadsheets read as "text" and do not show.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import datetime

from django.utils.translation import gettext as _

from .report import CrisisReport

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value) -> object:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading apostrophe.
    Numbers stay numbers (a negative offset is a value, not a formula); None becomes empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def _rows(rows: Iterable[Iterable]) -> list[list]:
    return [[safe_cell(cell) for cell in row] for row in rows]


def report_csv(report: CrisisReport, *, kind_label: Callable[[str, str], str],
               role_label: Callable[[str], str], time_text: Callable[[datetime], str]) -> str:
    """The CSV text. Labels come from the caller (in the reader's language); times are ISO 8601 in UTC
    plus the local time people read, so a spreadsheet can sort and a person can read."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerows(_rows([
        [_("Crisis"), report.title],
        [_("Started"), report.started_at.isoformat()],
        [_("Closed"), report.closed_at.isoformat() if report.closed_at else ""],
        *[[label, seconds] for label, seconds in [
            (_("Seconds to detection"), report.detected_s), (_("Seconds to first page"), report.paged_s),
            (_("Seconds to acknowledgment"), report.acked_s), (_("Seconds to declaration"), report.declared_s),
            (_("Seconds to first statement"), report.first_statement_s)]],
        [_("Median first response (s)"), report.response.median_s],
        [_("90th percentile first response (s)"), report.response.p90_s],
        [_("Within SLA (%)"), report.response.sla_met_pct],
        [_("Answered within 2 hours (%)"), report.answered_2h_pct],
    ]))
    writer.writerow([])
    writer.writerows(_rows([
        [_("Time (UTC)"), _("Local time"), _("Seconds from start"), _("Entry"), _("Person"), _("Text")],
        *[[line.at.isoformat(), time_text(line.at), line.offset_s, kind_label(line.kind, line.action), line.actor,
           line.text] for line in report.timeline],
    ]))
    writer.writerow([])
    writer.writerows(_rows([
        [_("Person"), _("Role"), _("Replies sent"), _("Statements drafted"), _("Statements approved"),
         _("Statements published"), _("Cluster replies"), _("Decisions"), _("Tasks done"), _("Notes")],
        *[[p.name, role_label(p.role), p.replies_sent, p.statements_drafted, p.statements_approved,
           p.statements_published, p.cluster_replies, p.decisions, p.tasks_done, p.notes] for p in report.people],
    ]))
    return out.getvalue()
