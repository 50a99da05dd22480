"""Writes on the response guides: rules, guide versions, the perimeter, approvals.

One function per user-visible action, keyword-only, own transaction; live events only after commit.
Approved replies are queued through the inbox's own reply service (its exactly-once send).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.live import broadcast_on_commit
from accounts.models import Organization, User
from accounts.roles import Permission, Role, role_can

from . import guides, selectors
from .approval_listeners import approval_decided_on_commit, approval_requested_on_commit
from .linter import BUILT_IN_DEFAULTS, SEVERITIES, validate_pattern
from .models import (
    ApprovalStatus,
    Guide,
    GuideVersion,
    LintRule,
    LintRuleKind,
    Outcome,
    PerimeterRule,
    ReplyApproval,
    VersionStatus,
)
from .perimeter import CONDITION_KEYS

APPROVER_ROLES = {Role.LEAD: {Role.LEAD, Role.ADMIN}, Role.ADMIN: {Role.ADMIN}}


# --- linter rules -------------------------------------------------------------------------------

@transaction.atomic
def built_in_rule_set(*, organization: Organization, actor: User, code: str, enabled: bool | None = None,
                      severity: str | None = None, options: dict | None = None) -> LintRule:
    if code not in BUILT_IN_DEFAULTS:
        raise ValidationError(_("Unknown built-in rule %(code)s.") % {"code": code})
    if severity is not None and severity not in SEVERITIES:
        raise ValidationError(_("Severity is block or warn."))
    default = BUILT_IN_DEFAULTS[code]
    row, _created = LintRule.objects.for_organization(organization).get_or_create(
        organization=organization, kind=LintRuleKind.BUILT_IN, code=code,
        defaults={"severity": default.severity, "enabled": default.enabled, "options": {}})
    if enabled is not None:
        row.enabled = enabled
    if severity is not None:
        row.severity = severity
    if options is not None:
        unknown = set(options) - set(default.options)
        if unknown:
            raise ValidationError(_("%(code)s has no option %(option)s.") % {"code": code, "option": sorted(unknown)[0]})
        for key, value in options.items():
            if not isinstance(value, type(default.options[key])):
                raise ValidationError(_("Option %(option)s has the wrong type.") % {"option": key})
        row.options = options
    row.updated_by = actor
    row.save()
    return row


def _at_most(value: str, limit: int, what: str) -> str:
    if len(value) > limit:
        raise ValidationError(_("%(what)s is limited to %(limit)s characters.") % {"what": what, "limit": limit})
    return value


def _clean_custom(kind: str, name: str, pattern: str, severity: str, visibility: str) -> None:
    if kind not in (LintRuleKind.FORBIDDEN, LintRuleKind.REGEX, LintRuleKind.REQUIRED):
        raise ValidationError(_("A rule is forbidden words, a regular expression or a required mention."))
    if not name.strip():
        raise ValidationError(_("Give the rule a name."))
    _at_most(name.strip(), 80, _("The name"))
    _at_most(pattern, 5000, _("The list of words"))
    if severity not in SEVERITIES:
        raise ValidationError(_("Severity is block or warn."))
    if visibility not in ("any", "public", "private"):
        raise ValidationError(_("Visibility is any, public or private."))
    if kind == LintRuleKind.FORBIDDEN:
        if not any(line.strip() for line in pattern.splitlines()):
            raise ValidationError(_("List at least one word or phrase, one a line."))
    else:
        validate_pattern(pattern)


@transaction.atomic
def custom_rule_save(*, organization: Organization, actor: User, rule: LintRule | None = None, kind: str, name: str,
                     pattern: str, severity: str = "warn", visibility: str = "any", message: str = "",
                     enabled: bool = True) -> LintRule:
    _clean_custom(kind, name, pattern, severity, visibility)
    _at_most(message, 300, _("The message"))
    taken = LintRule.objects.for_organization(organization).exclude(kind=LintRuleKind.BUILT_IN).filter(name=name.strip())
    if rule is not None:
        taken = taken.exclude(pk=rule.pk)
    if taken.exists():
        raise ValidationError(_("A rule named %(name)s exists already.") % {"name": name})
    rule = rule or LintRule(organization=organization)
    rule.kind, rule.name, rule.pattern, rule.severity = kind, name.strip(), pattern, severity
    rule.visibility, rule.message, rule.enabled, rule.updated_by = visibility, message, enabled, actor
    rule.save()
    return rule


# --- guides and versions ------------------------------------------------------------------------

def _content(content) -> dict:
    return guides.validate_content(content, length_limits=selectors.platform_limits())


@transaction.atomic
def guide_create(*, organization: Organization, actor: User, name: str, description: str = "",
                 content: dict | None = None) -> Guide:
    if not name.strip():
        raise ValidationError(_("Give the guide a name."))
    _at_most(name.strip(), 120, _("The name"))
    _at_most(description, 300, _("The description"))
    if Guide.objects.for_organization(organization).filter(name=name.strip()).exists():
        raise ValidationError(_("A guide named %(name)s exists already.") % {"name": name})
    guide = Guide.objects.create(organization=organization, name=name.strip(), description=description)
    GuideVersion.objects.create(organization=organization, guide=guide, number=1, created_by=actor,
                                content=_content(content or {"scenarios": []}))
    return guide


def _next_number(guide: Guide) -> int:
    return (GuideVersion.objects.for_organization(guide.organization_id).filter(guide=guide)
            .aggregate(n=Max("number"))["n"] or 0) + 1


@transaction.atomic
def guide_draft_save(*, guide: Guide, actor: User, content: dict, note: str = "") -> GuideVersion:
    """Edit the guide's draft, or start one from the published version."""
    guide = Guide.objects.for_organization(guide.organization_id).select_for_update().get(pk=guide.pk)
    content = _content(content)
    draft = (GuideVersion.objects.for_organization(guide.organization_id)
             .filter(guide=guide, status__in=[VersionStatus.DRAFT, VersionStatus.REVIEW]).order_by("-number").first())
    if draft is None:
        draft = GuideVersion(organization_id=guide.organization_id, guide=guide, number=_next_number(guide),
                             created_by=actor, based_on=guide.published_version)
    # Editing a version in review sends it back to draft: the reviewer must see what they publish.
    draft.content, draft.note, draft.status = content, note[:300], VersionStatus.DRAFT
    draft.submitted_by = draft.submitted_at = None
    draft.save()
    return draft


