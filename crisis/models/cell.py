"""The crisis cell: a declared crisis, who is in its cell, its timeline, its tasks and the sources it points to."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationOwnedModel


class CrisisSeverity(models.IntegerChoices):
    # 1 is the mildest. From `EXECUTIVE_SIGN_OFF_FROM` up, statements need an executive's approval too.
    MINOR = 1, _("1 — Minor")
    SERIOUS = 2, _("2 — Serious")
    MAJOR = 3, _("3 — Major")
    CRITICAL = 4, _("4 — Critical")


EXECUTIVE_SIGN_OFF_FROM = CrisisSeverity.MAJOR


class CrisisStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CLOSED = "closed", _("Closed")


class CellRole(models.TextChoices):
    CRISIS_LEAD = "crisis_lead", _("Crisis lead")
    COMMUNITY_LEAD = "community_lead", _("Community lead")
    EXECUTIVE = "executive", _("Executive")
    LEGAL = "legal", _("Legal")
    PR = "pr", _("PR")
    CUSTOMER_CARE = "customer_care", _("Customer care")


class Crisis(OrganizationOwnedModel):
    """A declared crisis. While one is active the organization is in crisis mode; one at a time."""

    title = models.CharField(_("title"), max_length=200)
    severity = models.PositiveSmallIntegerField(_("severity"), choices=CrisisSeverity.choices,
                                                default=CrisisSeverity.SERIOUS)
    status = models.CharField(max_length=10, choices=CrisisStatus.choices, default=CrisisStatus.ACTIVE)
    # Scope: which mentions belong to the crisis (any of: a watch topic, a keyword, a channel).
    topic_ids = models.JSONField(default=list, blank=True)
    keywords = models.JSONField(default=list, blank=True)
    channel_ids = models.JSONField(default=list, blank=True)
    # When the storm began (the spike alert's first minute), when the desk noticed and declared.
    started_at = models.DateTimeField()
    declared_at = models.DateTimeField()
    declared_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    from_alert = models.ForeignKey("crisis.Alert", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    closed_at = models.DateTimeField(null=True, blank=True)
    closed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    closing_summary = models.TextField(_("closing summary"), blank=True)
    is_drill = models.BooleanField(default=False)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-declared_at"]
        constraints = [models.UniqueConstraint(fields=["organization"], condition=Q(status="active"),
                                               name="crisis_one_active_per_organization")]

    def __str__(self) -> str:
        return self.title

    @property
    def is_active(self) -> bool:
        return self.status == CrisisStatus.ACTIVE


class CrisisMember(OrganizationOwnedModel):
    """A person in the cell, in one role. `last_seen_at` is the room's presence (refreshed while the page is open)."""

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(max_length=20, choices=CellRole.choices)
    added_at = models.DateTimeField()
    joined_at = models.DateTimeField(null=True, blank=True)
    last_seen_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["crisis", "role", "pk"]
        constraints = [models.UniqueConstraint(fields=["crisis", "user"], name="crisis_member_once")]


class EventKind(models.TextChoices):
    # Automatic
    DETECTED = "detected", _("Detected")
    PAGED = "paged", _("Paged")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    ESCALATED = "escalated", _("Escalated")
    DECLARED = "declared", _("Declared")
    MEMBER_JOINED = "member_joined", _("Joined the room")
    STATEMENT = "statement", _("Statement")
    CLUSTER_REPLY = "cluster_reply", _("Cluster reply")
    TASK = "task", _("Task")
    SEVERITY = "severity", _("Severity changed")
    CLOSED = "closed", _("Closed")
    # Written by people
    DECISION = "decision", _("Decision")
    NOTE = "note", _("Note")
    PINNED_POST = "pinned_post", _("Pinned post")


MANUAL_EVENT_KINDS = (EventKind.DECISION, EventKind.NOTE, EventKind.PINNED_POST)


class CrisisEvent(OrganizationOwnedModel):
    """One line of the crisis timeline. `at` is when it happened (a detection may predate the declaration)."""

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    kind = models.CharField(max_length=20, choices=EventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    text = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["crisis", "at", "pk"]
        indexes = [models.Index(fields=["crisis", "at"], name="crisis_event_at")]


class CrisisTask(OrganizationOwnedModel):
    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("task"), max_length=200)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    due_at = models.DateTimeField(_("due"), null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["crisis", "done_at", "due_at", "pk"]


class InfoSource(OrganizationOwnedModel):
    """A page the cell points people to (status page, FAQ), inserted into replies in one click."""

    crisis = models.ForeignKey(Crisis, on_delete=models.CASCADE, related_name="sources")
    label = models.CharField(_("label"), max_length=120)
    url = models.URLField(_("address"), max_length=500)
    created_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["crisis", "pk"]
