"""The guides' answer to the inbox's one question about a reply (inbox/reply_guard.py).

Runs inside the reply service's transaction: lint (block → refused, warn → a reason is needed),
then the autonomy perimeter (the first matching rule decides: hold for an approver, or send), and
records on the reply what decided it. An approved reply comes back here with its approval's id and
goes out, once, as the approver saw it.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import Role
from inbox import selectors as inbox_selectors
from inbox.models import Priority
from inbox.reply_guard import BLOCK, CONFIRM, HOLD, SEND, ReplyAttempt, Verdict

from . import guides, linter, perimeter, selectors, services
from .crisis_mode import crisis_state
from .models import ApprovalStatus, Outcome, ReplyApproval, ReplyRecord


def lint_reply(*, organization_id: int, text: str, platform: str, visibility: str,
               context: inbox_selectors.ReplyContext | None) -> list[linter.Finding]:
    lint_context = selectors.lint_context(organization=organization_id, platform=platform, visibility=visibility,
                                          conversation=context)
    return linter.lint(text, context=lint_context, rules=selectors.rule_set(organization=organization_id))


def _approved(attempt: ReplyAttempt, approval_id) -> Verdict:
    try:
        approval = (ReplyApproval.objects.for_organization(attempt.organization_id).select_for_update()
                    .get(pk=int(approval_id)))
    except (ReplyApproval.DoesNotExist, TypeError, ValueError):
        raise ValidationError(_("This approval does not exist.")) from None
    if approval.status != ApprovalStatus.APPROVED or approval.message_id or approval.text != attempt.text:
        raise ValidationError(_("This reply was not approved as written."))

    def on_queued(message_id: int) -> None:
        approval.message_id = message_id
        approval.save(update_fields=["message_id"])
        ReplyRecord.objects.create(
            organization_id=attempt.organization_id, message_id=message_id, conversation_id=attempt.conversation_id,
            author_id=attempt.author_id, guide_version=approval.guide_version, template_key=approval.template_key,
            rule=approval.rule, rule_name=approval.rule_name, findings=approval.findings,
            override_reason=approval.override_reason, approval=approval)

    return Verdict(SEND, on_queued=on_queued)


def check_reply(attempt: ReplyAttempt) -> Verdict:
    organization_id = attempt.organization_id
    guidance = attempt.guidance or {}
    context = inbox_selectors.reply_context(organization=organization_id, conversation_id=attempt.conversation_id)
    visibility = "private" if attempt.is_private else "public"
    findings = lint_reply(organization_id=organization_id, text=attempt.text, platform=context.platform,
                          visibility=visibility, context=context)
    as_dicts = [f.to_dict() for f in findings]
    blocking = [f for f in findings if f.severity == linter.BLOCK]
    if blocking:
        return Verdict(BLOCK, message=blocking[0].message + (f" {blocking[0].suggestion}" if blocking[0].suggestion else ""),
                       findings=as_dicts)
    if guidance.get("approval_id"):
        return _approved(attempt, guidance["approval_id"])
    reason = str(guidance.get("override_reason") or "").strip()[:500]
    if findings and not reason:
        return Verdict(CONFIRM, message=_("The guides warn about this reply: give a reason to send it anyway."),
                       findings=as_dicts)

    used = selectors.find_template(organization=organization_id, guide_version_id=guidance.get("guide_version"),
                                   template_key=str(guidance.get("template") or ""))
    version, scenario, template = used if used else (None, None, None)
    unmodified = bool(template) and linter.matches_approved(attempt.text, [template["text"]])
    # A reply that follows one of the crisis cell's approved statements is no free text either.
    crisis = crisis_state(organization_id)
    unmodified = unmodified or (crisis.active and linter.matches_approved(attempt.text, crisis.statements))
    scenario_keys = {scenario["key"]} if scenario else set()
    facts = selectors.conversation_facts(context)

    scenario_keys |= {s["key"] for s in guides.suggest(
        [s for _v, s in selectors.published_scenarios(organization=organization_id)], facts, limit=10)}
    membership = selectors.membership_of(organization=organization_id, user_id=attempt.author_id)
    days = (timezone.now() - membership.created_at).days if membership else 0
    rule = perimeter.decide(selectors.perimeter_rules(organization=organization_id), perimeter.ReplyFacts(
        scenarios=tuple(sorted(scenario_keys)), tags=context.tags, priority=context.priority,
        followers=context.followers, sentiment=context.sentiment,
        crisis_mode=crisis.applies_to(context.tags), free_text=not unmodified, platform=context.platform,
        visibility=visibility, author_role=membership.role if membership else "", author_days=days))

    if rule is not None and rule.outcome == Outcome.APPROVAL:
        approval = services.approval_request(
            organization_id=organization_id, conversation_id=attempt.conversation_id, channel_id=attempt.channel_id,
            author_id=attempt.author_id, text=attempt.text, is_private=attempt.is_private,
            confirm_other_channel=attempt.confirm_other_channel, rule=rule, findings=as_dicts,
            override_reason=reason, guide_version=version, template_key=template["key"] if template else "",
            urgent=context.priority >= Priority.URGENT)
        return Verdict(HOLD, message=_("Sent for approval to a %(role)s (rule: %(rule)s). You will see the outcome here.")
                       % {"role": Role(rule.approver_role).label.lower(), "rule": rule.name},
                       findings=as_dicts, details={"approval_id": approval.pk, "rule": rule.name})

    def on_queued(message_id: int) -> None:
        ReplyRecord.objects.create(
            organization_id=organization_id, message_id=message_id, conversation_id=attempt.conversation_id,
            author_id=attempt.author_id, guide_version=version, template_key=template["key"] if template else "",
            unmodified_template=unmodified, rule_id=rule.id if rule else None, rule_name=rule.name if rule else "",
            findings=as_dicts, override_reason=reason)

    return Verdict(SEND, findings=as_dicts, on_queued=on_queued)
