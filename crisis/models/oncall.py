"""On-call rotas: layers of rotating members, overrides and swaps. `crisis.rota` reads them."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import validate_time_zone
from accounts.scoping import OrganizationOwnedModel


def _calendar_token() -> str:
    return secrets.token_urlsafe(24)


class Rota(OrganizationOwnedModel):
    name = models.CharField(_("name"), max_length=120)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    time_zone = models.CharField(_("time zone"), max_length=64, default="Europe/Paris", validators=[validate_time_zone])
    description = models.CharField(_("description"), max_length=300, blank=True)
    # The secret of the subscribable iCal address; a new one revokes every old subscription.
    calendar_token = models.CharField(max_length=64, default=_calendar_token, unique=True)
    # Moves with every change of the plan: the SEQUENCE of the rota's calendar events.
    plan_version = models.PositiveIntegerField(default=0)
    # Handoffs up to this instant have had their summary sent (the beat task resumes from here).
    handoffs_announced_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="rota_name_unique_in_organization")]

    def __str__(self):
        return self.name


class ShiftUnit(models.TextChoices):
    HOURS = "hours", _("hours")
    DAYS = "days", _("days")
    WEEKS = "weeks", _("weeks")


class RotaLayer(OrganizationOwnedModel):
    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="layers")
    name = models.CharField(_("name"), max_length=120)
    level = models.PositiveSmallIntegerField(_("level"), default=0, help_text=_("A higher layer wins over a lower one."))
    starts_on = models.DateField(_("start date"))
    handoff_time = models.TimeField(_("handoff time"))
    shift_unit = models.CharField(_("shift unit"), max_length=8, choices=ShiftUnit.choices, default=ShiftUnit.DAYS)
    shift_count = models.PositiveSmallIntegerField(_("shift length"), default=1)
    # [{"days": ["mon", ...], "start": "09:00", "end": "18:00"}]; empty: round the clock.
    restrictions = models.JSONField(_("restrictions"), default=list, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-level", "pk"]

    def __str__(self):
        return self.name


class RotaLayerMember(OrganizationOwnedModel):
    layer = models.ForeignKey(RotaLayer, on_delete=models.CASCADE, related_name="layer_members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField()

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["position"]
        constraints = [models.UniqueConstraint(fields=["layer", "position"], name="rota_layer_position_once")]


class RotaOverride(OrganizationOwnedModel):
    """Someone covers a period, whatever the layers say."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["starts_at"]
        indexes = [models.Index(fields=["organization", "rota", "ends_at"], name="override_rota_end")]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="override_ends_after_start")]


class SwapStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")


class RotaSwap(OrganizationOwnedModel):
    """A member hands their on-call time within a period to another member, who accepts or declines."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="swaps")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    covered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField(_("start"))
    ends_at = models.DateTimeField(_("end"))
    status = models.CharField(max_length=12, choices=SwapStatus.choices, default=SwapStatus.PENDING)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")), name="swap_ends_after_start")]


class PersonalCalendar(OrganizationOwnedModel):
    """The secret address of one person's on-call calendar; a new token revokes the old address."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    token = models.CharField(max_length=64, default=_calendar_token, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "user"], name="one_personal_calendar")]


class HandoverNote(OrganizationOwnedModel):
    """What the outgoing person wants the incoming one to know, written at the end of a shift."""

    rota = models.ForeignKey(Rota, on_delete=models.CASCADE, related_name="handover_notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    text = models.TextField(_("handover note"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-created_at"]
