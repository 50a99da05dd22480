"""Alerts, the escalation policies that climb to management, and the routing rules choosing them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationOwnedModel


class AlertSource(models.TextChoices):
    SLA_BREACH = "sla_breach", _("SLA breach")
    CHANNEL_HEALTH = "channel_health", _("Channel health")
    VOLUME_SPIKE = "volume_spike", _("Volume spike")
    NEGATIVE_SURGE = "negative_surge", _("Negative surge")
    VIP_AUTHOR = "vip_author", _("VIP author")
    COVERAGE_GAP = "coverage_gap", _("Gap in on-call coverage")
    MANUAL = "manual", _("Manual page")
    APPROVAL_WAITING = "approval_waiting", _("Reply awaiting approval")
    # Tells the crisis cell; pages exactly its members, never through an escalation policy.
    CRISIS_DECLARED = "crisis_declared", _("Crisis declared")


class AlertSeverity(models.TextChoices):
    # Ordered: routing rules match "this severity or worse".
    LOW = "low", _("Low")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


SEVERITY_RANK = {AlertSeverity.LOW: 0, AlertSeverity.HIGH: 1, AlertSeverity.CRITICAL: 2}


class AlertStatus(models.TextChoices):
    TRIGGERED = "triggered", _("Triggered")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RESOLVED = "resolved", _("Resolved")


class EscalationPolicy(OrganizationOwnedModel):
    """Steps (who to notify, then how long to wait), run in order and repeated `repeat` more times.

    `steps` is validated by `crisis.escalation.parse_steps`.
    """

    name = models.CharField(_("name"), max_length=120)
    steps = models.JSONField(_("steps"), default=list)
    repeat = models.PositiveSmallIntegerField(_("repeat"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="policy_name_unique_in_organization")]

    def __str__(self):
        return self.name


class RoutingRule(OrganizationOwnedModel):
    """The first rule (by position) matching an alert's source and severity chooses its policy."""

    position = models.PositiveSmallIntegerField(default=0)
    sources = models.JSONField(_("sources"), default=list, blank=True)  # empty: any source
    min_severity = models.CharField(_("minimum severity"), max_length=10, choices=AlertSeverity.choices,
                                    default=AlertSeverity.LOW)
    policy = models.ForeignKey(EscalationPolicy, on_delete=models.CASCADE, related_name="routing_rules")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["position", "pk"]


class Alert(OrganizationOwnedModel):
    source = models.CharField(max_length=20, choices=AlertSource.choices)
    severity = models.CharField(max_length=10, choices=AlertSeverity.choices, default=AlertSeverity.HIGH)
    title = models.CharField(_("title"), max_length=200)
    details = models.TextField(_("details"), blank=True)
    # A repeat of the same open condition joins the open alert instead of paging again.
    dedup_key = models.CharField(max_length=200)
    occurrences = models.PositiveIntegerField(default=1)
    status = models.CharField(max_length=14, choices=AlertStatus.choices, default=AlertStatus.TRIGGERED)
    policy = models.ForeignKey(EscalationPolicy, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    # The policy as it was when the alert fired: editing a policy never changes a climb under way.
    policy_snapshot = models.JSONField(default=dict, blank=True)
    # The fencing token: the number of the next escalation step. Whoever runs a step writes
    # `escalation_step = n + 1` only where it still reads n, so a duplicate runs nothing.
    escalation_step = models.PositiveIntegerField(default=0)
    next_escalation_at = models.DateTimeField(null=True, blank=True)
    triggered_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)  # what raised it: conversation, channel ids

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-triggered_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "dedup_key"], condition=~models.Q(status="resolved"),
                                    name="one_open_alert_per_dedup_key"),
        ]
        indexes = [
            models.Index(fields=["next_escalation_at"], condition=models.Q(status="triggered"), name="alert_escalation_due"),
            models.Index(fields=["organization", "status", "-triggered_at"], name="alert_org_status"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != AlertStatus.RESOLVED


class AlertLogEntry(OrganizationOwnedModel):
    """Everything that happened to an alert, in order: fired, joined, each step, each attempt, ack."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="log")
    created_at = models.DateTimeField()
    kind = models.CharField(max_length=24)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    data = models.JSONField(default=dict, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["created_at", "pk"]


class EscalationStepRun(OrganizationOwnedModel):
    """One escalation step that ran. Unique per alert and step: a step never runs twice."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="step_runs")
    step_number = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    ran_at = models.DateTimeField()
    targets = models.JSONField(default=list)  # user ids notified

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["step_number"]
        constraints = [models.UniqueConstraint(fields=["alert", "step_number"], name="escalation_step_once")]