def guide_scenario_save(*, guide: Guide, actor: User, scenario: dict) -> GuideVersion:
    """Add a scenario to the guide's draft, or replace the one with the same key."""
    current = (GuideVersion.objects.for_organization(guide.organization_id)
               .filter(guide=guide, status__in=[VersionStatus.DRAFT, VersionStatus.REVIEW]).order_by("-number").first()
               or guide.published_version)
    scenarios = [s for s in (current.content.get("scenarios", []) if current else []) if s.get("key") != scenario.get("key")]
    return guide_draft_save(guide=guide, actor=actor, content={"scenarios": [*scenarios, scenario]},
                            note=_("Scenario %(key)s edited") % {"key": scenario.get("key", "")})


def _locked(version: GuideVersion) -> GuideVersion:
    return GuideVersion.objects.for_organization(version.organization_id).select_for_update().get(pk=version.pk)


@transaction.atomic
def guide_version_submit(*, version: GuideVersion, actor: User) -> GuideVersion:
    version = _locked(version)
    if version.status != VersionStatus.DRAFT:
        raise ValidationError(_("Only a draft can be sent for review."))
    version.status, version.submitted_by, version.submitted_at = VersionStatus.REVIEW, actor, timezone.now()
    version.save(update_fields=["status", "submitted_by", "submitted_at"])
    return version


def _publish(version: GuideVersion, actor: User) -> GuideVersion:
    guide = Guide.objects.for_organization(version.organization_id).select_for_update().get(pk=version.guide_id)
    GuideVersion.objects.for_organization(version.organization_id).filter(
        guide=guide, status=VersionStatus.PUBLISHED).update(status=VersionStatus.RETIRED)
    version.status, version.published_by, version.published_at = VersionStatus.PUBLISHED, actor, timezone.now()
    version.save(update_fields=["status", "published_by", "published_at"])
    guide.published_version = version
    guide.save(update_fields=["published_version"])
    return version


@transaction.atomic
def guide_version_publish(*, version: GuideVersion, actor: User) -> GuideVersion:
    version = _locked(version)
    if version.status != VersionStatus.REVIEW:
        raise ValidationError(_("Only a version in review can be published: send the draft for review first."))
    return _publish(version, actor)


