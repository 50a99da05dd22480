"""Reads shared by pages, API, tasks and the escalation: rotas as plans, who is on call, alerts."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from accounts.models import Organization, User
from accounts.tenancy import access_by_id

from . import rota as rota_math
from .models import (
    Alert,
    AlertStatus,
    ContactMethod,
    Crisis,
    CrisisEvent,
    CrisisMember,
    CrisisStatus,
    CrisisTask,
    EscalationPolicy,
    InfoSource,
    NotificationRule,
    Rota,
    RotaLayer,
    RotaLayerMember,
    RotaOverride,
    RotaSwap,
    RoutingRule,
    SwapStatus,
)

GAP_HORIZON = timedelta(days=14)
UNIT = {"hours": timedelta(hours=1), "days": timedelta(days=1), "weeks": timedelta(weeks=1)}


def rota_list(*, organization: Organization) -> QuerySet[Rota]:
    return Rota.objects.for_organization(organization).select_related("team").order_by("name")


def rota_layers(*, rota: Rota) -> list[RotaLayer]:
    return list(rota.layers.prefetch_related(
        Prefetch("layer_members", queryset=RotaLayerMember.objects.unscoped().select_related("user").order_by("position"))
    ).order_by("-level", "pk"))


def layer_plan(layer: RotaLayer) -> rota_math.Layer:
    return rota_math.Layer(
        id=layer.pk,
        level=layer.level,
        members=tuple(member.user_id for member in layer.layer_members.all()),
        start=datetime.combine(layer.starts_on, layer.handoff_time),
        length=UNIT[layer.shift_unit] * layer.shift_count,
        windows=rota_math.windows_from_json(layer.restrictions),
    )


def rota_plan(*, rota: Rota, since: datetime | None = None) -> rota_math.RotaPlan:
    """The rota as the pure module sees it; overrides and swaps that ended before `since` are left out."""
    overrides = rota.overrides.all()
    swaps = rota.swaps.filter(status=SwapStatus.ACCEPTED)
    if since is not None:
        overrides, swaps = overrides.filter(ends_at__gt=since), swaps.filter(ends_at__gt=since)
    return rota_math.RotaPlan(
        rota.time_zone,
        layers=tuple(layer_plan(layer) for layer in rota_layers(rota=rota) if layer.layer_members.all()),
        overrides=tuple(rota_math.Cover(o.pk, o.user_id, o.starts_at, o.ends_at) for o in overrides),
        swaps=tuple(rota_math.Cover(s.pk, s.covered_by_id, s.starts_at, s.ends_at, from_user=s.requested_by_id)
                    for s in swaps),
    )


def on_call_at(*, rota: Rota, at: datetime) -> rota_math.Shift:
    """Who is on call in this rota at `at`: the one answer used by every page, message and step."""
    plan = rota_plan(rota=rota, since=at - timedelta(days=60))
    return rota_math.on_call_at(plan, at)


def rota_timeline(*, rota: Rota, start: datetime, end: datetime) -> list[rota_math.Shift]:
    return rota_math.timeline(rota_plan(rota=rota, since=start), start, end)


def coverage_gaps(*, rota: Rota, now: datetime | None = None, horizon: timedelta = GAP_HORIZON) -> list[rota_math.Shift]:
    now = now or timezone.now()
    return rota_math.coverage_gaps(rota_plan(rota=rota, since=now), now, now + horizon)


def shifts_of(*, rota: Rota, user: User, start: datetime, end: datetime) -> list[rota_math.Shift]:
    return rota_math.shifts_of(rota_plan(rota=rota, since=start), user.pk, start, end)


def my_shifts(*, organization: Organization, user: User, start: datetime, end: datetime) -> list[tuple[Rota, rota_math.Shift]]:
    found = [(rota, shift) for rota in rota_list(organization=organization)
             for shift in shifts_of(rota=rota, user=user, start=start, end=end)]
    return sorted(found, key=lambda pair: pair[1].start)


def users_by_id(*, organization: Organization, user_ids) -> dict[int, User]:
    from accounts.selectors import member_users

    return member_users(organization=organization, user_ids=[u for u in user_ids if u is not None])


def rota_overrides(*, rota: Rota, since: datetime) -> QuerySet[RotaOverride]:
    return rota.overrides.filter(ends_at__gt=since).select_related("user").order_by("starts_at")


def rota_swaps(*, rota: Rota, since: datetime) -> QuerySet[RotaSwap]:
    return rota.swaps.filter(ends_at__gt=since).select_related("requested_by", "covered_by").order_by("starts_at")


def swaps_waiting_for(*, organization: Organization, user: User) -> QuerySet[RotaSwap]:
    return (RotaSwap.objects.for_organization(organization)
            .filter(covered_by=user, status=SwapStatus.PENDING, ends_at__gt=timezone.now())
            .select_related("rota", "requested_by"))


# --- alerts -------------------------------------------------------------------------------------


def alert_list(*, organization: Organization, status: str | None = None) -> QuerySet[Alert]:
    alerts = Alert.objects.for_organization(organization).select_related("acknowledged_by", "resolved_by", "policy")
    if status == "open":
        alerts = alerts.exclude(status=AlertStatus.RESOLVED)
    elif status:
        alerts = alerts.filter(status=status)
    return alerts.order_by("-triggered_at", "-pk")


def open_alerts(*, organization: Organization) -> QuerySet[Alert]:
    return alert_list(organization=organization, status="open")


def alert_log(*, alert: Alert):
    return alert.log.select_related("actor").order_by("created_at", "pk")


def policy_list(*, organization: Organization) -> QuerySet[EscalationPolicy]:
    return EscalationPolicy.objects.for_organization(organization).order_by("name")


def routing_rules(*, organization: Organization) -> QuerySet[RoutingRule]:
    return RoutingRule.objects.for_organization(organization).select_related("policy").order_by("position", "pk")


def contact_methods(*, organization: Organization, user: User) -> QuerySet[ContactMethod]:
    return ContactMethod.objects.for_organization(organization).filter(user=user).order_by("pk")


def notification_rules(*, organization: Organization, user: User) -> QuerySet[NotificationRule]:
    return (NotificationRule.objects.for_organization(organization).filter(user=user)
            .select_related("contact_method").order_by("delay_minutes", "pk"))


# --- the rota page's timeline --------------------------------------------------------------------


def _segments(shifts, start: datetime, end: datetime, names: dict[int, User]) -> list[dict]:
    total = (end - start).total_seconds()
    return [{
        "left": round((shift.start - start).total_seconds() / total * 100, 3),
        "width": round((shift.end - shift.start).total_seconds() / total * 100, 3),
        "user": names.get(shift.user_id), "start": shift.start, "end": shift.end, "source": shift.source,
    } for shift in shifts]


def rota_board(*, rota: Rota, start: datetime, days: int = 14) -> dict:
    """Rows for the rota page: each layer alone, the overrides, and who is really on call (with gaps)."""
    end = start + timedelta(days=days)
    plan = rota_plan(rota=rota, since=start)
    layers = rota_layers(rota=rota)
    names = users_by_id(organization=rota.organization,
                        user_ids={m.user_id for layer in layers for m in layer.layer_members.all()}
                        | {o.user_id for o in plan.overrides} | {s.user_id for s in plan.swaps})
    rows = []
    for layer in layers:
        alone = rota_math.RotaPlan(rota.time_zone, layers=(layer_plan(layer),))
        shifts = [s for s in rota_math.timeline(alone, start, end) if s.user_id is not None]
        rows.append({"label": layer.name, "kind": "layer", "layer": layer, "segments": _segments(shifts, start, end, names)})
    covers = [rota_math.Shift(max(o.start, start), min(o.end, end), o.user_id, "override")
              for o in plan.overrides if o.end > start and o.start < end]
    rows.append({"label": "overrides", "kind": "overrides", "segments": _segments(covers, start, end, names)})
    final = rota_math.timeline(plan, start, end)
    rows.append({"label": "final", "kind": "final", "segments": _segments(final, start, end, names)})
    zone = rota_math.zone_for(rota.time_zone)
    ticks = [{"left": round(d / days * 100, 3), "day": (start + timedelta(days=d)).astimezone(zone)} for d in range(days)]
    return {"rows": rows, "ticks": ticks, "start": start, "end": end,
            "gaps": [s for s in final if s.user_id is None]}


# --- calendars ------------------------------------------------------------------------------------

CALENDAR_PAST, CALENDAR_AHEAD = timedelta(days=7), timedelta(days=60)


def _sequence(rota: Rota) -> int:
    return rota.plan_version


def rota_calendar_ics(*, rota: Rota, now: datetime | None = None) -> bytes:
    from .calendar import build_calendar

    now = now or timezone.now()
    shifts = [s for s in rota_timeline(rota=rota, start=now - CALENDAR_PAST, end=now + CALENDAR_AHEAD) if s.user_id]
    people = users_by_id(organization=rota.organization, user_ids={s.user_id for s in shifts})
    entries = [(rota.pk, rota.name, s, people[s.user_id].display_name if s.user_id in people else "?", rota.updated_at,
                _sequence(rota)) for s in shifts]
    return build_calendar(name=rota.name, entries=entries, now=now)


def person_calendar_ics(*, organization: Organization, user: User, now: datetime | None = None) -> bytes:
    from .calendar import build_calendar

    now = now or timezone.now()
    entries = [(rota.pk, rota.name, shift, user.display_name, rota.updated_at, _sequence(rota))
               for rota, shift in my_shifts(organization=organization, user=user, start=now - CALENDAR_PAST,
                                            end=now + CALENDAR_AHEAD)]
    return build_calendar(name=f"{user.display_name} · {organization.name}", entries=entries, now=now)


# --- shift handover ------------------------------------------------------------------------------


def handover_for(*, rota: Rota, now: datetime | None = None) -> dict:
    """What the person on call now inherits from whoever was on call before them in this rota."""
    from inbox import selectors as inbox_selectors
    from playbooks import selectors as playbooks_selectors

    now = now or timezone.now()
    incoming = on_call_at(rota=rota, at=now)
    outgoing = on_call_at(rota=rota, at=incoming.start - timedelta(seconds=1))
    people = users_by_id(organization=rota.organization, user_ids={incoming.user_id, outgoing.user_id})
    organization = rota.organization

    def conversations(assignee: str):
        # Most urgent first: the first-response deadline that runs out soonest.
        filters = inbox_selectors.ConversationFilters(assignee=assignee, sort="sla")
        return inbox_selectors.conversation_list_page(
            inbox_selectors.conversation_list(organization=organization, filters=filters))

    outgoing_user = people.get(outgoing.user_id)
    incoming_user = people.get(incoming.user_id)
    # Replies held for approval are the guides' rows: read through their selector, never their tables.
    approvals = playbooks_selectors.approvals_for_handover(
        organization=organization, outgoing_user_id=outgoing_user.pk if outgoing_user else None,
        incoming_user_id=incoming_user.pk if incoming_user else None)
    return {
        "incoming": incoming, "incoming_user": incoming_user,
        "outgoing": outgoing, "outgoing_user": outgoing_user,
        "unassigned": list(conversations("none")[:100]),
        "inherited": list(conversations(str(outgoing_user.pk))[:200]) if outgoing_user else [],
        "drafts": list(inbox_selectors.drafts_by(organization=organization, user=outgoing_user)[:50]) if outgoing_user else [],
        "alerts": list(open_alerts(organization=organization)[:20]),
        "approvals_held": approvals.held_for_outgoing,
        "approvals_to_approve": approvals.to_approve,
        "notes": list(rota.handover_notes.select_related("author").filter(created_at__gte=now - timedelta(days=2))[:5]),
    }


def watch_topics(*, organization) -> list:
    from .models import WatchTopic

    return list(WatchTopic.objects.for_organization(organization).order_by("name"))


def mutes_recent(*, organization, now=None, limit: int = 50) -> list:
    """Mutes still running first, then the latest ended ones (the history of false alarms)."""
    from django.db.models import Case, IntegerField, When

    from .models import TopicMute

    now = now or timezone.now()
    return list(TopicMute.objects.for_organization(organization).select_related("topic", "muted_by")
                .annotate(running=Case(When(until__gt=now, then=1), default=0, output_field=IntegerField()))
                .order_by("-running", "-created_at")[:limit])


# The crisis cell.

def active_crisis(*, organization) -> Crisis | None:
    return (Crisis.objects.for_organization(organization).filter(status=CrisisStatus.ACTIVE)
            .select_related("declared_by").first())


def crisis_list(*, organization) -> QuerySet[Crisis]:
    return Crisis.objects.for_organization(organization).select_related("declared_by", "closed_by")


def crisis_detail(*, organization, pk) -> Crisis:
    """The organization's crisis, or 404 (another organization's crisis does not exist for this one)."""
    return access_by_id(Crisis.objects.select_related("declared_by", "closed_by"), organization=organization, pk=pk)


def crisis_members(*, crisis: Crisis) -> QuerySet[CrisisMember]:
    return crisis.members.select_related("user")


def crisis_timeline(*, crisis: Crisis) -> QuerySet[CrisisEvent]:
    return crisis.events.select_related("actor").order_by("at", "pk")


def crisis_tasks(*, crisis: Crisis) -> QuerySet[CrisisTask]:
    return crisis.tasks.select_related("owner")


def crisis_sources(*, crisis: Crisis) -> QuerySet[InfoSource]:
    return crisis.sources.all()


def approved_statement_texts(*, organization_id: int) -> tuple[str, ...]:
    """The active crisis's approved and published statements (their current versions), which replies in
    crisis mode may follow: the guides' linter reads {first_name}-style variables in them as blanks."""
    from .models import Statement, StatementStatus, StatementVersion

    crisis_id = (Crisis.objects.for_organization(organization_id).filter(status=CrisisStatus.ACTIVE)
                 .values_list("pk", flat=True).first())
    if crisis_id is None:
        return ()
    statements = dict(Statement.objects.for_organization(organization_id).filter(
        crisis_id=crisis_id, status__in=[StatementStatus.APPROVED, StatementStatus.PUBLISHED])
        .values_list("pk", "current_version"))
    versions = (StatementVersion.objects.for_organization(organization_id)
                .filter(statement_id__in=list(statements)).values_list("statement_id", "number", "text"))
    return tuple(text for statement_id, number, text in versions if statements[statement_id] == number)


