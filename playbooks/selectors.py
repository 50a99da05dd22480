"""Reads on the response guides, shared by pages, API and the reply guard.

What the guides know about a conversation comes from `inbox.selectors` (reply_context): the guides
never query the inbox's tables themselves.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, Organization
from inbox import selectors as inbox_selectors
from inbox.models import REPLY_LENGTH_LIMITS

from . import guides, perimeter
from .crisis_mode import crisis_state
from .linter import BUILT_IN_DEFAULTS, BuiltIn, CustomRule, LintContext, PrivateRoute, RuleSet
from .models import (
    ApprovalStatus,
    Guide,
    GuideVersion,
    LintRule,
    LintRuleKind,
    PerimeterRule,
    ReplyApproval,
    VersionStatus,
)


def platform_limits() -> dict[str, int]:
    return {str(platform): limit for platform, limit in REPLY_LENGTH_LIMITS.items() if limit}


def rule_set(*, organization: Organization | int) -> RuleSet:
    built_ins = dict(BUILT_IN_DEFAULTS)
    custom = []
    for row in LintRule.objects.for_organization(organization).order_by("pk"):
        if row.kind == LintRuleKind.BUILT_IN:
            if row.code in built_ins:
                defaults = built_ins[row.code]
                built_ins[row.code] = BuiltIn(row.enabled, row.severity, {**defaults.options, **(row.options or {})})
        elif row.enabled:
            custom.append(CustomRule(name=row.name, kind=row.kind, pattern=row.pattern, severity=row.severity,
                                     message=row.message, visibility=row.visibility))
    return RuleSet(built_ins=built_ins, custom=tuple(custom))


def private_route_words(code: str) -> str:
    return {
        "already_private": _("This conversation is already private."),
        "x_dm_thread": _("They already wrote to the brand in private messages on X."),
        "x_depends": _("On X, only if they accept messages from everyone or follow the brand account: "
                       "invite them to write to the brand in private messages."),
        "meta_window_open": _("They wrote to the Page less than 24 hours ago: Messenger is open."),
        "meta_window_closed": _("Meta allows a private message only within 24 hours of their last message to the "
                                "Page: invite them to write to the Page in private messages."),
        "mastodon_direct": _("A direct (private) mention is possible on Mastodon."),
        "bluesky_none": _("Bluesky offers the brand no private messages: point them to the customer service form."),
    }.get(code, "")


def lint_context(*, organization: Organization | int, platform: str, visibility: str,
                 conversation: inbox_selectors.ReplyContext | None) -> LintContext:
    organization_id = getattr(organization, "pk", organization)
    crisis = crisis_state(organization_id)
    restricted = crisis.applies_to(conversation.tags if conversation is not None else None)
    approved: tuple[str, ...] = ()
    if restricted:
        approved = tuple(t["text"] for _v, scenario in published_scenarios(organization=organization)
                         for t in scenario["templates"]) + crisis.statements
    route = PrivateRoute(None)
    if conversation is not None:
        route = PrivateRoute(conversation.private_possible, private_route_words(conversation.private_route))
    return LintContext(
        platform=platform, visibility=visibility,
        length_limit=inbox_selectors.reply_length_limit(platform=platform, private=visibility == "private"),
        conversation_language=conversation.language if conversation else "", private_route=route,
        crisis_mode=restricted, approved_texts=approved, detect_language=inbox_selectors.text_language,
    )


def published_scenarios(*, organization: Organization | int) -> list[tuple[GuideVersion, dict]]:
    versions = (GuideVersion.objects.for_organization(organization).filter(status=VersionStatus.PUBLISHED)
                .select_related("guide").order_by("guide__name"))
    return [(version, scenario) for version in versions for scenario in version.content.get("scenarios", [])]


def crisis_templates(*, organization: Organization | int) -> list[dict]:
    """The templates of published scenarios marked `"crisis": true`: where holding statements start.
    (An older published content without the mark, whose scenario key is "crisis", counts too.)"""
    return [{"key": t["key"], "label": t["label"], "language": t["language"], "text": t["text"],
             "scenario": scenario["name"], "guide": version.guide.name, "guide_version": version.pk,
             "name": f"{version.guide.name} / {scenario['name']} / {t['label']}"}
            for version, scenario in published_scenarios(organization=organization)
            if scenario.get("crisis") is True or scenario.get("key") == "crisis"
            for t in scenario.get("templates", [])]


def conversation_facts(context: inbox_selectors.ReplyContext) -> guides.ConversationFacts:
    return guides.ConversationFacts(text=context.text, tags=context.tags, sentiment=context.sentiment,
                                    platform=context.platform, language=context.language)


@dataclass(frozen=True)
class Suggestion:
    version: GuideVersion
    scenario: dict
    templates: list[dict]  # in the conversation's language first, each with "filled" text


def suggestions(*, organization: Organization | int, context: inbox_selectors.ReplyContext,
                values: dict[str, str]) -> list[Suggestion]:
    """The published scenarios whose triggers match the conversation, with their templates filled."""
    pairs = published_scenarios(organization=organization)
    by_key = {(id(s)): v for v, s in pairs}
    matched = guides.suggest([s for _v, s in pairs], conversation_facts(context), limit=4)
    out = []
    for scenario in matched:
        templates = sorted(scenario["templates"], key=lambda t: t["language"] != (context.language or "fr"))
        out.append(Suggestion(by_key[id(scenario)], scenario, [
            {**t, "filled": guides.substitute(t["text"], values)} for t in templates]))
    return out


def all_templates(*, organization: Organization | int, values: dict[str, str]) -> list[dict]:
    """Every published template, for the composer's type-to-filter picker; during a crisis, the crisis
    cell's approved statements first (the replies the crisis queue is meant to use)."""
    crisis = crisis_state(getattr(organization, "pk", organization))
    statements = []
    for number, text in enumerate(crisis.statements if crisis.active else (), start=1):
        try:
            filled = guides.substitute(text, values)
        except ValidationError:
            filled = text
        statements.append({"key": f"statement-{number}", "label": _("Approved statement %(number)s") % {"number": number},
                           "language": "", "scenario": _("Crisis statements"), "guide_version": "", "filled": filled})
    return statements + [
        {"key": t["key"], "label": t["label"], "language": t["language"], "scenario": scenario["name"],
         "guide_version": version.pk, "filled": guides.substitute(t["text"], values)}
        for version, scenario in published_scenarios(organization=organization) for t in scenario["templates"]]


