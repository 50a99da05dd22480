from datetime import date, time

import pytest

from accounts.roles import Role
from crisis.services import oncall as rota_services
from crisis.services import policies as policy_services
from tests.factories import member


@pytest.fixture
def lead(organization):
    return member(organization, Role.LEAD, email="lead@airdemo.example", full_name="Léa Lead")


@pytest.fixture
def executive(organization):
    return member(organization, Role.EXECUTIVE, email="exec@airdemo.example", full_name="Eve Executive")


@pytest.fixture
def backup(organization):
    return member(organization, Role.AGENT, email="backup@airdemo.example", full_name="Bob Backup")


@pytest.fixture
def rota(organization, lead, agent, backup):
    """Agent and backup take turns each day at 09:00 Paris time, since 5 January 2026 (agent first)."""
    return rota_services.rota_create(
        organization=organization, actor=lead, name="Community desk", time_zone="Europe/Paris",
        layers=[{"name": "Primary", "member_ids": [agent.pk, backup.pk], "starts_on": date(2026, 1, 5),
                 "handoff_time": time(9, 0)}],
    )


@pytest.fixture
def climbing_policy(organization, lead, rota):
    """On call of the rota, then leads after 5 minutes, then executives after 10 more."""
    policy = policy_services.policy_create(
        organization=organization, actor=lead, name="Agent, lead, executive",
        steps=[{"notify": "rota", "rota_id": rota.pk, "wait_minutes": 5}, {"notify": "leads", "wait_minutes": 10},
               {"notify": "executives", "wait_minutes": 0}], repeat=0)
    policy_services.routing_rule_create(organization=organization, actor=lead, policy=policy, sources=[])
    return policy
