"""Alerts climb: on call of the rota, then leads, then executives; acknowledging stops the climb."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from django.core.exceptions import ValidationError

from crisis import escalation
from crisis.models import Alert, AlertSource, AlertStatus, EscalationStepRun, NotificationAttempt
from crisis.services import alerts as alert_services
from crisis.services import oncall as rota_services
from crisis.services import policies as policy_services
from crisis.services.escalation import StepFenced, _run, escalations_run_due

T0 = datetime(2026, 1, 5, 12, tzinfo=UTC)  # the agent's day in the rota fixture


def page(organization, *, at=T0, key=None, title="Vol AD1234: des clients bloqués"):
    alert, _created = alert_services.alert_raise(organization=organization, source=AlertSource.MANUAL, severity="high",
                                                 title=title, dedup_key=key, now=at)
    return alert


def steps_of(alert):
    return list(EscalationStepRun.objects.for_organization(alert.organization).filter(alert=alert)
                .order_by("step_number").values_list("step_number", "targets"))


def test_a_page_climbs_from_the_on_call_agent_to_leads_to_executives(organization, climbing_policy, agent, lead, executive,
                                                                      django_capture_on_commit_callbacks):
    alert = page(organization)
    assert alert.policy_snapshot["steps"][0] == {"notify": "rota", "rota_id": climbing_policy.steps[0]["rota_id"],
                                                 "wait_minutes": 5}
    assert escalations_run_due(now=T0) == 1
    assert steps_of(alert) == [(0, [agent.pk])]
    assert escalations_run_due(now=T0 + timedelta(minutes=4, seconds=59)) == 0
    assert escalations_run_due(now=T0 + timedelta(minutes=5)) == 1
    assert steps_of(alert)[-1] == (1, [lead.pk])
    assert escalations_run_due(now=T0 + timedelta(minutes=15)) == 1
    assert steps_of(alert)[-1] == (2, [executive.pk])
    alert.refresh_from_db()
    assert (alert.escalation_step, alert.next_escalation_at) == (3, None)
    kinds = list(alert.log.values_list("kind", flat=True))
    assert kinds == ["triggered", "escalated", "notified", "escalated", "notified", "escalated", "notified", "exhausted"]
    in_app = NotificationAttempt.objects.for_organization(organization).filter(alert=alert, kind="in_app")
    assert sorted(in_app.values_list("user_id", "status")) == sorted([(agent.pk, "sent"), (lead.pk, "sent"), (executive.pk, "sent")])


def test_acknowledging_stops_the_climb(organization, climbing_policy, agent, lead):
    alert = page(organization)
    escalations_run_due(now=T0)
    alert_services.alert_acknowledge(alert=alert, actor=agent)
    assert escalations_run_due(now=T0 + timedelta(hours=1)) == 0
    alert.refresh_from_db()
    assert (alert.status, alert.acknowledged_by, alert.next_escalation_at) == (AlertStatus.ACKNOWLEDGED, agent, None)
    # A second acknowledgement (two links clicked) changes nothing.
    alert_services.alert_acknowledge(alert=alert, actor=lead)
    alert.refresh_from_db()
    assert alert.acknowledged_by == agent
    assert list(alert.log.filter(kind="acknowledged").values_list("actor", flat=True)) == [agent.pk]


def test_a_duplicated_sweep_runs_each_step_once(organization, climbing_policy):
    alerts = [page(organization, title=f"Alerte {n}") for n in range(3)]
    assert escalations_run_due(now=T0) == 3
    assert escalations_run_due(now=T0) == 0  # the duplicate finds nothing due
    for alert in alerts:
        assert [number for number, _targets in steps_of(alert)] == [0]


def test_a_stale_worker_is_fenced_off_by_the_step_number(organization, climbing_policy):
    alert = page(organization)
    stale = Alert.objects.for_organization(organization).get(pk=alert.pk)  # read before the step ran elsewhere
    escalations_run_due(now=T0)
    with pytest.raises(StepFenced):
        _run(stale, T0)
    assert [number for number, _targets in steps_of(alert)] == [0]


def test_a_gap_in_the_rota_climbs_to_the_next_step_at_once(organization, lead, climbing_policy, rota, executive):
    rota_services.override_create(rota=rota, actor=lead, user=executive, starts_at=T0 - timedelta(hours=1),
                                  ends_at=T0 + timedelta(hours=1))
    rota_services.override_delete(override=rota.overrides.get(), actor=lead)
    office = rota_services.rota_create(
        organization=organization, actor=lead, name="Nights only", time_zone="Europe/Paris",
        layers=[{"name": "Nights", "member_ids": [lead.pk], "starts_on": date(2026, 1, 5), "handoff_time": time(20),
                 "restrictions": [{"days": ["mon"], "start": "20:00", "end": "23:00"}]}])
    policy = policy_services.policy_create(organization=organization, actor=lead, name="Nights first",
                                           steps=[{"notify": "rota", "rota_id": office.pk, "wait_minutes": 30},
                                                  {"notify": "executives"}])
    policy_services.routing_rule_create(organization=organization, actor=lead, policy=policy, sources=["manual"],
                                        min_severity="critical", position=0)
    climbing_policy.routing_rules.update(position=1)
    alert, _ = alert_services.alert_raise(organization=organization, source="manual", severity="critical",
                                          title="Crise", now=T0)
    assert alert.policy == policy
    assert escalations_run_due(now=T0) == 2
    assert steps_of(alert) == [(0, []), (1, [executive.pk])]
    assert list(alert.log.values_list("kind", flat=True))[:2] == ["triggered", "nobody"]


def test_a_repeat_of_the_same_open_condition_joins_the_alert(organization, climbing_policy, agent):
    first = page(organization, key="channel:7")
    again = page(organization, key="channel:7", at=T0 + timedelta(minutes=1))
    assert again.pk == first.pk
    first.refresh_from_db()
    assert first.occurrences == 2
    escalations_run_due(now=T0 + timedelta(minutes=1))
    assert len(steps_of(first)) == 1  # joined, not paged twice
    alert_services.alert_resolve(alert=first, actor=agent)
    assert page(organization, key="channel:7", at=T0 + timedelta(minutes=2)).pk != first.pk


def test_without_a_matching_rule_the_alert_is_recorded_but_nobody_is_paged(organization):
    alert = page(organization)
    assert (alert.policy, alert.next_escalation_at) == (None, None)
    assert list(alert.log.values_list("kind", flat=True)) == ["triggered", "no_policy"]


def test_a_policy_repeats_its_steps(organization, lead, agent, rota):
    policy = policy_services.policy_create(organization=organization, actor=lead, name="Twice",
                                           steps=[{"notify": "rota", "rota_id": rota.pk, "wait_minutes": 3}], repeat=1)
    policy_services.routing_rule_create(organization=organization, actor=lead, policy=policy, sources=[])
    alert = page(organization)
    escalations_run_due(now=T0)
    escalations_run_due(now=T0 + timedelta(minutes=3))
    assert steps_of(alert) == [(0, [agent.pk]), (1, [agent.pk])]
    alert.refresh_from_db()
    assert alert.next_escalation_at is None


@pytest.mark.parametrize(
    ("steps", "repeat", "message"),
    [
        ([], 0, "at least one step"),
        ([{"notify": "leads", "wait_minutes": 0}], 3, "loops"),
        ([{"notify": "somebody"}], 0, "must be one of"),
        ([{"notify": "rota", "rota_id": 999999}], 0, "no rota"),
        ([{"notify": "users", "user_ids": []}], 0, "at least one person"),
        ([{"notify": "leads", "wait_minutes": -5}], 0, "wait between"),
        ([{"notify": "leads"}], 42, "Repeat"),
    ],
)
def test_bad_policies_are_refused(organization, lead, steps, repeat, message):
    with pytest.raises(ValidationError, match=message):
        policy_services.policy_create(organization=organization, actor=lead, name="Bad", steps=steps, repeat=repeat)
    assert not climbing_exists(organization)


def climbing_exists(organization):
    from crisis.models import EscalationPolicy

    return EscalationPolicy.objects.for_organization(organization).exists()


def test_step_timing_counts_from_the_due_time():
    policy = escalation.parse_policy(steps=[{"notify": "leads", "wait_minutes": 5}, {"notify": "executives"}], repeat=0)
    assert escalation.next_due(policy, number=0, ran_due_at=T0) == T0 + timedelta(minutes=5)
    assert escalation.next_due(policy, number=1, ran_due_at=T0) is None
    assert policy.step(2) is None and policy.total_steps == 2


def test_escalation_pages_whoever_the_override_or_swap_puts_on_call(organization, climbing_policy, rota, lead,
                                                                   executive, agent, backup):
    rota_services.override_create(rota=rota, actor=lead, user=executive, starts_at=T0 - timedelta(hours=1),
                                  ends_at=T0 + timedelta(hours=1))
    alert = page(organization)
    escalations_run_due(now=T0)
    assert steps_of(alert) == [(0, [executive.pk])]
    # The next day is backup's; backup swapped it to the agent.
    swap = rota_services.swap_request(rota=rota, actor=backup, covered_by=agent, starts_at=T0 + timedelta(days=1),
                                      ends_at=T0 + timedelta(days=1, hours=2))
    rota_services.swap_accept(swap=swap, actor=agent)
    later = page(organization, at=T0 + timedelta(days=1, hours=1), title="Le lendemain")
    escalations_run_due(now=T0 + timedelta(days=1, hours=1))
    assert steps_of(later) == [(0, [agent.pk])]