# Statements.

def statement_list(*, crisis: Crisis):
    from .models import Statement

    return (Statement.objects.for_organization(crisis.organization_id).filter(crisis=crisis)
            .select_related("created_by", "crisis"))


def statement_detail(*, organization, pk):
    """The organization's statement, or 404 (another organization's statement does not exist for this one)."""
    from .models import Statement

    return access_by_id(Statement.objects.select_related("crisis", "created_by"), organization=organization, pk=pk)


def statement_versions(*, statement) -> list:
    """Versions newest first, each with its approvals (approver loaded)."""
    from .models import StatementApproval

    return list(statement.versions.select_related("author").prefetch_related(
        Prefetch("approvals", queryset=StatementApproval.objects.unscoped().select_related("approver")
                 .order_by("at", "pk"))).order_by("-number"))


def statement_current_text(*, statement) -> str:
    return statement.versions.get(number=statement.current_version).text


def statement_publications(*, statement) -> list:
    return list(statement.publications.order_by("pk"))


def statement_publication(*, organization, pk):
    from .models import StatementPublication

    return access_by_id(StatementPublication.objects.select_related("statement"), organization=organization, pk=pk)


def crisis_templates(*, organization) -> list[dict]:
    """The guides' crisis templates, where statements start (read through the guides' selector)."""
    from playbooks import selectors as playbooks_selectors

    return playbooks_selectors.crisis_templates(organization=organization)


