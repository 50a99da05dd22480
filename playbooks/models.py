"""Response guides: what may be said (guides, templates), how (linter rules), with whose approval
(the autonomy perimeter, the approval queue), and what each reply was decided on (reply records).

Guides are versioned as whole snapshots (`GuideVersion.content`): a published version never
changes, a diff compares two snapshots, a rollback publishes a copy of an older one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationOwnedModel


class Severity(models.TextChoices):
    BLOCK = "block", _("Block")
    WARN = "warn", _("Warn")


class LintRuleKind(models.TextChoices):
    BUILT_IN = "built_in", _("Built-in")
    FORBIDDEN = "forbidden", _("Forbidden words or phrases")
    REGEX = "regex", _("Regular expression")
    REQUIRED = "required", _("Required mention")


class Visibility(models.TextChoices):
    ANY = "any", _("Public and private")
    PUBLIC = "public", _("Public replies")
    PRIVATE = "private", _("Private messages")


class LintRule(OrganizationOwnedModel):
    """A built-in rule's settings for the organization (code set), or one of its own rules."""

    kind = models.CharField(max_length=12, choices=LintRuleKind.choices)
    code = models.CharField(max_length=40, blank=True)  # built-ins: personal_data_request, length...
    name = models.CharField(max_length=80, blank=True)
    pattern = models.TextField(blank=True)
    severity = models.CharField(max_length=5, choices=Severity.choices, default=Severity.WARN)
    enabled = models.BooleanField(default=True)
    visibility = models.CharField(max_length=8, choices=Visibility.choices, default=Visibility.ANY)
    message = models.CharField(max_length=300, blank=True)
    options = models.JSONField(default=dict, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["kind", "code", "name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "code"], name="lint_built_in_once",
                                    condition=Q(kind="built_in")),
            models.UniqueConstraint(fields=["organization", "name"], name="lint_rule_name_unique",
                                    condition=~Q(kind="built_in")),
        ]


class Guide(OrganizationOwnedModel):
    name = models.CharField(max_length=120)
    description = models.CharField(max_length=300, blank=True)
    published_version = models.ForeignKey("GuideVersion", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="guide_name_unique")]

    def __str__(self):
        return self.name


class VersionStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")
    RETIRED = "retired", _("Previously published")


class GuideVersion(OrganizationOwnedModel):
    """One snapshot of a guide: its scenarios, triggers, guidance, templates and sources."""

    guide = models.ForeignKey(Guide, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=VersionStatus.choices, default=VersionStatus.DRAFT)
    content = models.JSONField(default=dict)
    note = models.CharField(max_length=300, blank=True)
    based_on = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    submitted_at = models.DateTimeField(null=True, blank=True)
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["guide", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["guide", "number"], name="guide_version_number_once"),
            models.UniqueConstraint(fields=["guide"], name="guide_one_published_version",
                                    condition=Q(status="published")),
        ]

    def __str__(self):
        return f"{self.guide.name} v{self.number}"


class Outcome(models.TextChoices):
    APPROVAL = "approval", _("Needs approval")
    SEND = "send", _("Goes out at once")


class PerimeterRule(OrganizationOwnedModel):
    """Which replies need an approver: the first active rule that matches decides.

    conditions (all given must match): {"scenarios": [keys], "tags": [...], "priority_at_least": 2,
    "min_followers": 10000, "sentiment": "negative", "crisis_mode": true, "free_text": true,
    "platforms": ["x"], "visibility": "public", "author_roles": ["agent"], "author_days_at_most": 90}
    """

    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    conditions = models.JSONField(default=dict)
    outcome = models.CharField(max_length=10, choices=Outcome.choices, default=Outcome.APPROVAL)
    approver_role = models.CharField(max_length=16, default="lead")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["position", "id"]

    def __str__(self):
        return self.name


class ApprovalStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for approval")
    APPROVED = "approved", _("Approved and sent")
    REJECTED = "rejected", _("Rejected")


class ReplyApproval(OrganizationOwnedModel):
    """A reply the perimeter held for an approver: nothing exists on the inbox side until approved."""

    conversation = models.ForeignKey("inbox.Conversation", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("inbox.Channel", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    is_private = models.BooleanField(default=False)
    confirm_other_channel = models.BooleanField(default=False)
    text = models.TextField()
    original_text = models.TextField()
    rule = models.ForeignKey(PerimeterRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule_name = models.CharField(max_length=120)
    approver_role = models.CharField(max_length=16, default="lead")
    findings = models.JSONField(default=list, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    guide_version = models.ForeignKey(GuideVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template_key = models.CharField(max_length=120, blank=True)
    status = models.CharField(max_length=10, choices=ApprovalStatus.choices, default=ApprovalStatus.PENDING)
    # An approver's edit needs another approver: who edited, and the text before the edit.
    edited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)
    message_id = models.BigIntegerField(null=True, blank=True)  # the inbox message once approved
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        indexes = [models.Index(fields=["organization", "status", "created_at"], name="approval_queue")]
        constraints = [models.UniqueConstraint(fields=["organization", "message_id"], name="approval_sent_once",
                                               condition=Q(message_id__isnull=False))]


class ReplyRecord(OrganizationOwnedModel):
    """What each queued reply was decided on: guide version, template, deciding rule, findings."""

    message_id = models.BigIntegerField()
    conversation = models.ForeignKey("inbox.Conversation", on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    guide_version = models.ForeignKey(GuideVersion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    template_key = models.CharField(max_length=120, blank=True)
    unmodified_template = models.BooleanField(default=False)
    rule = models.ForeignKey(PerimeterRule, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    rule_name = models.CharField(max_length=120)
    findings = models.JSONField(default=list, blank=True)
    override_reason = models.CharField(max_length=500, blank=True)
    approval = models.ForeignKey(ReplyApproval, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "message_id"], name="reply_record_once")]


class TrainingSet(OrganizationOwnedModel):
    """Recorded mentions to practise on: built from the demo texts, or exported (masked) from real
    closed conversations. items: [{"text", "platform", "language", "handle", "name", "followers",
    "priority", "sentiment", "tags"}]."""

    name = models.CharField(max_length=120)
    source = models.CharField(max_length=10)  # demo | export
    items = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-created_at"]


class TrainingSession(OrganizationOwnedModel):
    """One agent answering a training set: the linter and the perimeter run, nothing is sent."""

    training_set = models.ForeignKey(TrainingSet, on_delete=models.CASCADE, related_name="sessions")
    agent = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)


class TrainingAnswer(OrganizationOwnedModel):
    session = models.ForeignKey(TrainingSession, on_delete=models.CASCADE, related_name="answers")
    position = models.PositiveSmallIntegerField()
    text = models.TextField()
    visibility = models.CharField(max_length=8, default="public")
    findings = models.JSONField(default=list, blank=True)
    blocked = models.BooleanField(default=False)
    needs_approval = models.BooleanField(default=False)
    rule_name = models.CharField(max_length=120, blank=True)
    seconds = models.FloatField(default=0.0)  # from the mention shown to the answer given
    answered_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["session", "position"], name="training_answer_once")]
