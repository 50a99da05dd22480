"""What people do to conversations: assign, status, snooze, tags, priority, notes, in bulk too.

Each public function is one user-visible action: it checks the input, writes, records activity,
and sends one live event after commit. The bulk versions reuse the same steps and send one event.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.live import broadcast_on_commit
from accounts.models import Membership, Team, User
from accounts.notifications import notify

from ..models import (
    Activity,
    ActivityVerb,
    Conversation,
    ConversationStatus,
    ConversationTag,
    Note,
    Priority,
    Tag,
)
from . import clocks

BULK_LIMIT = 5000


def _broadcast(conversations: Iterable[Conversation], *, reason: str) -> None:
    conversations = list(conversations)
    if not conversations:
        return
    broadcast_on_commit(
        organization_id=conversations[0].organization_id,
        topic="inbox",
        event={"type": "conversations.changed", "reason": reason, "conversation_ids": sorted(c.pk for c in conversations)},
    )


def _activity(conversation: Conversation, *, actor: User | None, verb: str, **data) -> Activity:
    return Activity(organization_id=conversation.organization_id, conversation=conversation, actor=actor, verb=verb,
                    data=data, created_at=timezone.now())


def _require_member(organization_id: int, user: User) -> None:
    if not Membership.objects.for_organization(organization_id).filter(user=user).exists():
        raise ValidationError(_("Only members of this organization can be assigned."))


# --- single steps (no broadcast) ---------------------------------------------------------------


def _assign(conversation: Conversation, *, assignee: User | None, actor: User | None) -> Activity | None:
    if assignee is not None:
        _require_member(conversation.organization_id, assignee)
    if conversation.assignee_id == (assignee.pk if assignee else None):
        return None
    conversation.assignee = assignee
    changed = ["assignee", "updated_at"]
    if assignee is not None and conversation.status == ConversationStatus.NEW:
        conversation.status = ConversationStatus.OPEN
        changed.append("status")
    conversation.save(update_fields=changed)
    if assignee is None:
        return _activity(conversation, actor=actor, verb=ActivityVerb.UNASSIGNED)
    return _activity(conversation, actor=actor, verb=ActivityVerb.ASSIGNED, assignee=assignee.display_name,
                     assignee_id=assignee.pk)


def _set_team(conversation: Conversation, *, team: Team | None, actor: User | None) -> Activity | None:
    if team is not None and team.organization_id != conversation.organization_id:
        raise ValidationError(_("That team belongs to another organization."))
    if conversation.team_id == (team.pk if team else None):
        return None
    conversation.team = team
    conversation.save(update_fields=["team", "updated_at"])
    return _activity(conversation, actor=actor, verb=ActivityVerb.ASSIGNED, team=team.name if team else None)


def _set_status(conversation: Conversation, *, status: str, actor: User | None,
                snoozed_until: datetime | None = None, policy=None) -> Activity | None:
    if status not in ConversationStatus.values:
        raise ValidationError(_("Unknown status “%(status)s”: choose one of %(choices)s.") % {
            "status": status, "choices": ", ".join(str(label) for label in ConversationStatus.labels)})
    now = timezone.now()
    if status == ConversationStatus.SNOOZED:
        if snoozed_until is None or snoozed_until <= now:
            raise ValidationError(_("Snooze needs a time in the future."))
    elif snoozed_until is not None:
        raise ValidationError(_("Only a snoozed conversation has a wake-up time."))
    if status == conversation.status and snoozed_until == conversation.snoozed_until:
        return None
    previous = conversation.status
    policy = policy or clocks.policy_for(conversation.organization)
    changed = ["status", "snoozed_until", "closed_at", "updated_at"]
    if status in (ConversationStatus.PENDING, ConversationStatus.SNOOZED):
        changed += clocks.pause(conversation, policy=policy, at=now)
    elif status == ConversationStatus.CLOSED:
        # Closing without answering (spam, duplicates) ends the clock without a breach.
        changed += clocks.stop(conversation, at=now)
    elif previous in (ConversationStatus.PENDING, ConversationStatus.SNOOZED):
        changed += clocks.resume(conversation, policy=policy, at=now)
    conversation.status = status
    conversation.snoozed_until = snoozed_until
    conversation.closed_at = now if status == ConversationStatus.CLOSED else None
    conversation.save(update_fields=sorted(set(changed)))
    verb = ActivityVerb.SNOOZED if status == ConversationStatus.SNOOZED else ActivityVerb.STATUS_CHANGED
    data = {"from": previous, "to": status}
    if snoozed_until:
        data["until"] = snoozed_until.isoformat()
    return _activity(conversation, actor=actor, verb=verb, **data)


def _set_priority(conversation: Conversation, *, priority: int, actor: User | None, policy=None) -> Activity | None:
    if priority not in Priority.values:
        raise ValidationError(_("Choose a priority: low, normal, high or urgent."))
    if conversation.priority == priority:
        return None
    previous = conversation.priority
    conversation.priority = priority
    changed = ["priority", "updated_at"]
    policy = policy or clocks.policy_for(conversation.organization)
    changed += clocks.retarget(conversation, policy=policy, at=timezone.now())
    conversation.save(update_fields=sorted(set(changed)))
    return _activity(conversation, actor=actor, verb=ActivityVerb.PRIORITY_CHANGED,
                     **{"from": Priority(previous).name.lower(), "to": Priority(priority).name.lower()})


def _tags_named(organization_id: int, names: Iterable[str]) -> list[Tag]:
    cleaned = sorted({name.strip()[:60] for name in names if name and name.strip()})
    existing = {t.name.lower(): t for t in Tag.objects.for_organization(organization_id).filter(name__in=cleaned)}
    tags = []
    for name in cleaned:
        tag = existing.get(name.lower())
        if tag is None:
            tag, _ = Tag.objects.for_organization(organization_id).get_or_create(organization_id=organization_id, name=name)
        tags.append(tag)
    return tags


def _tag(conversation: Conversation, *, add: Iterable[str] = (), remove: Iterable[str] = (),
         actor: User | None) -> list[Activity]:
    activities = []
    added = _tags_named(conversation.organization_id, add)
    if added:
        ConversationTag.objects.bulk_create(
            [ConversationTag(organization_id=conversation.organization_id, conversation=conversation, tag=t) for t in added],
            ignore_conflicts=True,
        )
        activities.append(_activity(conversation, actor=actor, verb=ActivityVerb.TAGGED, tags=[t.name for t in added]))
    remove = [name for name in remove if name]
    if remove:
        removed = list(conversation.tags.filter(name__in=remove))
        ConversationTag.objects.for_organization(conversation.organization_id).filter(
            conversation=conversation, tag__in=removed).delete()
        if removed:
            activities.append(_activity(conversation, actor=actor, verb=ActivityVerb.UNTAGGED, tags=[t.name for t in removed]))
    if activities:
        conversation.save(update_fields=["updated_at"])
    return activities


# --- public actions ------------------------------------------------------------------------------


def _locked(conversation: Conversation) -> Conversation:
    """The row as it is now, locked until commit: ingestion and the sweeps write the same columns."""
    return Conversation.objects.for_organization(conversation.organization_id).select_for_update().select_related(
        "organization").get(pk=conversation.pk)


def _single(conversation: Conversation, reason: str, activities: list[Activity | None]) -> Conversation:
    activities = [a for a in activities if a is not None]
    if activities:
        Activity.objects.bulk_create(activities)
        _broadcast([conversation], reason=reason)
    return conversation


@transaction.atomic
def conversation_assign(*, conversation: Conversation, assignee: User | None, actor: User | None) -> Conversation:
    conversation = _locked(conversation)
    return _single(conversation, "assigned", [_assign(conversation, assignee=assignee, actor=actor)])


@transaction.atomic
def conversation_set_team(*, conversation: Conversation, team: Team | None, actor: User | None) -> Conversation:
    conversation = _locked(conversation)
    return _single(conversation, "team", [_set_team(conversation, team=team, actor=actor)])


@transaction.atomic
def conversation_set_status(*, conversation: Conversation, status: str, actor: User | None,
                            snoozed_until: datetime | None = None) -> Conversation:
    conversation = _locked(conversation)
    return _single(conversation, "status", [_set_status(conversation, status=status, actor=actor, snoozed_until=snoozed_until)])


def conversation_snooze(*, conversation: Conversation, until: datetime, actor: User | None) -> Conversation:
    return conversation_set_status(conversation=conversation, status=ConversationStatus.SNOOZED, actor=actor, snoozed_until=until)


@transaction.atomic
def conversation_set_priority(*, conversation: Conversation, priority: int, actor: User | None) -> Conversation:
    conversation = _locked(conversation)
    return _single(conversation, "priority", [_set_priority(conversation, priority=priority, actor=actor)])


@transaction.atomic
def conversation_tag(*, conversation: Conversation, add: Iterable[str] = (), remove: Iterable[str] = (),
                     actor: User | None) -> Conversation:
    conversation = _locked(conversation)
    return _single(conversation, "tags", _tag(conversation, add=add, remove=remove, actor=actor))


_MENTION = re.compile(r"@([\w.\-]+)")


def _mentioned_members(organization_id: int, text: str) -> list[User]:
    handles = {h.lower() for h in _MENTION.findall(text)}
    if not handles:
        return []
    members = [m.user for m in Membership.objects.for_organization(organization_id).select_related("user")]
    found = []
    for user in members:
        names = {user.email.split("@")[0].lower(), user.display_name.split()[0].lower() if user.display_name else ""}
        if handles & names:
            found.append(user)
    return found


@transaction.atomic
def note_add(*, conversation: Conversation, author: User, text: str) -> Note:
    text = (text or "").strip()
    if not text:
        raise ValidationError(_("A note cannot be empty."))
    note = Note.objects.create(organization_id=conversation.organization_id, conversation=conversation, author=author, text=text)
    mentioned = _mentioned_members(conversation.organization_id, text)
    if mentioned:
        note.mentioned_users.set(mentioned)
    Activity.objects.create(organization_id=conversation.organization_id, conversation=conversation, actor=author,
                            verb=ActivityVerb.NOTED, created_at=note.created_at,
                            data={"note_id": note.pk, "mentioned": [u.display_name for u in mentioned]})
    conversation.save(update_fields=["updated_at"])
    _broadcast([conversation], reason="note")
    link = reverse("conversation", kwargs={"organization_slug": conversation.organization.slug,
                                           "pk": conversation.pk}) + f"#note-{note.pk}"
    who = conversation.contact.handle or conversation.contact.name
    for user in mentioned:
        if user.pk == author.pk:
            continue
        # Written in the recipient's language: the title is shown and e-mailed as stored.
        with translation.override(user.language or conversation.organization.language):
            title = _("%(author)s mentioned you in a note on %(contact)s's conversation: “%(text)s”") % {
                "author": author.display_name, "contact": who, "text": text[:120]}
        notify(organization_id=conversation.organization_id, recipient=user, kind="mention", title=title, link=link)
    return note


def _policy_cache():
    """One SLA policy lookup per organization for a whole sweep or bulk action, not one per row."""
    policies: dict[int, object] = {}

    def policy_of(conversation: Conversation):
        if conversation.organization_id not in policies:
            policies[conversation.organization_id] = clocks.policy_for(conversation.organization)
        return policies[conversation.organization_id]

    return policy_of


BULK_ACTIONS = ("assign", "unassign", "status", "snooze", "priority", "tag", "untag", "team")


@transaction.atomic
def conversations_bulk_update(*, conversations, action: str, actor: User | None, assignee: User | None = None,
                              status: str | None = None, snoozed_until: datetime | None = None,
                              priority: int | None = None, tags: Iterable[str] = (), team: Team | None = None) -> int:
    """Apply one action to many conversations (one transaction, one live event). Returns how many changed."""
    if action not in BULK_ACTIONS:
        raise ValidationError(_("Unknown bulk action “%(action)s”: choose one of %(choices)s.") % {
            "action": action, "choices": ", ".join(BULK_ACTIONS)})
    # Locked in id order, like ingestion, so the two never wait on each other in a circle.
    conversations = list(conversations.select_for_update(of=("self",)).order_by("pk")[: BULK_LIMIT + 1])
    if len(conversations) > BULK_LIMIT:
        raise ValidationError(_("Bulk actions are limited to %(limit)s conversations at once: narrow the filter.") % {
            "limit": BULK_LIMIT})
    tags = list(tags)
    policy_of = _policy_cache()
    activities: list[Activity] = []
    changed = []
    for conversation in conversations:
        if action == "assign":
            step = [_assign(conversation, assignee=assignee, actor=actor)]
        elif action == "unassign":
            step = [_assign(conversation, assignee=None, actor=actor)]
        elif action == "status":
            step = [_set_status(conversation, status=status, actor=actor, policy=policy_of(conversation))]
        elif action == "snooze":
            step = [_set_status(conversation, status=ConversationStatus.SNOOZED, actor=actor,
                                snoozed_until=snoozed_until, policy=policy_of(conversation))]
        elif action == "priority":
            step = [_set_priority(conversation, priority=priority, actor=actor, policy=policy_of(conversation))]
        elif action == "team":
            step = [_set_team(conversation, team=team, actor=actor)]
        elif action == "tag":
            step = _tag(conversation, add=tags, actor=actor)
        else:
            step = _tag(conversation, remove=tags, actor=actor)
        step = [a for a in step if a is not None]
        if step:
            activities.extend(step)
            changed.append(conversation)
    Activity.objects.bulk_create(activities)
    _broadcast(changed, reason=f"bulk.{action}")
    return len(changed)


@transaction.atomic
def conversations_wake_snoozed(*, now: datetime | None = None) -> int:
    """Snoozed conversations whose time has come go back to the open inbox (beat, every minute)."""
    now = now or timezone.now()
    due = list(
        Conversation.objects.unscoped()  # one sweep for every organization
        .select_for_update(skip_locked=True)
        .filter(status=ConversationStatus.SNOOZED, snoozed_until__lte=now)[:1000]
    )
    by_org: dict[int, list[Conversation]] = {}
    policy_of = _policy_cache()
    activities = []
    for conversation in due:
        activity = _set_status(conversation, status=ConversationStatus.OPEN, actor=None,
                               policy=policy_of(conversation))
        if activity:
            activity.data["reason"] = "snooze ended"
            activities.append(activity)
        by_org.setdefault(conversation.organization_id, []).append(conversation)
    Activity.objects.bulk_create(activities)
    for conversations in by_org.values():
        _broadcast(conversations, reason="snooze_ended")
    return len(due)
