"""Holding statements: draft, revise, submit, approve or reject, publish on channels.

The approval rule (four-eyes and more): a version is approved once at least `REQUIRED_APPROVERS`
distinct people holding `APPROVE_STATEMENTS` approved it, none of them its author; from severity
`EXECUTIVE_SIGN_OFF_FROM` up, one of them must also be an executive (the organization's Executive role,
or the cell's executive). Two approvers rather than one because a statement speaks for the whole
brand in public during a crisis: one reviewer besides the author is the minimum any desk would accept,
a second catches what the first was too close to see. A rejection sends the statement back to its
author with the reason; a revision makes a new version, whose approvals start empty.

Every step writes one STATEMENT line on the crisis timeline with data {"action", "statement_id",
"version"}; the first statement time of the report is the first "published" one.

Publishing creates one `StatementPublication` per channel (unique per statement and channel) and
hands each to the `publish_statement` task, which posts it at most once: see statement_publications.py.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User
from accounts.roles import Permission, Role, role_can

from ..models import (
    EXECUTIVE_SIGN_OFF_FROM,
    ApprovalDecision,
    CellRole,
    Crisis,
    CrisisMember,
    EventKind,
    InfoSource,
    PublicationState,
    Statement,
    StatementApproval,
    StatementPublication,
    StatementStatus,
    StatementVersion,
)
from .cell import broadcast, event_record

logger = logging.getLogger(__name__)

REQUIRED_APPROVERS = 2
MAX_TEXT = 5000
VARIABLE = re.compile(r"\{(\w+)\}")


# -- who may do what ----------------------------------------------------------------------------

def _role(organization_id: int, user: User | None) -> str:
    if user is None:
        return ""
    return (Membership.objects.for_organization(organization_id).filter(user=user)
            .values_list("role", flat=True).first() or "")


def organization_role(organization_id: int, user: User | None) -> str:
    return _role(organization_id, user)


def can_draft(role: str) -> bool:
    """Anyone who may declare a crisis (agents, leads) or approve statements (executives) drafts."""
    return role_can(role, Permission.DECLARE_CRISIS) or role_can(role, Permission.APPROVE_STATEMENTS)


def can_approve(role: str) -> bool:
    return role_can(role, Permission.APPROVE_STATEMENTS)


def is_executive(crisis: Crisis, user: User, role: str) -> bool:
    return role == Role.EXECUTIVE or CrisisMember.objects.for_organization(crisis.organization_id).filter(
        crisis=crisis, user=user, role=CellRole.EXECUTIVE).exists()


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_("Your role in this organization does not allow this."))


def _require_active(crisis: Crisis) -> None:
    if not crisis.is_active:
        raise ValidationError(_("This crisis is closed: its statements can no longer change."))


# -- reading the approval state ------------------------------------------------------------------

@dataclass(frozen=True)
class ApprovalState:
    version: int
    approvers: tuple[int, ...]  # user ids who approved the current version
    rejected: bool
    executive_needed: bool
    executive_given: bool
    needed: int

    @property
    def complete(self) -> bool:
        return (not self.rejected and len(self.approvers) >= self.needed
                and (self.executive_given or not self.executive_needed))

    def missing(self) -> str:
        """What the statement still waits for, in words."""
        parts = []
        if len(self.approvers) < self.needed:
            parts.append(_("%(count)s more approval(s)") % {"count": self.needed - len(self.approvers)})
        if self.executive_needed and not self.executive_given:
            parts.append(_("an executive's sign-off"))
        return ", ".join(parts)


def approval_state(statement: Statement) -> ApprovalState:
    rows = list(StatementApproval.objects.for_organization(statement.organization_id).filter(
        version__statement=statement, version__number=statement.current_version).order_by("at", "pk"))
    approved = [row for row in rows if row.decision == ApprovalDecision.APPROVED]
    return ApprovalState(
        version=statement.current_version,
        approvers=tuple(row.approver_id for row in approved),
        rejected=any(row.decision == ApprovalDecision.REJECTED for row in rows),
        executive_needed=statement.crisis.severity >= EXECUTIVE_SIGN_OFF_FROM,
        executive_given=any(row.as_executive for row in approved),
        needed=REQUIRED_APPROVERS,
    )


# -- writing ------------------------------------------------------------------------------------

def _lock(statement: Statement) -> Statement:
    return (Statement.objects.for_organization(statement.organization_id).select_for_update()
            .select_related("crisis").get(pk=statement.pk))


def _current(statement: Statement) -> StatementVersion:
    return statement.versions.get(number=statement.current_version)


def _clean_text(text: str) -> str:
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("The statement is empty: write what the brand says.")})
    if len(text) > MAX_TEXT:
        raise ValidationError({"text": _("A statement has at most %(limit)s characters; this one has %(count)s.")
                               % {"limit": MAX_TEXT, "count": len(text)}})
    if "\x00" in text:
        raise ValidationError({"text": _("The text holds a character that cannot be published.")})
    from playbooks.guides import VARIABLES  # the variables replies fill in, as the guides define them

    unknown = sorted({name for name in VARIABLE.findall(text) if name not in VARIABLES})
    if unknown:
        raise ValidationError({"text": _("Unknown variable {%(name)s} in the statement: use %(known)s.")
                               % {"name": unknown[0], "known": ", ".join(f"{{{v}}}" for v in VARIABLES)}})
    return text


def _clean_channels(crisis: Crisis, channel_ids, text: str) -> list[int]:
    from inbox import selectors as inbox_selectors
    from inbox.services import posts

    try:
        wanted = sorted({int(pk) for pk in channel_ids or ()})
    except (TypeError, ValueError, OverflowError):
        raise ValidationError({"channel_ids": _("Choose channels from the list.")}) from None
    known = {channel.id: channel for channel in posts.brand_post_channels(organization=crisis.organization_id)}
    for pk in wanted:
        channel = known.get(pk)
        if channel is None:
            raise ValidationError({"channel_ids": _("One of these channels does not exist.")})
        if not channel.can_post:
            raise ValidationError({"channel_ids": _("%(channel)s cannot publish posts: %(why)s")
                                   % {"channel": channel.label, "why": channel.note or _("it is paused.")}})
        limit = inbox_selectors.reply_length_limit(platform=channel.platform, private=False)
        if limit and len(text) > limit:
            raise ValidationError({"text": _("%(channel)s accepts %(limit)s characters; this statement has "
                                             "%(count)s.") % {"channel": channel.label, "limit": limit,
                                                              "count": len(text)}})
    return wanted


def _record(statement: Statement, action: str, actor: User | None, at: datetime, text: str = "",
            **data: Any) -> None:
    event_record(crisis=statement.crisis, kind=EventKind.STATEMENT, actor=actor, at=at,
                 text=text or statement.title,
                 data={"action": action, "statement_id": statement.pk, "version": statement.current_version, **data})
    broadcast(statement.crisis, "statement", statement_id=statement.pk, status=statement.status)


@transaction.atomic
def statement_draft(*, crisis: Crisis, actor: User, text: str, channel_ids=(), template_name: str = "",
                    now: datetime | None = None, title: str = "") -> Statement:
    """A new statement (version 1, draft) for the active crisis."""
    now = now or timezone.now()
    _require(can_draft(_role(crisis.organization_id, actor)))
    crisis = Crisis.objects.for_organization(crisis.organization_id).get(pk=crisis.pk)  # its status now
    _require_active(crisis)
    text = _clean_text(text)
    channels = _clean_channels(crisis, channel_ids, text)
    title = (title or "").strip()[:200] or (template_name or "").strip()[:200] or text.splitlines()[0][:80]
    statement = Statement.objects.create(
        organization_id=crisis.organization_id, crisis=crisis, title=title, channel_ids=channels,
        status=StatementStatus.DRAFT, current_version=1, template_name=(template_name or "")[:200],
        created_by=actor, created_at=now, updated_at=now)
    StatementVersion.objects.create(organization_id=crisis.organization_id, statement=statement, number=1, text=text,
                                    author=actor, created_at=now)
    _record(statement, "drafted", actor, now, template=statement.template_name)
    return statement


@transaction.atomic
def statement_revise(*, statement: Statement, actor: User, text: str, now: datetime | None = None,
                     channel_ids=None) -> Statement:
    """A new version; the approvals of the previous one do not carry over. A statement already under
    review stays under review (its reviewers see the new version), a draft stays a draft."""
    now = now or timezone.now()
    statement = _lock(statement)
    _require(can_draft(_role(statement.organization_id, actor)))
    _require_active(statement.crisis)
    if statement.status in (StatementStatus.PUBLISHED, StatementStatus.WITHDRAWN):
        raise ValidationError(_("A published or withdrawn statement no longer changes: draft a new statement "
                                "(an update) instead."))
    text = _clean_text(text)
    channels = _clean_channels(statement.crisis, statement.channel_ids if channel_ids is None else channel_ids, text)
    if text == _current(statement).text and channels == statement.channel_ids:
        raise ValidationError({"text": _("Nothing changed: edit the text before saving a new version.")})
    statement.current_version += 1
    StatementVersion.objects.create(organization_id=statement.organization_id, statement=statement,
                                    number=statement.current_version, text=text, author=actor, created_at=now)
    statement.channel_ids = channels
    if statement.status == StatementStatus.APPROVED:
        statement.status, statement.approved_at = StatementStatus.IN_REVIEW, None
    statement.updated_at = now
    statement.save(update_fields=["current_version", "channel_ids", "status", "approved_at", "updated_at"])
    _record(statement, "drafted", actor, now, revision=True)
    return statement


@transaction.atomic
def statement_submit(*, statement: Statement, actor: User, now: datetime | None = None) -> Statement:
    """Send the draft to the approvers."""
    now = now or timezone.now()
    statement = _lock(statement)
    _require(can_draft(_role(statement.organization_id, actor)))
    _require_active(statement.crisis)
    if statement.status != StatementStatus.DRAFT:
        raise ValidationError(_("Only a draft can be submitted; this statement is %(status)s.")
                              % {"status": statement.get_status_display().lower()})
    if approval_state(statement).rejected:
        raise ValidationError(_("This version was rejected: revise the text, then submit the new version."))
    statement.status, statement.updated_at = StatementStatus.IN_REVIEW, now
    statement.save(update_fields=["status", "updated_at"])
    _record(statement, "submitted", actor, now)
    return statement


def _decide_checks(statement: Statement, actor: User, version: int | None) -> str:
    role = _role(statement.organization_id, actor)
    _require(can_approve(role))
    _require_active(statement.crisis)
    if version is not None and int(version) != statement.current_version:
        raise ValidationError(_("You are looking at version %(seen)s, but the statement was revised since: "
                                "version %(current)s is the one to review. Read it, then decide again.")
                              % {"seen": version, "current": statement.current_version})
    if statement.status != StatementStatus.IN_REVIEW:
        raise ValidationError(_("This statement is not waiting for approval (it is %(status)s).")
                              % {"status": statement.get_status_display().lower()})
    current = _current(statement)
    if current.author_id == actor.pk:
        raise ValidationError(_("You wrote this version: someone else must approve it (four eyes)."))
    if current.approvals.filter(approver=actor).exists():
        raise ValidationError(_("You already gave your decision on this version."))
    return role


@transaction.atomic
def statement_approve(*, statement: Statement, actor: User, now: datetime | None = None,
                      version: int | None = None) -> Statement:
    """Approve the current version (`version`: the one the approver read; an older one is refused)."""
    now = now or timezone.now()
    statement = _lock(statement)
    role = _decide_checks(statement, actor, version)
    executive = is_executive(statement.crisis, actor, role)
    try:
        with transaction.atomic():
            StatementApproval.objects.create(organization_id=statement.organization_id, version=_current(statement),
                                             approver=actor, decision=ApprovalDecision.APPROVED,
                                             as_executive=executive, at=now)
    except IntegrityError:  # a double click that raced the check above
        raise ValidationError(_("You already gave your decision on this version.")) from None
    state = approval_state(statement)
    if state.complete:
        statement.status, statement.approved_at = StatementStatus.APPROVED, now
    statement.updated_at = now
    statement.save(update_fields=["status", "approved_at", "updated_at"])
    _record(statement, "approved", actor, now, final=state.complete, as_executive=executive,
            text=statement.title if state.complete else f"{statement.title} — {state.missing()}")
    return statement


@transaction.atomic
def statement_reject(*, statement: Statement, actor: User, reason: str, now: datetime | None = None,
                     version: int | None = None) -> Statement:
    """Reject the current version with a reason: it goes back to its author as a draft."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why you reject it, so that the author can revise it.")})
    statement = _lock(statement)
    role = _decide_checks(statement, actor, version)
    try:
        with transaction.atomic():
            StatementApproval.objects.create(organization_id=statement.organization_id, version=_current(statement),
                                             approver=actor, decision=ApprovalDecision.REJECTED, reason=reason[:2000],
                                             as_executive=is_executive(statement.crisis, actor, role), at=now)
    except IntegrityError:
        raise ValidationError(_("You already gave your decision on this version.")) from None
    statement.status, statement.updated_at = StatementStatus.DRAFT, now
    statement.save(update_fields=["status", "updated_at"])
    _record(statement, "rejected", actor, now, text=reason[:500], reason=reason[:500])
    return statement