@transaction.atomic
def guide_rollback(*, version: GuideVersion, actor: User) -> GuideVersion:
    """Publish again what an older version said, as a new version (history is never rewritten)."""
    version = _locked(version)
    if version.status not in (VersionStatus.RETIRED, VersionStatus.PUBLISHED):
        raise ValidationError(_("Only a previously published version can be rolled back to."))
    guide = version.guide
    copy = GuideVersion.objects.create(
        organization_id=version.organization_id, guide=guide, number=_next_number(guide), content=version.content,
        based_on=version, created_by=actor, note=_("Rollback to version %(number)s") % {"number": version.number},
        submitted_by=actor, submitted_at=timezone.now())
    return _publish(copy, actor)


# --- perimeter ----------------------------------------------------------------------------------

def _clean_conditions(conditions) -> dict:
    if not isinstance(conditions, dict):
        raise ValidationError(_("Conditions are an object."))
    unknown = set(conditions) - CONDITION_KEYS
    if unknown:
        raise ValidationError(_("Unknown condition %(name)s: use %(known)s.")
                              % {"name": sorted(unknown)[0], "known": ", ".join(sorted(CONDITION_KEYS))})
    for key in ("priority_at_least", "min_followers", "author_days_at_most"):
        if conditions.get(key) is not None and (not isinstance(conditions[key], int) or conditions[key] < 0):
            raise ValidationError(_("%(name)s is a whole number.") % {"name": key})
    for key in ("scenarios", "tags", "platforms", "author_roles"):
        if key in conditions and not (isinstance(conditions[key], list)
                                      and all(isinstance(v, str) for v in conditions[key])):
            raise ValidationError(_("%(name)s is a list.") % {"name": key})
    bad_roles = set(conditions.get("author_roles", [])) - set(Role.values)
    if bad_roles:
        raise ValidationError(_("Unknown role %(role)s.") % {"role": sorted(bad_roles)[0]})
    if conditions.get("visibility") not in (None, "public", "private"):
        raise ValidationError(_("Visibility is public or private."))
    if conditions.get("sentiment") not in (None, "", "negative"):
        raise ValidationError(_("The sentiment condition is negative."))
    return conditions


@transaction.atomic
def perimeter_rule_save(*, organization: Organization, rule: PerimeterRule | None = None, name: str,
                        conditions: dict, outcome: str = Outcome.APPROVAL, approver_role: str = Role.LEAD,
                        position: int = 0, is_active: bool = True) -> PerimeterRule:
    if not name.strip():
        raise ValidationError(_("Give the rule a name."))
    _at_most(name.strip(), 120, _("The name"))
    if not 0 <= position <= 32767:
        raise ValidationError(_("The position is a number from 0 to 32767."))
    if outcome not in Outcome.values:
        raise ValidationError(_("A rule either asks for approval or lets the reply go out."))
    if approver_role not in APPROVER_ROLES:
        raise ValidationError(_("Approvers are leads or admins."))
    rule = rule or PerimeterRule(organization=organization)
    rule.name, rule.conditions, rule.outcome = name.strip(), _clean_conditions(conditions), outcome
    rule.approver_role, rule.position, rule.is_active = approver_role, position, is_active
    rule.save()
    return rule


# --- approvals ----------------------------------------------------------------------------------

def _approval_event(approval: ReplyApproval, kind: str) -> None:
    event = {"type": kind, "approval_id": approval.pk, "conversation_id": approval.conversation_id,
             "status": approval.status, "message_id": approval.message_id}
    broadcast_on_commit(organization_id=approval.organization_id, topic="inbox", event=event)
    broadcast_on_commit(organization_id=approval.organization_id, topic=f"user.{approval.author_id}", event=event)


def approval_request(*, organization_id: int, conversation_id: int, channel_id: int, author_id: int, text: str,
                     is_private: bool, confirm_other_channel: bool, rule, findings: list[dict],
                     override_reason: str, guide_version: GuideVersion | None, template_key: str,
                     urgent: bool = False) -> ReplyApproval:
    """Called by the reply guard inside the reply's transaction: the reply waits for an approver."""
    approval = ReplyApproval.objects.create(
        organization_id=organization_id, conversation_id=conversation_id, channel_id=channel_id, author_id=author_id,
        text=text, original_text=text, is_private=is_private, confirm_other_channel=confirm_other_channel,
        rule_id=rule.id, rule_name=rule.name, approver_role=rule.approver_role, findings=findings,
        override_reason=override_reason, guide_version=guide_version, template_key=template_key)
    _approval_event(approval, "approval.requested")
    approval_requested_on_commit(organization_id=organization_id, approval_id=approval.pk,
                                 conversation_id=conversation_id, urgent=urgent)
    return approval


