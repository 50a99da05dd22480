"""The crisis report's reads: the rows `crisis.report` turns into figures.

The inbox is read through `inbox.selectors` only (first-response figures and replies sent, computed
in SQL there); the timeline and minute counters are crisis tables.
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from . import report
from .mode import queue_tag
from .models import Crisis, MentionBucket

OVERALL = 0  # the organization-wide counters' topic id (crisis.services.detection.OVERALL)


def _events(crisis: Crisis) -> list[report.Event]:
    from .selectors import crisis_timeline

    return [report.Event(at=e.at, kind=e.kind, actor_id=e.actor_id, text=e.text, data=e.data or {})
            for e in crisis_timeline(crisis=crisis)]


def _minutes(crisis: Crisis, start: datetime, end: datetime) -> dict[datetime, tuple[int, int, int]]:
    """Minute counters of the crisis's watch topics summed (a mention matching two topics counts
    twice: the curve's shape is what matters), or of the organization overall when it has none."""
    topic_ids = list(crisis.topic_ids or []) or [OVERALL]
    rows = (MentionBucket.objects.for_organization(crisis.organization_id)
            .filter(topic_id__in=topic_ids, minute__gte=start, minute__lte=end)
            .values_list("minute", "mentions", "negative", "reshares"))
    minutes: dict[datetime, tuple[int, int, int]] = {}
    for minute, mentions, negative, reshares in rows:
        before = minutes.get(minute, (0, 0, 0))
        minutes[minute] = (before[0] + mentions, before[1] + negative, before[2] + reshares)
    return minutes


def _response(crisis: Crisis, until: datetime, now: datetime) -> tuple[report.ResponseTimes, dict[int, int]]:
    """Figures for the crisis queue (conversations tagged with its queue tag); when the queue holds
    nothing (a crisis declared without scope, before crisis mode tagged anything), every conversation
    created during the crisis, so the report still says how the desk answered."""
    from inbox import selectors as inbox_selectors

    tag = queue_tag(crisis)
    scope, tag_name = ("queue", tag) if inbox_selectors.tag_in_use(organization=crisis.organization_id,
                                                                    tag_name=tag) else ("window", None)
    window = {"organization": crisis.organization_id, "tag_name": tag_name, "since": crisis.started_at, "until": until}
    figures = inbox_selectors.first_response_figures(**window, now=now)
    replies = inbox_selectors.replies_sent_by_person(**window)

    def whole(seconds: float | None) -> int | None:
        return None if seconds is None else round(seconds)

    return report.ResponseTimes(
        scope=scope, conversations=figures.conversations, answered=figures.answered,
        median_s=whole(figures.median_seconds), p90_s=whole(figures.p90_seconds), sla_settled=figures.sla_settled,
        sla_met=figures.sla_met, sla_met_pct=figures.sla_met_pct, answer_due=figures.answer_due,
        answered_2h=figures.answered_2h, answered_2h_pct=figures.answered_2h_pct), replies


def crisis_report(*, crisis: Crisis, now: datetime | None = None) -> report.CrisisReport:
    """The report of a crisis: final once it is closed, the figures so far while it is active.
    `now` is the clock's time (the drill passes its simulated one)."""
    from .selectors import crisis_members, crisis_tasks, users_by_id

    now = now or timezone.now()
    until = crisis.closed_at or max(now, crisis.declared_at)
    events = _events(crisis)
    members = list(crisis_members(crisis=crisis))
    response, replies = _response(crisis, until, now)
    tasks = list(crisis_tasks(crisis=crisis))
    user_ids = ({e.actor_id for e in events} | {m.user_id for m in members} | set(replies)
                | {t.owner_id for t in tasks} | {crisis.closed_by_id})
    people = users_by_id(organization=crisis.organization, user_ids=user_ids - {None})
    names = {pk: user.display_name for pk, user in people.items()}
    chart_start = crisis.started_at - report.LEAD_IN
    first_bin = report.floor_to_bin(chart_start, report.bin_minutes_for(chart_start, until))
    minutes = _minutes(crisis, first_bin, until)
    size, points = report.series(minutes, chart_start, until)
    storm_start = crisis.started_at.replace(second=0, microsecond=0)
    return report.CrisisReport(
        crisis_id=crisis.pk, title=crisis.title, severity=crisis.severity, status=crisis.status,
        is_drill=crisis.is_drill, started_at=crisis.started_at, declared_at=crisis.declared_at,
        closed_at=crisis.closed_at, closed_by=names.get(crisis.closed_by_id, "") if crisis.closed_by_id else "",
        closing_summary=crisis.closing_summary, until=until,
        times=report.milestones(events, crisis.started_at), response=response, bin_minutes=size,
        series=tuple(points), timeline=tuple(report.timeline(events, crisis.started_at, names)),
        people=tuple(report.people(events, replies, names, {m.user_id: m.role for m in members})),
        decisions=tuple(report.decisions(events, crisis.started_at, names)),
        tasks=tuple(report.Task(title=t.title, owner=names.get(t.owner_id, "") if t.owner_id else "",
                                created_at=t.created_at, due_at=t.due_at, done_at=t.done_at) for t in tasks),
        total_mentions=sum(counts[0] for minute, counts in minutes.items() if minute >= storm_start),
    )
