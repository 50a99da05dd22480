"""Who may do what: the one table of roles and permissions, used by pages, API and services."""

from enum import StrEnum

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "admin", _("Admin")
    LEAD = "lead", _("Community lead")
    AGENT = "agent", _("Community manager")
    EXECUTIVE = "executive", _("Executive")
    VIEWER = "viewer", _("Viewer")


class Permission(StrEnum):
    VIEW_INBOX = "view_inbox"
    WORK_CONVERSATIONS = "work_conversations"  # assign, status, tags, priority, notes
    REPLY = "reply"
    BULK_ACTIONS = "bulk_actions"
    MANAGE_CHANNELS = "manage_channels"
    MANAGE_ROUTING = "manage_routing"  # routing rules, SLA targets, business hours
    MANAGE_TEAMS = "manage_teams"
    MANAGE_MEMBERS = "manage_members"
    EDIT_GUIDES = "edit_guides"
    APPROVE_REPLIES = "approve_replies"
    MANAGE_ROTAS = "manage_rotas"
    DECLARE_CRISIS = "declare_crisis"
    APPROVE_STATEMENTS = "approve_statements"
    VIEW_CRISIS_ROOM = "view_crisis_room"
    VIEW_DEAD_LETTERS = "view_dead_letters"
    VIEW_ONCALL = "view_oncall"  # rotas, alerts, one's own contact methods (everyone may be paged)
    RESPOND_ALERTS = "respond_alerts"  # acknowledge, resolve, page manually, ask for a swap
    MANAGE_ESCALATION = "manage_escalation"  # escalation policies and alert routing rules


_P = Permission
_READ = {_P.VIEW_INBOX, _P.VIEW_CRISIS_ROOM, _P.VIEW_ONCALL}
_AGENT = _READ | {_P.WORK_CONVERSATIONS, _P.REPLY, _P.BULK_ACTIONS, _P.DECLARE_CRISIS, _P.RESPOND_ALERTS}
_LEAD = _AGENT | {
    _P.MANAGE_ROUTING,
    _P.MANAGE_TEAMS,
    _P.APPROVE_REPLIES,
    _P.EDIT_GUIDES,  # leads write the guides and the perimeter with the admins
    _P.MANAGE_ROTAS,
    _P.MANAGE_ESCALATION,
    _P.APPROVE_STATEMENTS,
    _P.VIEW_DEAD_LETTERS,
}

ROLE_PERMISSIONS: dict[str, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.LEAD: frozenset(_LEAD),
    Role.AGENT: frozenset(_AGENT),
    # Executives, legal and PR read everything, approve statements and join the crisis room; they
    # never answer customers themselves.
    Role.EXECUTIVE: frozenset(_READ | {_P.APPROVE_STATEMENTS}),
    Role.VIEWER: frozenset(_READ),
}


def role_can(role: str, permission: Permission) -> bool:
    return permission in ROLE_PERMISSIONS.get(role, frozenset())
