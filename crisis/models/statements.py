"""Holding statements: drafted from the guides' crisis templates, approved four-eyes, published on channels.

Every version and every decision is a row that is never rewritten: a revision adds a version (whose
approvals start empty), an approval or a rejection adds a row for that version. A publication is one
row per statement and channel (unique), the fence that keeps a retry or a second click from posting
twice.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationOwnedModel


class StatementStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    APPROVED = "approved", _("Approved")
    PUBLISHED = "published", _("Published")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class Statement(OrganizationOwnedModel):
    crisis = models.ForeignKey("crisis.Crisis", on_delete=models.CASCADE, related_name="statements")
    title = models.CharField(_("title"), max_length=200)
    # The inbox's channel ids to publish on (the inbox's rows: ids only, read through its selectors).
    channel_ids = models.JSONField(default=list, blank=True)
    status = models.CharField(max_length=12, choices=StatementStatus.choices, default=StatementStatus.DRAFT)
    current_version = models.PositiveIntegerField(default=1)  # the number of the version under review
    template_name = models.CharField(max_length=200, blank=True)  # the guide template it started from
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    approved_at = models.DateTimeField(null=True, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["organization", "crisis", "status"], name="statement_crisis_status")]

    def __str__(self) -> str:
        return self.title


class StatementVersion(OrganizationOwnedModel):
    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    text = models.TextField(_("text"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+")
    created_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["statement", "number"]
        constraints = [models.UniqueConstraint(fields=["statement", "number"], name="statement_version_number_once")]


class ApprovalDecision(models.TextChoices):
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class StatementApproval(OrganizationOwnedModel):
    """One approver's decision on one version. A new version starts with none."""

    version = models.ForeignKey(StatementVersion, on_delete=models.CASCADE, related_name="approvals")
    approver = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    decision = models.CharField(max_length=10, choices=ApprovalDecision.choices)
    reason = models.TextField(blank=True)
    # Whether this approver counted as the executive sign-off (their role when they decided).
    as_executive = models.BooleanField(default=False)
    at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["version", "at", "pk"]
        constraints = [models.UniqueConstraint(fields=["version", "approver"], name="statement_approval_once")]


class PublicationState(models.TextChoices):
    PENDING = "pending", _("Waiting to be posted")
    POSTING = "posting", _("Posting")
    POSTED = "posted", _("Posted")
    FAILED = "failed", _("Failed")


class StatementPublication(OrganizationOwnedModel):
    """The statement on one channel. POSTING is committed before the platform is called: a second
    delivery that finds it never posts blindly (see crisis.services.statement_publications)."""

    statement = models.ForeignKey(Statement, on_delete=models.CASCADE, related_name="publications")
    channel_id = models.PositiveBigIntegerField()
    channel_label = models.CharField(max_length=200, blank=True)  # "X @AirDemo", kept for history
    version = models.PositiveIntegerField()
    text = models.TextField()  # exactly what is posted (variables filled)
    state = models.CharField(max_length=10, choices=PublicationState.choices, default=PublicationState.PENDING)
    # Sent as the platform's idempotency key where it honours one (Mastodon).
    key = models.UUIDField(default=uuid.uuid4, editable=False)
    external_id = models.CharField(max_length=200, blank=True)
    url = models.URLField(max_length=500, blank=True)
    pinned = models.BooleanField(default=False)
    pin_note = models.CharField(max_length=500, blank=True)  # why it is not pinned, in the platform's words
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    # The platform may have taken the post without answering: the next delivery looks it up first.
    outcome_unknown = models.BooleanField(default=False)
    attempts = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(null=True, blank=True)
    posted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["statement", "pk"]
        constraints = [models.UniqueConstraint(fields=["statement", "channel_id"],
                                               name="statement_publication_once_per_channel")]
