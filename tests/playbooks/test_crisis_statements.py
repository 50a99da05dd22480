"""The crisis cell's statements in the guides: crisis templates to start from, approved statements offered in
the composer's picker and not counted as free text by the perimeter rules."""

import pytest

from accounts.roles import Role
from inbox.reply_guard import HeldReply
from inbox.services import reply_compose
from playbooks import selectors, services
from playbooks.crisis_mode import CrisisState, register_crisis_state
from playbooks.guides import validate_content
from playbooks.models import Outcome

STATEMENT = "Bonjour {first_name}, nous sommes mobilisés : informations sur {info_url}."


@pytest.fixture
def crisis(organization):
    register_crisis_state(lambda organization_id: CrisisState(active=organization_id == organization.pk,
                                                              statements=(STATEMENT,)))
    yield
    register_crisis_state(None)


def test_a_scenario_marked_crisis_keeps_its_mark_and_its_templates_start_statements(organization, published_guide):
    content = {"scenarios": [{"key": "holding", "name": "Holding", "crisis": True, "templates": [
        {"key": "h-fr", "language": "fr", "text": "Nous sommes mobilisés."}]}, {"key": "other", "name": "Other"}]}
    cleaned = validate_content(content, length_limits={"x": 280})
    assert [s["crisis"] for s in cleaned["scenarios"]] == [True, False]
    assert selectors.crisis_templates(organization=organization) == []  # the published guide has no crisis scenario


def test_approved_statements_come_first_in_the_picker_during_a_crisis(organization, published_guide, crisis):
    templates = selectors.all_templates(organization=organization, values={"first_name": "Marie", "info_url": ""})
    assert templates[0]["scenario"] == "Crisis statements"
    assert templates[0]["filled"] == "Bonjour Marie, nous sommes mobilisés : informations sur {info_url}."
    assert len(templates) > 1


def test_a_reply_following_a_statement_is_not_free_text(organization, conversation, lead, published_guide, crisis):
    services.perimeter_rule_save(organization=organization, name="Crisis free text: admins approve",
                                 outcome=Outcome.APPROVAL, conditions={"crisis_mode": True, "free_text": True},
                                 approver_role=Role.ADMIN)
    sent = reply_compose(conversation=conversation, author=lead,
                         text="Bonjour Marie, nous sommes mobilisés : informations sur https://air.example/info.")
    assert not isinstance(sent, HeldReply)