def statement_channels(*, organization) -> list:
    """The organization's channels, each saying whether a statement can be posted (and pinned) there."""
    from inbox.services import posts

    return posts.brand_post_channels(organization=organization)


# --- storm clusters -----------------------------------------------------------------------------------

def crisis_clusters(*, crisis: Crisis, limit: int | None = None):
    """The crisis's clusters, the most asked first."""
    from .models import StormCluster

    queryset = StormCluster.objects.for_organization(crisis.organization_id).filter(crisis=crisis).order_by(
        "-count", "created_at", "pk")
    return queryset[:limit] if limit else queryset


def cluster_detail(*, crisis: Crisis, pk):
    """One of the crisis's clusters, or 404 (another crisis's or organization's does not exist here)."""
    from .models import StormCluster

    return access_by_id(StormCluster.objects.select_related("crisis").filter(crisis=crisis),
                        organization=crisis.organization_id, pk=pk)


def cluster_people(*, cluster, limit: int | None = None):
    from .models import ClusterMention

    queryset = ClusterMention.objects.for_organization(cluster.organization_id).filter(cluster=cluster).order_by(
        "created_at", "pk")
    return queryset[:limit] if limit else queryset


def cluster_replies(*, cluster):
    from .models import ClusterReply

    return ClusterReply.objects.for_organization(cluster.organization_id).filter(cluster=cluster).select_related(
        "actor").order_by("-started_at", "-pk")


