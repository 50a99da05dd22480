"""How each person wants to be reached, and every attempt to reach them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationOwnedModel


class ContactMethodKind(models.TextChoices):
    IN_APP = "in_app", _("In the app")
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")
    SLACK = "slack", _("Slack webhook")
    TEAMS = "teams", _("Microsoft Teams webhook")
    WEBHOOK = "webhook", _("Signed JSON webhook")


class ContactMethod(OrganizationOwnedModel):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=ContactMethodKind.choices)
    address = models.CharField(_("address"), max_length=500, blank=True)  # e-mail, phone or URL
    secret = models.CharField(max_length=80, blank=True)  # HMAC key of a signed JSON webhook
    label = models.CharField(_("label"), max_length=80, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["user_id", "pk"]

    def __str__(self):
        return self.label or f"{self.get_kind_display()} {self.address}".strip()


class NotificationRule(OrganizationOwnedModel):
    """Reach this person by this method N minutes after a step pages them (0: at once)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contact_method = models.ForeignKey(ContactMethod, on_delete=models.CASCADE, related_name="rules")
    delay_minutes = models.PositiveSmallIntegerField(_("after (minutes)"), default=0)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["user_id", "delay_minutes", "pk"]


class AttemptStatus(models.TextChoices):
    PENDING = "pending", _("Waiting")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class NotificationAttempt(OrganizationOwnedModel):
    """One notification of one person by one method for one escalation step (or a test)."""

    alert = models.ForeignKey("crisis.Alert", null=True, blank=True, on_delete=models.CASCADE, related_name="attempts")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    contact_method = models.ForeignKey(ContactMethod, null=True, on_delete=models.SET_NULL, related_name="attempts")
    kind = models.CharField(max_length=10, choices=ContactMethodKind.choices)
    step_number = models.PositiveIntegerField(null=True, blank=True)
    due_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=AttemptStatus.choices, default=AttemptStatus.PENDING)
    attempted_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["due_at", "pk"]
        indexes = [models.Index(fields=["due_at"], condition=models.Q(status="pending"), name="attempt_due")]
        constraints = [
            models.UniqueConstraint(fields=["alert", "step_number", "user", "contact_method"],
                                    condition=models.Q(alert__isnull=False), name="attempt_once_per_step"),
        ]