@transaction.atomic
def statement_withdraw(*, statement: Statement, actor: User, now: datetime | None = None) -> Statement:
    """No longer offered as a reply (posts already out stay on the platforms: remove them there)."""
    now = now or timezone.now()
    statement = _lock(statement)
    _require(can_approve(_role(statement.organization_id, actor)))
    if statement.status == StatementStatus.WITHDRAWN:
        return statement
    statement.status, statement.updated_at = StatementStatus.WITHDRAWN, now
    statement.save(update_fields=["status", "updated_at"])
    _record(statement, "withdrawn", actor, now)
    return statement


def fill_for_post(statement: Statement, text: str) -> str:
    """The text as posted: {info_url} becomes the crisis's first information source. A statement that
    speaks to one person ({first_name}...) is a reply, not a post."""
    source = InfoSource.objects.for_organization(statement.organization_id).filter(
        crisis_id=statement.crisis_id).order_by("pk").first()
    if source is not None:
        text = text.replace("{info_url}", source.url)
    left = sorted(set(VARIABLE.findall(text)))
    if left:
        raise ValidationError(_("This statement still holds %(variables)s: it can be offered as a reply, but a post "
                                "needs the words themselves. Add an information source to the crisis for "
                                "{info_url}, or revise the text.")
                              % {"variables": ", ".join(f"{{{name}}}" for name in left)})
    return text