def cluster_reply_items(*, reply) -> dict[int, object]:
    """The items of a cluster reply by conversation id: who got what, and the inbox reply it made."""
    from .models import ClusterReplyItem

    return {item.conversation_id: item for item in
            ClusterReplyItem.objects.for_organization(reply.organization_id).filter(reply=reply)}


def unclustered_queue(*, crisis: Crisis, limit: int = 50) -> list:
    """In-scope conversations of the crisis queue that no cluster holds, oldest first (through the
    inbox's selectors: the conversations carrying the crisis's queue tag)."""
    from inbox import selectors as inbox_selectors

    from .mode import queue_tag
    from .models import ClusterMention

    filters = inbox_selectors.ConversationFilters(tags=[queue_tag(crisis)], sort="created")
    clustered = ClusterMention.objects.for_organization(crisis.organization_id).filter(crisis=crisis).values(
        "conversation_id")
    conversations = inbox_selectors.conversation_list(organization=crisis.organization, filters=filters)
    return list(conversations.exclude(pk__in=clustered).select_related("contact", "channel")
                .order_by("created_at", "pk")[:limit])


def cluster_answer_choices(*, crisis: Crisis, language: str = "") -> list[dict]:
    """What a whole cluster may be answered with: the crisis's approved statements, then the guides'
    published templates (the cluster's language first), placeholders left in. Each choice has a
    stable `value` for forms, its `text` and the `guidance` the guides read back."""
    from playbooks import selectors as playbooks_selectors

    choices = [{"value": f"statement:{n}", "label": text[:80], "text": text, "guidance": {}, "kind": "statement"}
               for n, text in enumerate(approved_statement_texts(organization_id=crisis.organization_id))]
    templates = playbooks_selectors.all_templates(organization=crisis.organization_id, values={})
    templates.sort(key=lambda t: t["language"] != language)
    choices += [{"value": f"template:{t['guide_version']}:{t['key']}", "label": f"{t['scenario']} · {t['label']}",
                 "text": t["filled"], "guidance": {"template": t["key"], "guide_version": t["guide_version"]},
                 "kind": "template", "language": t["language"]} for t in templates]
    return choices