def _lock_pending(approval: ReplyApproval) -> ReplyApproval:
    # Two approvers at once: the second waits here, then finds the first one's outcome.
    locked = ReplyApproval.objects.for_organization(approval.organization_id).select_for_update().get(pk=approval.pk)
    if locked.status == ApprovalStatus.APPROVED:
        who = locked.decided_by.display_name if locked.decided_by else _("someone")
        raise ValidationError(_("%(who)s already approved this reply and it was sent: nothing was sent again.")
                              % {"who": who}, code="already_decided")
    if locked.status == ApprovalStatus.REJECTED:
        who = locked.decided_by.display_name if locked.decided_by else _("someone")
        raise ValidationError(_("%(who)s already rejected this reply.") % {"who": who}, code="already_decided")
    return locked


def _check_approver(approval: ReplyApproval, actor: User) -> None:
    membership = selectors.membership_of(organization=approval.organization_id, user_id=actor.pk)
    if membership is None or not role_can(membership.role, Permission.APPROVE_REPLIES):
        raise ValidationError(_("Your role does not allow approving replies."), code="not_an_approver")
    if membership.role not in APPROVER_ROLES.get(approval.approver_role, {Role.ADMIN}):
        raise ValidationError(_("This reply needs an approver with the role %(role)s.")
                              % {"role": Role(approval.approver_role).label}, code="not_an_approver")
    if actor.pk == approval.author_id:
        raise ValidationError(_("Nobody approves their own reply: another approver must do it."), code="four_eyes")
    if approval.edited_by_id and actor.pk == approval.edited_by_id:
        raise ValidationError(_("You edited this reply: another approver must approve your edit."), code="four_eyes")


@transaction.atomic
def approval_approve(*, approval: ReplyApproval, actor: User, text: str | None = None) -> ReplyApproval:
    """Approve and send; with a changed text, the edit is kept and waits for another approver."""
    from inbox.models import Conversation
    from inbox.reply_guard import HeldReply
    from inbox.services import reply_compose

    approval = _lock_pending(approval)
    _check_approver(approval, actor)
    if text is not None and text.strip() and text.strip() != approval.text:
        approval.text, approval.edited_by = text.strip(), actor
        approval.save(update_fields=["text", "edited_by"])
        _approval_event(approval, "approval.edited")
        return approval
    approval.status, approval.decided_by, approval.decided_at = ApprovalStatus.APPROVED, actor, timezone.now()
    approval.save(update_fields=["status", "decided_by", "decided_at"])
    conversation = Conversation.objects.for_organization(approval.organization_id).get(pk=approval.conversation_id)
    result = reply_compose(
        conversation=conversation, author=approval.author, text=approval.text, channel=approval.channel,
        is_private=approval.is_private, confirm_other_channel=True,
        guidance={"approval_id": approval.pk, "override_reason": approval.override_reason or "approved"},
    )
    if isinstance(result, HeldReply):  # the guard never holds an approved reply; refuse rather than loop
        raise ValidationError(_("This reply could not be released."))
    approval.refresh_from_db(fields=["message_id"])
    _approval_event(approval, "approval.approved")
    approval_decided_on_commit(organization_id=approval.organization_id, approval_id=approval.pk,
                               conversation_id=approval.conversation_id, status=approval.status)
    return approval


@transaction.atomic
def approval_reject(*, approval: ReplyApproval, actor: User, comment: str) -> ReplyApproval:
    approval = _lock_pending(approval)
    _check_approver(approval, actor)
    if not comment.strip():
        raise ValidationError(_("Say why, so that the author can do better."))
    approval.status, approval.decided_by, approval.decided_at = ApprovalStatus.REJECTED, actor, timezone.now()
    approval.comment = comment.strip()
    approval.save(update_fields=["status", "decided_by", "decided_at", "comment"])
    _approval_event(approval, "approval.rejected")
    approval_decided_on_commit(organization_id=approval.organization_id, approval_id=approval.pk,
                               conversation_id=approval.conversation_id, status=approval.status)
    return approval
