"""Training mode: practice sets, sessions and answers. The linter and the perimeter run on each
answer exactly as on a real reply; nothing reaches the inbox or a platform."""

from __future__ import annotations

import dataclasses

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, User
from inbox import selectors as inbox_selectors
from inbox.demo_texts import MentionTextGenerator

from . import guides, linter, perimeter, selectors
from .crisis_mode import crisis_state
from .models import Outcome, TrainingAnswer, TrainingSession, TrainingSet
from .training import mask_personal_data, report

MAX_ITEMS = 50


@transaction.atomic
def training_set_from_demo(*, organization: Organization, actor: User, count: int = 8, seed: int = 12) -> TrainingSet:
    """A practice set from the demo's realistic mentions: a third of them angry, high priority."""
    generator = MentionTextGenerator(seed)
    items = []
    for index in range(min(count, MAX_ITEMS)):
        angry = index % 3 == 0
        text, language = generator.angry() if angry else generator.normal()
        items.append({"text": text, "platform": "x", "language": language, "priority": 2 if angry else 1,
                      "sentiment": -0.6 if angry else 0.0, "followers": generator.followers(), "tags": []})
    return TrainingSet.objects.create(organization=organization, name=_("Practice set (demo mentions)"),
                                      source="demo", items=items, created_by=actor)


@transaction.atomic
def training_set_export(*, organization: Organization, actor: User, name: str, limit: int = 20) -> TrainingSet:
    """A practice set from real closed conversations, personal data masked."""
    if not name.strip():
        raise ValidationError(_("Give the practice set a name."))
    rows = inbox_selectors.closed_conversations_for_training(organization=organization,
                                                             limit=max(1, min(limit, MAX_ITEMS)))
    if not rows:
        raise ValidationError(_("There is no closed public conversation to practise on yet."))
    items = [{**{k: v for k, v in row.items() if k != "channel_handle"},
              "text": mask_personal_data(row["text"], keep_handles=(row["channel_handle"],))} for row in rows]
    return TrainingSet.objects.create(organization=organization, name=name.strip()[:120], source="export",
                                      items=items, created_by=actor)


@transaction.atomic
def training_start(*, training_set: TrainingSet, agent: User) -> TrainingSession:
    if not training_set.items:
        raise ValidationError(_("This practice set is empty."))
    return TrainingSession.objects.create(organization_id=training_set.organization_id, training_set=training_set,
                                          agent=agent)


def _judge(session: TrainingSession, item: dict, text: str, visibility: str) -> tuple[list[dict], perimeter.Rule | None]:
    organization_id = session.organization_id
    platform = item.get("platform") or "x"
    context = dataclasses.replace(
        selectors.lint_context(organization=organization_id, platform=platform, visibility=visibility,
                               conversation=None),
        conversation_language=item.get("language") or "")
    findings = [f.to_dict() for f in linter.lint(text, context=context,
                                                  rules=selectors.rule_set(organization=organization_id))]
    scenarios = [s for _v, s in selectors.published_scenarios(organization=organization_id)]
    facts = guides.ConversationFacts(text=item["text"], tags=tuple(item.get("tags", [])),
                                     sentiment=float(item.get("sentiment", 0)), platform=platform,
                                     language=item.get("language") or "")
    unmodified = linter.matches_approved(text, [t["text"] for s in scenarios for t in s["templates"]])
    membership = selectors.membership_of(organization=organization_id, user_id=session.agent_id)
    rule = perimeter.decide(selectors.perimeter_rules(organization=organization_id), perimeter.ReplyFacts(
        scenarios=tuple(s["key"] for s in guides.suggest(scenarios, facts, limit=10)),
        tags=tuple(item.get("tags", [])), priority=int(item.get("priority", 1)),
        followers=int(item.get("followers", 0)), sentiment=float(item.get("sentiment", 0)),
        crisis_mode=crisis_state(organization_id).active, free_text=not unmodified, platform=platform,
        visibility=visibility, author_role=membership.role if membership else "",
        author_days=(timezone.now() - membership.created_at).days if membership else 0))
    return findings, rule


@transaction.atomic
def training_answer(*, session: TrainingSession, actor: User, text: str, visibility: str = "public") -> TrainingAnswer:
    session = TrainingSession.objects.for_organization(session.organization_id).select_for_update().select_related(
        "training_set").get(pk=session.pk)
    if session.agent_id != actor.pk:
        raise ValidationError(_("This practice session is someone else's."))
    if session.finished_at:
        raise ValidationError(_("This practice session is finished."))
    if visibility not in ("public", "private"):
        raise ValidationError(_("Visibility is public or private."))
    if not text.strip():
        raise ValidationError(_("The reply is empty."))
    answers = TrainingAnswer.objects.for_organization(session.organization_id).filter(session=session)
    position = answers.count()
    previous = answers.order_by("-position").first()
    shown_at = previous.answered_at if previous else session.started_at
    item = session.training_set.items[position]
    findings, rule = _judge(session, item, text.strip(), visibility)
    now = timezone.now()
    answer = TrainingAnswer.objects.create(
        organization_id=session.organization_id, session=session, position=position, text=text.strip(),
        visibility=visibility, findings=findings, blocked=any(f["severity"] == linter.BLOCK for f in findings),
        needs_approval=rule is not None and rule.outcome == Outcome.APPROVAL, rule_name=rule.name if rule else "",
        seconds=(now - shown_at).total_seconds())
    if position + 1 >= len(session.training_set.items):
        session.finished_at = now
        session.save(update_fields=["finished_at"])
    return answer


def training_report(*, session: TrainingSession) -> dict:
    answers = list(TrainingAnswer.objects.for_organization(session.organization_id).filter(session=session)
                   .order_by("position"))
    return report([{"blocked": a.blocked, "needs_approval": a.needs_approval, "rule_name": a.rule_name,
                    "findings": a.findings, "seconds": a.seconds} for a in answers])

