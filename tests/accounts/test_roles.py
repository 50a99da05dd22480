import pytest

from accounts.roles import ROLE_PERMISSIONS, Permission, Role, role_can


def test_every_role_has_an_entry():
    assert set(ROLE_PERMISSIONS) == set(Role.values)


def test_admin_can_do_everything():
    assert all(role_can(Role.ADMIN, permission) for permission in Permission)


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.VIEWER])
def test_read_only_roles_never_answer_customers_or_change_conversations(role):
    for permission in (Permission.REPLY, Permission.WORK_CONVERSATIONS, Permission.BULK_ACTIONS, Permission.MANAGE_CHANNELS):
        assert not role_can(role, permission)
    assert role_can(role, Permission.VIEW_INBOX)
    assert role_can(role, Permission.VIEW_CRISIS_ROOM)


def test_agents_reply_but_do_not_administer():
    assert role_can(Role.AGENT, Permission.REPLY)
    assert role_can(Role.AGENT, Permission.WORK_CONVERSATIONS)
    assert not role_can(Role.AGENT, Permission.MANAGE_CHANNELS)
    assert not role_can(Role.AGENT, Permission.EDIT_GUIDES)
    assert not role_can(Role.AGENT, Permission.APPROVE_REPLIES)


def test_leads_approve_and_run_rotas_but_do_not_connect_channels():
    assert role_can(Role.LEAD, Permission.APPROVE_REPLIES)
    assert role_can(Role.LEAD, Permission.MANAGE_ROTAS)
    assert role_can(Role.LEAD, Permission.EDIT_GUIDES)
    assert not role_can(Role.LEAD, Permission.MANAGE_CHANNELS)


def test_executives_approve_statements():
    assert role_can(Role.EXECUTIVE, Permission.APPROVE_STATEMENTS)


def test_unknown_role_can_do_nothing():
    assert not any(role_can("intern", permission) for permission in Permission)