@transaction.atomic
def statement_publish(*, statement: Statement, actor: User, now: datetime | None = None,
                      channel_ids=None) -> Statement:
    """Publish the approved statement: it becomes a reply the crisis queue may use, and is posted on its
    channels (or `channel_ids`), each once, by the publish task. Publishing again only adds channels."""
    now = now or timezone.now()
    statement = _lock(statement)
    _require(can_draft(_role(statement.organization_id, actor)))
    _require_active(statement.crisis)
    if statement.status == StatementStatus.IN_REVIEW:
        raise ValidationError(_("This statement still waits for %(missing)s.")
                              % {"missing": approval_state(statement).missing()})
    if statement.status not in (StatementStatus.APPROVED, StatementStatus.PUBLISHED):
        raise ValidationError(_("Only an approved statement can be published; this one is %(status)s.")
                              % {"status": statement.get_status_display().lower()})
    version = _current(statement)
    wanted = statement.channel_ids if channel_ids is None else channel_ids
    channels = _clean_channels(statement.crisis, wanted, version.text)
    text = fill_for_post(statement, version.text) if channels else version.text
    from inbox.services import posts

    labels = {channel.id: channel.label for channel in posts.brand_post_channels(organization=statement.organization_id)}
    existing = set(statement.publications.values_list("channel_id", flat=True))
    for channel_id in channels:
        if channel_id in existing:
            continue  # one publication per channel, ever: a second click never posts twice
        StatementPublication.objects.create(
            organization_id=statement.organization_id, statement=statement, channel_id=channel_id,
            channel_label=labels.get(channel_id, "")[:200], version=version.number, text=text, created_at=now)
    first = statement.status != StatementStatus.PUBLISHED
    statement.channel_ids = sorted(set(statement.channel_ids) | set(channels))
    statement.status = StatementStatus.PUBLISHED
    statement.published_at = statement.published_at or now
    statement.updated_at = now
    statement.save(update_fields=["channel_ids", "status", "published_at", "updated_at"])
    if first:
        _record(statement, "published", actor, now, channel_ids=channels)
    else:
        broadcast(statement.crisis, "statement", statement_id=statement.pk, status=statement.status)
    from .statement_publications import enqueue

    for publication in statement.publications.filter(state=PublicationState.PENDING):
        enqueue(publication.pk)
    return statement
