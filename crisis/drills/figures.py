"""A drill's figures: seconds from the storm's start to each step, read off the crisis timeline.

The timeline conventions (shared by the report): the first DETECTED, PAGED and ACKNOWLEDGED lines
(copied from the spike alert at declaration), DECLARED, and the first STATEMENT whose action is
"published". The drill knows when its storm started, which the timeline cannot (a crisis starts
when the detector noticed), so times here count from the storm. The share of conversations answered
within two hours comes from the report when the report module provides it, else from the inbox.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.models import Organization
from inbox import selectors as inbox_selectors

from .. import selectors
from ..models import Crisis, EventKind

ANSWER_WITHIN = timedelta(hours=2)


@dataclass(frozen=True)
class DrillFigures:
    detected_s: int | None
    paged_s: int | None
    acked_s: int | None
    declared_s: int | None
    first_statement_s: int | None
    answered_2h_pct: float | None

    def line(self, scenario: str) -> str:
        """The drill's last line: `drill=<scenario> detected_s=<n> ...`, `none` for what did not happen."""
        def shown(value):
            return "none" if value is None else str(int(value))

        return (f"drill={scenario} detected_s={shown(self.detected_s)} paged_s={shown(self.paged_s)} "
                f"acked_s={shown(self.acked_s)} declared_s={shown(self.declared_s)} "
                f"first_statement_s={shown(self.first_statement_s)} answered_2h_pct={shown(self.answered_2h_pct)}")


def timeline_times(*, crisis: Crisis, since: datetime) -> dict[str, int | None]:
    firsts: dict[str, datetime] = {}
    for event in selectors.crisis_timeline(crisis=crisis):
        key = event.kind
        if event.kind == EventKind.STATEMENT:
            if (event.data or {}).get("action") != "published":
                continue
            key = "first_statement"
        firsts.setdefault(key, event.at)

    def seconds(key: str) -> int | None:
        return int((firsts[key] - since).total_seconds()) if key in firsts else None

    return {"detected_s": seconds(EventKind.DETECTED), "paged_s": seconds(EventKind.PAGED),
            "acked_s": seconds(EventKind.ACKNOWLEDGED), "declared_s": seconds(EventKind.DECLARED),
            "first_statement_s": seconds("first_statement")}


def answered_within(*, organization: Organization, since: datetime, until: datetime,
                    within: timedelta = ANSWER_WITHIN) -> float | None:
    """Of the conversations opened in [since, until), the share (%) whose first answer went out within
    `within`. Used while the report module (crisis.selectors.crisis_report) is not there."""
    filters = inbox_selectors.ConversationFilters.from_params({"status": "all", "sort": "created"})
    opened = answered = 0
    for conversation in inbox_selectors.conversation_list(organization=organization, filters=filters):
        if not since <= conversation.created_at < until:
            continue
        opened += 1
        first = conversation.first_response_at
        answered += first is not None and first - conversation.created_at <= within
    return 100.0 * answered / opened if opened else None


def drill_figures(*, crisis: Crisis | None, organization: Organization, storm_start: datetime,
                  storm_end: datetime) -> DrillFigures:
    times = timeline_times(crisis=crisis, since=storm_start) if crisis is not None else dict.fromkeys(
        ("detected_s", "paged_s", "acked_s", "declared_s", "first_statement_s"))
    report = getattr(selectors, "crisis_report", None)
    if crisis is not None and report is not None:
        answered = report(crisis=crisis).answered_2h_pct
    else:
        answered = answered_within(organization=organization, since=storm_start, until=storm_end)
    return DrillFigures(answered_2h_pct=answered, **times)
