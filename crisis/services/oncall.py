"""Writes on rotas: layers, overrides, swaps and the calendar secret. One function per action."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import date, datetime, time
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Organization, Team, User
from accounts.roles import Permission, role_can
from accounts.selectors import member_users

from .. import rota as rota_math
from .. import selectors
from ..models import Rota, RotaLayer, RotaLayerMember, RotaOverride, RotaSwap, ShiftUnit, SwapStatus


def _check_zone(time_zone: str) -> None:
    try:
        rota_math.zone_for(time_zone)
    except ValueError:
        raise ValidationError({"time_zone": _('Unknown time zone "%(zone)s": use a name such as Europe/Paris or '
                                              'America/New_York.') % {"zone": time_zone}}) from None


def _members(organization: Organization, user_ids: Sequence[int]) -> list[int]:
    if not user_ids:
        raise ValidationError({"member_ids": _("A layer needs at least one member: a rota with nobody covers nothing.")})
    if len(set(user_ids)) != len(user_ids):
        raise ValidationError({"member_ids": _("Each person appears once in a layer.")})
    found = member_users(organization=organization, user_ids=user_ids)
    if len(found) != len(set(user_ids)):
        raise ValidationError({"member_ids": _("Only members of this organization can be on call.")})
    return list(user_ids)


def _layer_fields(*, starts_on: date, handoff_time: time, shift_unit: str, shift_count: int,
                  restrictions: Any) -> dict[str, Any]:
    if shift_unit not in ShiftUnit.values:
        raise ValidationError({"shift_unit": _("Choose hours, days or weeks.")})
    if not isinstance(shift_count, int) or not 1 <= shift_count <= 366:
        raise ValidationError({"shift_count": _("A shift lasts between 1 and 366 units.")})
    try:
        windows = rota_math.windows_from_json(restrictions)
    except ValueError as error:
        raise ValidationError({"restrictions": str(error)}) from None
    return {"starts_on": starts_on, "handoff_time": handoff_time.replace(second=0, microsecond=0),
            "shift_unit": shift_unit, "shift_count": shift_count,
            "restrictions": [window.to_json() for window in windows]}


def _write_members(layer: RotaLayer, member_ids: list[int]) -> None:
    layer.layer_members.all().delete()
    RotaLayerMember.objects.bulk_create([
        RotaLayerMember(organization_id=layer.organization_id, layer=layer, user_id=user_id, position=position)
        for position, user_id in enumerate(member_ids)
    ])


def _touch(rota: Rota) -> None:
    # iCal readers compare LAST-MODIFIED and SEQUENCE: every change to the plan moves them.
    Rota.objects.for_organization(rota.organization_id).filter(pk=rota.pk).update(
        updated_at=timezone.now(), plan_version=F("plan_version") + 1)
    rota.refresh_from_db(fields=["updated_at", "plan_version"])


@transaction.atomic
def rota_create(*, organization: Organization, actor: User, name: str, time_zone: str,
                layers: Sequence[Mapping[str, Any]], team: Team | None = None, description: str = "") -> Rota:
    """A rota and its first layers in one go: a rota with nobody on it is refused, nothing saved."""
    _check_zone(time_zone)
    if not name.strip():
        raise ValidationError({"name": _("Give the rota a name.")})
    if not layers:
        raise ValidationError({"layers": _("A rota needs at least one layer of people: a rota with nobody covers nothing.")})
    if team is not None and team.organization_id != organization.pk:
        raise ValidationError({"team": _("That team belongs to another organization.")})
    if Rota.objects.for_organization(organization).filter(name=name.strip()).exists():
        raise ValidationError({"name": _("Another rota already has this name.")})
    rota = Rota.objects.create(organization=organization, name=name.strip(), time_zone=time_zone, team=team,
                               description=description)
    for layer in layers:
        layer_create(rota=rota, actor=actor, **layer)
    return rota


@transaction.atomic
def rota_update(*, rota: Rota, actor: User, name: str | None = None, time_zone: str | None = None,
                description: str | None = None) -> Rota:
    fields = ["updated_at", "plan_version"]
    rota.plan_version += 1
    if time_zone is not None:
        _check_zone(time_zone)
        rota.time_zone = time_zone
        fields.append("time_zone")
    if name is not None:
        if not name.strip():
            raise ValidationError({"name": _("Give the rota a name.")})
        rota.name = name.strip()
        fields.append("name")
    if description is not None:
        rota.description = description
        fields.append("description")
    try:
        with transaction.atomic():
            rota.save(update_fields=fields)
    except IntegrityError:
        raise ValidationError({"name": _("Another rota already has this name.")}) from None
    return rota


@transaction.atomic
def layer_create(*, rota: Rota, actor: User, name: str, member_ids: Sequence[int], starts_on: date,
                 handoff_time: time, shift_unit: str = ShiftUnit.DAYS, shift_count: int = 1,
                 restrictions: Any = (), level: int = 0) -> RotaLayer:
    members = _members(rota.organization, member_ids)
    fields = _layer_fields(starts_on=starts_on, handoff_time=handoff_time, shift_unit=shift_unit,
                           shift_count=shift_count, restrictions=restrictions)
    layer = RotaLayer.objects.create(organization_id=rota.organization_id, rota=rota, name=name or _("Layer"),
                                     level=level, **fields)
    _write_members(layer, members)
    _touch(rota)
    return layer


@transaction.atomic
def layer_update(*, layer: RotaLayer, actor: User, name: str, member_ids: Sequence[int], starts_on: date,
                 handoff_time: time, shift_unit: str, shift_count: int, restrictions: Any, level: int) -> RotaLayer:
    members = _members(layer.rota.organization, member_ids)
    for key, value in _layer_fields(starts_on=starts_on, handoff_time=handoff_time, shift_unit=shift_unit,
                                    shift_count=shift_count, restrictions=restrictions).items():
        setattr(layer, key, value)
    layer.name, layer.level = name or layer.name, level
    layer.save(update_fields=["name", "level", "starts_on", "handoff_time", "shift_unit", "shift_count", "restrictions"])
    _write_members(layer, members)
    _touch(layer.rota)
    return layer


@transaction.atomic
def layer_delete(*, layer: RotaLayer, actor: User) -> None:
    rota = Rota.objects.for_organization(layer.organization_id).select_for_update().get(pk=layer.rota_id)
    if rota.layers.count() <= 1:
        raise ValidationError(_("This is the rota's last layer: a rota with nobody covers nothing. Delete the rota instead."))
    layer.delete()
    _touch(rota)


def _period(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise ValidationError(_("Give the start and end with their time zone."))
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("The end must come after the start.")})


@transaction.atomic
def override_create(*, rota: Rota, actor: User, user: User, starts_at: datetime, ends_at: datetime,
                    reason: str = "") -> RotaOverride:
    """Someone covers a period. Overrides of one rota never overlap: the rota row is locked while checking."""
    _period(starts_at, ends_at)
    _members(rota.organization, [user.pk])
    Rota.objects.for_organization(rota.organization_id).select_for_update().get(pk=rota.pk)
    clash = rota.overrides.filter(starts_at__lt=ends_at, ends_at__gt=starts_at).first()
    if clash is not None:
        raise ValidationError(_("This period overlaps another override (%(start)s to %(end)s): change or delete it first.")
                              % {"start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
                                 "end": timezone.localtime(clash.ends_at).strftime("%Y-%m-%d %H:%M")})
    override = RotaOverride.objects.create(organization_id=rota.organization_id, rota=rota, user=user,
                                           starts_at=starts_at, ends_at=ends_at, reason=reason, created_by=actor)
    _touch(rota)
    return override


@transaction.atomic
def override_delete(*, override: RotaOverride, actor: User) -> None:
    rota = override.rota
    override.delete()
    _touch(rota)


@transaction.atomic
def swap_request(*, rota: Rota, actor: User, covered_by: User, starts_at: datetime, ends_at: datetime,
                 note: str = "") -> RotaSwap:
    """A member asks another to take their on-call time within a period."""
    _period(starts_at, ends_at)
    if covered_by.pk == actor.pk:
        raise ValidationError({"covered_by": _("Ask someone else to cover you.")})
    _members(rota.organization, [actor.pk, covered_by.pk])
    if not selectors.shifts_of(rota=rota, user=actor, start=starts_at, end=ends_at):
        raise ValidationError(_("You are not on call in this period: there is nothing to swap."))
    return RotaSwap.objects.create(organization_id=rota.organization_id, rota=rota, requested_by=actor,
                                   covered_by=covered_by, starts_at=starts_at, ends_at=ends_at, note=note)


def _decide(swap: RotaSwap, status: str, *, allowed: bool) -> RotaSwap:
    swap = RotaSwap.objects.for_organization(swap.organization_id).select_for_update().get(pk=swap.pk)
    if not allowed:
        raise ValidationError(_("Only the person asked can answer this swap."))
    if swap.status != SwapStatus.PENDING:
        raise ValidationError(_("This swap was already answered."))
    swap.status, swap.decided_at = status, timezone.now()
    swap.save(update_fields=["status", "decided_at"])
    if status == SwapStatus.ACCEPTED:
        _touch(swap.rota)
    return swap


@transaction.atomic
def swap_accept(*, swap: RotaSwap, actor: User) -> RotaSwap:
    return _decide(swap, SwapStatus.ACCEPTED, allowed=actor.pk == swap.covered_by_id)


@transaction.atomic
def swap_decline(*, swap: RotaSwap, actor: User) -> RotaSwap:
    return _decide(swap, SwapStatus.DECLINED, allowed=actor.pk == swap.covered_by_id)


@transaction.atomic
def swap_cancel(*, swap: RotaSwap, actor: User, role: str) -> RotaSwap:
    allowed = actor.pk == swap.requested_by_id or role_can(role, Permission.MANAGE_ROTAS)
    return _decide(swap, SwapStatus.CANCELLED, allowed=allowed)


@transaction.atomic
def rota_calendar_revoke(*, rota: Rota, actor: User) -> Rota:
    """A new secret address for the rota's calendar: every old subscription stops working."""
    rota.calendar_token = secrets.token_urlsafe(24)
    rota.save(update_fields=["calendar_token"])
    return rota


@transaction.atomic
def personal_calendar_for(*, organization: Organization, user: User, renew: bool = False):
    """The person's calendar address; `renew` replaces its secret, revoking the old address."""
    from ..models import PersonalCalendar

    calendar, created = PersonalCalendar.objects.for_organization(organization).get_or_create(
        organization=organization, user=user)
    if renew and not created:
        calendar.token = secrets.token_urlsafe(24)
        calendar.save(update_fields=["token"])
    return calendar