def find_template(*, organization: Organization | int, guide_version_id, template_key: str):
    """(version, scenario, template) of a template a reply says it used, or None."""
    try:
        version = GuideVersion.objects.for_organization(organization).get(pk=int(guide_version_id))
    except (GuideVersion.DoesNotExist, TypeError, ValueError):
        return None
    for scenario in version.content.get("scenarios", []):
        for template in scenario.get("templates", []):
            if template["key"] == template_key:
                return version, scenario, template
    return None


def perimeter_rules(*, organization: Organization | int) -> list[perimeter.Rule]:
    return [perimeter.Rule(id=r.pk, name=r.name, conditions=r.conditions, outcome=r.outcome,
                           approver_role=r.approver_role)
            for r in PerimeterRule.objects.for_organization(organization).filter(is_active=True).order_by("position", "pk")]


def membership_of(*, organization: Organization | int, user_id: int) -> Membership | None:
    return Membership.objects.for_organization(organization).filter(user_id=user_id).first()


def guide_list(*, organization: Organization | int) -> QuerySet[Guide]:
    return Guide.objects.for_organization(organization).select_related("published_version").order_by("name")


def guide_versions(*, guide: Guide) -> QuerySet[GuideVersion]:
    return (GuideVersion.objects.for_organization(guide.organization_id).filter(guide=guide)
            .select_related("created_by", "published_by", "submitted_by").order_by("-number"))


@dataclass
class QueueEntry:
    approval: ReplyApproval
    conversation: object
    sla_due_at: datetime | None


def approval_queue(*, organization: Organization | int, statuses=(ApprovalStatus.PENDING,)) -> list[QueueEntry]:
    """Waiting replies, the one whose conversation's first-response clock runs out soonest first."""
    approvals = list(ReplyApproval.objects.for_organization(organization).filter(status__in=statuses)
                     .select_related("author", "edited_by", "decided_by").order_by("created_at"))
    conversations = inbox_selectors.conversations_by_ids(organization=organization,
                                                         ids={a.conversation_id for a in approvals})
    entries = [QueueEntry(a, conversations.get(a.conversation_id),
                          getattr(conversations.get(a.conversation_id), "sla_due_at", None)) for a in approvals]
    far = timezone.now().replace(year=9999)
    return sorted(entries, key=lambda e: (e.sla_due_at or far, e.approval.created_at))


def approvals_for_conversation(*, organization: Organization | int, conversation_id: int) -> QuerySet[ReplyApproval]:
    return (ReplyApproval.objects.for_organization(organization).filter(conversation_id=conversation_id)
            .select_related("author", "decided_by", "edited_by").order_by("-created_at"))


@dataclass
class InheritedApprovals:
    held_for_outgoing: list[ReplyApproval]  # the outgoing person's replies still waiting for an approver
    to_approve: list[ReplyApproval]  # waiting replies the incoming person may approve


def approvals_for_handover(*, organization: Organization | int, outgoing_user_id: int | None,
                           incoming_user_id: int | None, limit: int = 50) -> InheritedApprovals:
    """What waits for approval when a shift changes hands, for the on-call handover page."""
    from accounts.roles import Permission, role_can

    from .services import APPROVER_ROLES  # services reads these selectors: imported here, not at load

    pending = (ReplyApproval.objects.for_organization(organization).filter(status=ApprovalStatus.PENDING)
               .select_related("author").order_by("created_at"))
    held = list(pending.filter(author_id=outgoing_user_id)[:limit]) if outgoing_user_id else []
    to_approve: list[ReplyApproval] = []
    membership = membership_of(organization=organization, user_id=incoming_user_id) if incoming_user_id else None
    if membership is not None and role_can(membership.role, Permission.APPROVE_REPLIES):
        # The same four-eyes rule as approving: not their own reply, not their own edit.
        approver_roles = [role for role, roles in APPROVER_ROLES.items() if membership.role in roles]
        to_approve = list(pending.filter(approver_role__in=approver_roles).exclude(author_id=incoming_user_id)
                          .exclude(edited_by_id=incoming_user_id)[:limit])
    return InheritedApprovals(held_for_outgoing=held, to_approve=to_approve)
