"""What the cell does in the crisis room: timeline entries, tasks, information sources, presence, and
the live push of the curves.

Every write checks that the crisis is still open (a closed crisis's room is a record, read-only),
writes its timeline line through `cell.event_record` (the one way, which also pushes it live) and
tells the open rooms, after commit, which panel changed.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Membership, User

from .. import room_selectors
from ..models import MANUAL_EVENT_KINDS, Crisis, CrisisEvent, CrisisStatus, CrisisTask, EventKind, InfoSource
from . import cell

MAX_TEXT = 2000
MAX_SOURCES = 30


def _open(crisis: Crisis) -> Crisis:
    """The crisis, locked, refusing writes once it is closed."""
    locked = Crisis.objects.for_organization(crisis.organization_id).select_for_update().get(pk=crisis.pk)
    if locked.status != CrisisStatus.ACTIVE:
        raise ValidationError(_("This crisis is closed: its room is a read-only record now."))
    return locked


def _clean_text(value, *, field: str, empty: str, limit: int = MAX_TEXT) -> str:
    text = (value or "").strip() if isinstance(value, str) else ""
    if "\x00" in text:
        raise ValidationError({field: _("This text holds a character that cannot be stored (NUL).")})
    if not text:
        raise ValidationError({field: empty})
    if len(text) > limit:
        raise ValidationError({field: _("Keep it under %(limit)s characters.") % {"limit": limit}})
    return text


def _member(crisis: Crisis, user_id) -> User | None:
    if user_id in (None, ""):
        return None
    try:
        user_id = int(user_id)
    except (TypeError, ValueError):
        raise ValidationError({"owner": _("Choose the owner among the organization's members.")}) from None
    membership = (Membership.objects.for_organization(crisis.organization_id).filter(user_id=user_id)
                  .select_related("user").first())
    if membership is None:
        raise ValidationError({"owner": _("Choose the owner among the organization's members.")})
    return membership.user


# --- the timeline: decisions, notes, pinned posts --------------------------------------------------


@transaction.atomic
def room_entry_add(*, crisis: Crisis, actor: User, kind: str, text: str, url: str = "",
                   now: datetime | None = None) -> CrisisEvent:
    """A line written by a person: a decision, a note, or a post pinned for everyone to see."""
    if kind not in MANUAL_EVENT_KINDS:
        raise ValidationError({"kind": _("Choose decision, note or pinned post.")})
    crisis = _open(crisis)
    text = _clean_text(text, field="text", empty=_("Write what was decided or noted."))
    data = {}
    if kind == EventKind.PINNED_POST:
        data["url"] = _clean_url(url, required=True)
    elif url:
        data["url"] = _clean_url(url, required=False)
    return cell.event_record(crisis=crisis, kind=kind, actor=actor, text=text, data=data, at=now)


# --- tasks -----------------------------------------------------------------------------------------


def _due(value) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value if timezone.is_aware(value) else timezone.make_aware(value)
    raise ValidationError({"due_at": _("Give the due time as a date and time.")})


@transaction.atomic
def task_create(*, crisis: Crisis, actor: User, title: str, owner_id=None, due_at=None,
                now: datetime | None = None) -> CrisisTask:
    crisis = _open(crisis)
    now = now or timezone.now()
    title = _clean_text(title, field="title", empty=_("Say what has to be done."), limit=200)
    owner = _member(crisis, owner_id)
    task = CrisisTask.objects.create(organization_id=crisis.organization_id, crisis=crisis, title=title, owner=owner,
                                     due_at=_due(due_at), created_by=actor, created_at=now)
    cell.event_record(crisis=crisis, kind=EventKind.TASK, actor=actor, text=title, at=now,
                      data={"action": "created", "task_id": task.pk, "owner_id": owner.pk if owner else None})
    cell.broadcast(crisis, "tasks", task_id=task.pk)
    return task


def _task(crisis: Crisis, task: CrisisTask) -> CrisisTask:
    if task.organization_id != crisis.organization_id or task.crisis_id != crisis.pk:
        raise ValidationError(_("This task does not belong to this crisis."))
    return CrisisTask.objects.for_organization(crisis.organization_id).select_for_update().get(pk=task.pk)


@transaction.atomic
def task_assign(*, crisis: Crisis, task: CrisisTask, actor: User, owner_id) -> CrisisTask:
    crisis = _open(crisis)
    task = _task(crisis, task)
    owner = _member(crisis, owner_id)
    if task.owner_id != (owner.pk if owner else None):
        task.owner = owner
        task.save(update_fields=["owner"])
        cell.broadcast(crisis, "tasks", task_id=task.pk)
    return task


@transaction.atomic
def task_done(*, crisis: Crisis, task: CrisisTask, actor: User, now: datetime | None = None) -> CrisisTask:
    """Mark a task done; done twice changes nothing the second time (one timeline line)."""
    crisis = _open(crisis)
    task = _task(crisis, task)
    if task.done_at is None:
        task.done_at = now or timezone.now()
        task.save(update_fields=["done_at"])
        cell.event_record(crisis=crisis, kind=EventKind.TASK, actor=actor, text=task.title, at=task.done_at,
                          data={"action": "done", "task_id": task.pk})
        cell.broadcast(crisis, "tasks", task_id=task.pk)
    return task


# --- information sources -----------------------------------------------------------------------------


def _clean_url(value, *, required: bool) -> str:
    url = (value or "").strip() if isinstance(value, str) else ""
    if not url:
        if required:
            raise ValidationError({"url": _("Give the address (https://…).")})
        return ""
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": _("Give a web address starting with https:// or http://.")}) from None
    if len(url) > 500 or not urlsplit(url).hostname:
        raise ValidationError({"url": _("Give a web address starting with https:// or http://.")})
    return url


@transaction.atomic
def source_add(*, crisis: Crisis, actor: User, label: str, url: str, now: datetime | None = None) -> InfoSource:
    crisis = _open(crisis)
    label = _clean_text(label, field="label", empty=_("Name the source people will recognise."), limit=120)
    url = _clean_url(url, required=True)
    sources = InfoSource.objects.for_organization(crisis.organization_id).filter(crisis=crisis)
    if sources.count() >= MAX_SOURCES:
        raise ValidationError(_("At most %(count)s sources: remove one first.") % {"count": MAX_SOURCES})
    if sources.filter(url=url).exists():
        raise ValidationError({"url": _("This address is already among the sources.")})
    source = InfoSource.objects.create(organization_id=crisis.organization_id, crisis=crisis, label=label, url=url,
                                       created_at=now or timezone.now())
    cell.broadcast(crisis, "sources", source_id=source.pk)
    return source


@transaction.atomic
def source_remove(*, crisis: Crisis, source: InfoSource, actor: User) -> None:
    crisis = _open(crisis)
    if source.organization_id != crisis.organization_id or source.crisis_id != crisis.pk:
        raise ValidationError(_("This source does not belong to this crisis."))
    source.delete()
    cell.broadcast(crisis, "sources", source_id=None)


# --- presence -----------------------------------------------------------------------------------------


def room_heartbeat(*, crisis: Crisis, user: User, now: datetime | None = None):
    """The open room page says it is still open: presence stays fresh (joins are recorded once)."""
    if not crisis.is_active:
        return None
    return cell.member_join(crisis=crisis, user=user, now=now)


# --- the live curves ------------------------------------------------------------------------------------

# The push runs every few seconds from beat; an organization whose counters did not move since the
# last push gets nothing (the cache keeps what was sent; lost, it only means one repeated push).
LAST_PUSH_KEY = "crisis:room:series:{crisis_id}"
LAST_PUSH_TTL = 600


def room_series_push(*, now: datetime | None = None) -> int:
    """Push the last minutes of every active crisis's curves to its room. Returns pushes sent."""
    now = now or timezone.now()
    pushed = 0
    # Across organizations on purpose (a beat tick); each crisis then reads its own organization's rows.
    for crisis in Crisis.objects.unscoped().filter(status=CrisisStatus.ACTIVE).only("pk", "organization_id",
                                                                                     "status", "started_at"):
        points = room_selectors.live_points(crisis=crisis, now=now)
        key = LAST_PUSH_KEY.format(crisis_id=crisis.pk)
        if cache.get(key) == points:
            continue
        cache.set(key, points, LAST_PUSH_TTL)
        cell.broadcast(crisis, "series", points=points)
        pushed += 1
    return pushed