from .report_selectors import crisis_report  # noqa: E402,F401 - the report's reads live in their own module


def crisis_queue(*, crisis: Crisis):
    """The crisis queue: the organization's active conversations carrying the crisis's queue tag,
    the one whose first-response deadline runs out soonest first."""
    from inbox import selectors as inbox_selectors

    from .mode import queue_tag

    filters = inbox_selectors.ConversationFilters(tags=[queue_tag(crisis)], sort="sla")
    return inbox_selectors.conversation_list(organization=crisis.organization, filters=filters)


def crisis_queue_stats(*, crisis: Crisis):
    """What the room shows of the queue: `size`, `unanswered` and `oldest_unanswered_at`."""
    from inbox import selectors as inbox_selectors

    from .mode import queue_tag

    return inbox_selectors.queue_stats(organization=crisis.organization, tag=queue_tag(crisis))


def may_close(*, crisis: Crisis, membership) -> bool:
    """Closing lifts crisis mode for everyone: the crisis's own lead decides, or a lead or an admin."""
    from accounts.roles import Permission, role_can

    if not role_can(membership.role, Permission.DECLARE_CRISIS):
        return False
    if role_can(membership.role, Permission.MANAGE_ESCALATION):
        return True
    from .models import CellRole

    return crisis.members.filter(user_id=membership.user_id, role=CellRole.CRISIS_LEAD).exists()


def conversations_in_cluster_replies(*, crisis: Crisis) -> set[int]:
    """The crisis's conversations a cluster reply holds (sent, or on its way): nobody answers them by hand."""
    from .models import ClusterReplyItem
    from .models.clusters import ItemState

    return set(ClusterReplyItem.objects.for_organization(crisis.organization_id)
               .filter(reply__cluster__crisis=crisis).exclude(state=ItemState.FAILED)
               .values_list("conversation_id", flat=True))
