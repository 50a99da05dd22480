"""Cross-tenant cases for on-call pages and API (rotas, swaps, alerts, policies, contact methods)."""

from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Any

from accounts.models import Organization
from accounts.roles import Role


def _people(organization: Organization):
    from tests.factories import member

    return (member(organization, Role.AGENT, email=f"victim-agent-{organization.pk}@example.com", full_name="Victim agent"),
            member(organization, Role.LEAD, email=f"victim-lead-{organization.pk}@example.com", full_name="Victim lead"))


def _rota_obj(organization: Organization):
    from crisis.services import oncall

    agent, lead = _people(organization)
    rota = oncall.rota_create(organization=organization, actor=lead, name="Victim rota", time_zone="Europe/Paris",
                              layers=[{"name": "Victim layer", "member_ids": [agent.pk, lead.pk],
                                       "starts_on": date(2026, 1, 5), "handoff_time": time(9)}])
    return rota, agent, lead


def _rota(organization: Organization) -> dict[str, Any]:
    return {"pk": _rota_obj(organization)[0].pk}


def _layer(organization: Organization) -> dict[str, Any]:
    return {"pk": _rota_obj(organization)[0].layers.get().pk}


def _override(organization: Organization) -> dict[str, Any]:
    from crisis.services import oncall

    rota, agent, lead = _rota_obj(organization)
    override = oncall.override_create(rota=rota, actor=lead, user=lead, starts_at=datetime(2030, 1, 1, tzinfo=UTC),
                                      ends_at=datetime(2030, 1, 2, tzinfo=UTC), reason="Victim")
    return {"pk": override.pk}


def _swap(organization: Organization) -> dict[str, Any]:
    from crisis.services import oncall

    rota, agent, lead = _rota_obj(organization)
    swap = oncall.swap_request(rota=rota, actor=agent, covered_by=lead, starts_at=datetime(2026, 1, 5, 8, tzinfo=UTC),
                               ends_at=datetime(2026, 1, 6, 8, tzinfo=UTC), note="Victim")
    return {"pk": swap.pk}


def _policy_obj(organization: Organization):
    from crisis.services import policies

    _agent, lead = _people(organization)
    return policies.policy_create(organization=organization, actor=lead, name="Victim policy",
                                  steps=[{"notify": "leads", "wait_minutes": 5}]), lead


def _policy(organization: Organization) -> dict[str, Any]:
    return {"pk": _policy_obj(organization)[0].pk}


def _route(organization: Organization) -> dict[str, Any]:
    from crisis.services import policies

    policy, lead = _policy_obj(organization)
    return {"pk": policies.routing_rule_create(organization=organization, actor=lead, policy=policy, sources=[]).pk}


def _alert(organization: Organization) -> dict[str, Any]:
    from crisis.services import alerts

    alert, _ = alerts.alert_raise(organization=organization, source="manual", severity="high", title="Victim alert")
    return {"pk": alert.pk}


def _method_obj(organization: Organization):
    from crisis.services import notifications

    agent, _lead = _people(organization)
    return notifications.contact_method_create(organization=organization, user=agent, kind="email",
                                               address="victim@example.com", label="Victim"), agent


def _method(organization: Organization) -> dict[str, Any]:
    return {"pk": _method_obj(organization)[0].pk}


def _rule(organization: Organization) -> dict[str, Any]:
    from crisis.services import notifications

    method, agent = _method_obj(organization)
    return {"pk": notifications.notification_rule_create(organization=organization, user=agent, contact_method=method,
                                                         delay_minutes=1).pk}


def _topic_obj(organization: Organization):
    from crisis.services import detection

    return detection.watch_topic_create(organization=organization, name="Victim topic", terms=["victim"])


def _topic(organization: Organization) -> dict[str, Any]:
    return {"pk": _topic_obj(organization).pk}


def _mute(organization: Organization) -> dict[str, Any]:
    from crisis.services import detection

    _agent, lead = _people(organization)
    return {"pk": detection.topic_mute(organization=organization, topic=_topic_obj(organization), reason="Victim",
                                       until=datetime(2099, 1, 1, tzinfo=UTC), actor=lead,
                                       now=datetime(2098, 12, 31, tzinfo=UTC)).pk}


OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {
    "rota-detail": _rota,
    "rota-swap-decide": _swap,
    "alert-detail": _alert,
    "api:rota-detail": _rota,
    "api:rota-oncall": _rota,
    "api:rota-shifts": _rota,
    "api:rota-gaps": _rota,
    "api:rota-layer-detail": _layer,
    "api:rota-override-detail": _override,
    "api:rota-swap-detail": _swap,
    "api:rota-swap-accept": _swap,
    "api:rota-swap-decline": _swap,
    "api:escalation-policy-detail": _policy,
    "api:alert-route-detail": _route,
    "api:alert-detail": _alert,
    "api:alert-acknowledge": _alert,
    "api:alert-resolve": _alert,
    "api:contact-method-detail": _method,
    "api:contact-method-test": _method,
    "api:notification-rule-detail": _rule,
    "api:watch-topic-detail": _topic,
    "api:topic-mute-detail": _mute,
}

# The signed acknowledgement link: the token names the alert and the person, no login needed.
PUBLIC_ROUTES: set[str] = {"alert-ack-link", "calendar-rota", "calendar-person"}  # secret calendar addresses


# The crisis room (crisis/room_urls.py).

def _crisis_obj(organization: Organization):
    from crisis.services import cell

    _agent, lead = _people(organization)
    return cell.crisis_declare(organization=organization, actor=lead, title="Victim crisis"), lead


def _crisis(organization: Organization) -> dict[str, Any]:
    return {"pk": _crisis_obj(organization)[0].pk}


def _crisis_task(organization: Organization) -> dict[str, Any]:
    from crisis.services import room

    crisis, lead = _crisis_obj(organization)
    return {"pk": crisis.pk, "task_pk": room.task_create(crisis=crisis, actor=lead, title="Victim task").pk}


def _crisis_source(organization: Organization) -> dict[str, Any]:
    from crisis.services import room

    crisis, lead = _crisis_obj(organization)
    return {"pk": crisis.pk, "source_pk": room.source_add(crisis=crisis, actor=lead, label="Victim source",
                                                         url="https://victim.example/").pk}


OBJECT_KWARGS.update({
    "crisis-room": _crisis,
    "crisis-room-series": _crisis,
    "crisis-room-presence": _crisis,
    "crisis-room-posts": _crisis,
    "crisis-room-timeline": _crisis,
    "crisis-room-tasks": _crisis,
    "crisis-room-task": _crisis_task,
    "crisis-room-sources": _crisis,
    "crisis-room-source": _crisis_source,
    "api:crisis-room-series": _crisis,
    "api:crisis-room-timeline": _crisis,
    "api:crisis-room-tasks": _crisis,
    "api:crisis-room-task": _crisis_task,
    "api:crisis-room-sources": _crisis,
    "api:crisis-room-source": _crisis_source,
})
from tests.tenancy_cases_report import OBJECT_KWARGS as _REPORT_CASES  # noqa: E402

OBJECT_KWARGS.update(_REPORT_CASES)

# The crisis cell: its pages and API (crisis/cell_urls.py, crisis/api/cell.py).
OBJECT_KWARGS.update({
    "crisis-close": _crisis,
    "api:crisis-detail": _crisis,
    "api:crisis-close": _crisis,
})
