"""Declaring and closing a crisis: the cell, one active crisis at a time, the timeline."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from crisis import selectors
from crisis.models import AlertSeverity, AlertSource, CellRole, CrisisStatus, EventKind
from crisis.services import alerts as alert_services
from crisis.services import cell


def test_declaring_names_the_cell_and_makes_the_declarer_lead(organization, agent, executive):
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Strike at CDG", severity=3,
                                 keywords=["Grève", " CDG "], cell=[(executive.pk, CellRole.EXECUTIVE)])
    roles = {m.user_id: m.role for m in selectors.crisis_members(crisis=crisis)}
    assert roles == {executive.pk: CellRole.EXECUTIVE, agent.pk: CellRole.CRISIS_LEAD}
    assert crisis.keywords == ["cdg", "grève"]
    assert [e.kind for e in selectors.crisis_timeline(crisis=crisis)] == [EventKind.DECLARED]
    assert selectors.active_crisis(organization=organization) == crisis


def test_only_one_crisis_is_active_at_a_time(organization, agent):
    cell.crisis_declare(organization=organization, actor=agent, title="First")
    with pytest.raises(ValidationError, match="already open"):
        cell.crisis_declare(organization=organization, actor=agent, title="Second")


def test_the_cell_only_takes_members_of_the_organization(organization, agent, outsider):
    with pytest.raises(ValidationError, match="member of this organization"):
        cell.crisis_declare(organization=organization, actor=agent, title="X", cell=[(outsider.pk, CellRole.PR)])


@pytest.mark.parametrize("severity", [0, 5, "high", None])
def test_severity_is_one_to_four(organization, agent, severity):
    with pytest.raises(ValidationError, match="from 1"):
        cell.crisis_declare(organization=organization, actor=agent, title="X", severity=severity)


def test_declaring_from_a_spike_alert_starts_the_clock_at_the_alert(organization, agent):
    at = timezone.now() - timedelta(minutes=7)
    alert, _ = alert_services.alert_raise(organization=organization, source=AlertSource.VOLUME_SPIKE,
                                          severity=AlertSeverity.CRITICAL, title="Spike", now=at)
    alert_services.alert_acknowledge(alert=alert, actor=agent)
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Storm", from_alert=alert)
    assert crisis.started_at == at
    kinds = [e.kind for e in selectors.crisis_timeline(crisis=crisis)]
    assert kinds[0] == EventKind.DETECTED and EventKind.ACKNOWLEDGED in kinds and kinds[-1] == EventKind.DECLARED


def test_closing_twice_changes_nothing_the_second_time(organization, agent):
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="X")
    closed = cell.crisis_close(crisis=crisis, actor=agent, summary="Over")
    again = cell.crisis_close(crisis=closed, actor=agent, summary="Again")
    assert again.status == CrisisStatus.CLOSED and again.closing_summary == "Over"
    assert selectors.active_crisis(organization=organization) is None
    assert [e.kind for e in selectors.crisis_timeline(crisis=crisis)].count(EventKind.CLOSED) == 1


def test_another_organizations_crisis_is_not_found(organization, other_organization, agent, outsider):
    from django.http import Http404

    theirs = cell.crisis_declare(organization=other_organization, actor=outsider, title="Theirs")
    with pytest.raises(Http404):
        selectors.crisis_detail(organization=organization, pk=theirs.pk)


def test_a_crisis_declared_from_a_detected_spike_starts_at_the_minute_found_abnormal(organization, agent):
    noticed = timezone.now().replace(second=40, microsecond=0)
    began = noticed.replace(second=0)
    alert, _ = alert_services.alert_raise(organization=organization, source=AlertSource.VOLUME_SPIKE,
                                          severity=AlertSeverity.CRITICAL, title="Spike", now=noticed,
                                          data={"started_at": began.isoformat()})
    crisis = cell.crisis_declare(organization=organization, actor=agent, title="Storm", from_alert=alert)
    assert crisis.started_at == began
    # A start after the alert (a clock gone wrong) is not believed.
    late, _ = alert_services.alert_raise(organization=organization, source=AlertSource.VOLUME_SPIKE,
                                         severity=AlertSeverity.HIGH, title="Late", now=began,
                                         data={"started_at": noticed.isoformat()})
    cell.crisis_close(crisis=crisis, actor=agent)
    assert cell.crisis_declare(organization=organization, actor=agent, title="Again", from_alert=late).started_at == began
