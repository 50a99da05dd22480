"""The unified inbox: channels, contacts, conversations, messages, and what people do with them."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationOwnedModel


class Platform(models.TextChoices):
    X = "x", "X"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    MASTODON = "mastodon", "Mastodon"
    BLUESKY = "bluesky", "Bluesky"
    WEB = "web", _("Web (blogs, forums, press)")


# Longest public reply each platform accepts (characters), for the composer's live counter.
REPLY_LENGTH_LIMITS = {
    Platform.X: 280,
    Platform.FACEBOOK: 8000,
    Platform.INSTAGRAM: 2200,
    Platform.MASTODON: 500,
    Platform.BLUESKY: 300,
    Platform.WEB: 0,
}


class ChannelStatus(models.TextChoices):
    HEALTHY = "healthy", _("Healthy")
    # Keeps failing (server errors, timeouts): still polled, less often, until it answers again.
    DEGRADED = "degraded", _("Degraded")
    RATE_LIMITED = "rate_limited", _("Rate-limited")
    NEEDS_RECONNECT = "needs_reconnect", _("Needs reconnect")
    DISABLED = "disabled", _("Paused")


def new_webhook_token() -> str:
    """The secret part of a channel's webhook address: 256 random bits, so addresses cannot be
    enumerated or guessed the way sequential ids could."""
    return secrets.token_urlsafe(32)


class Channel(OrganizationOwnedModel):
    """A brand account connected on one platform (never a personal account)."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_account_id = models.CharField(max_length=128, help_text="The platform's id for the brand account")
    handle = models.CharField(max_length=128)
    display_name = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    status = models.CharField(max_length=20, choices=ChannelStatus.choices, default=ChannelStatus.HEALTHY)
    status_reason = models.TextField(blank=True)
    status_changed_at = models.DateTimeField(null=True, blank=True)
    credentials_encrypted = models.TextField(blank=True)
    # Non-secret connection settings: API base URL, page id, watch terms, feed URL...
    connection = models.JSONField(default=dict, blank=True)
    poll_cursor = models.JSONField(default=dict, blank=True)
    poll_interval_seconds = models.PositiveIntegerField(default=60)
    next_poll_at = models.DateTimeField(null=True, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    last_poll_error = models.TextField(blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    rate_limit_reset_at = models.DateTimeField(null=True, blank=True)
    confirmed_brand_account_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # The platform calls /webhooks/<platform>/<webhook_token>/: the address names no id.
    webhook_token = models.CharField(max_length=64, unique=True, default=new_webhook_token, editable=False)

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "platform", "external_account_id"], name="channel_once_per_organization"
            ),
            # A brand account belongs to one organization on an installation: another one reading its
            # mentions and answering in its voice would be unseen by the owner's double-reply guard.
            # Web monitoring is no platform account (its id is "web" everywhere).
            models.UniqueConstraint(
                fields=["platform", "external_account_id"], condition=~Q(platform="web"),
                name="channel_account_once_per_installation",
            ),
        ]
        indexes = [models.Index(fields=["next_poll_at"], name="channel_due_poll", condition=~Q(status="disabled"))]

    def __str__(self):
        return f"{self.get_platform_display()} {self.handle}"

    @property
    def reply_length_limit(self) -> int:
        return REPLY_LENGTH_LIMITS.get(self.platform, 0)


class Person(OrganizationOwnedModel):
    """One human behind several platform contacts, so a backup sees their whole history."""

    display_name = models.CharField(max_length=200)
    notes = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Contact(OrganizationOwnedModel):
    """An author on one platform."""

    platform = models.CharField(max_length=16, choices=Platform.choices)
    external_id = models.CharField(max_length=200)
    handle = models.CharField(max_length=200, blank=True)
    name = models.CharField(max_length=200, blank=True)
    avatar_url = models.URLField(max_length=500, blank=True)
    profile_url = models.URLField(max_length=500, blank=True)
    followers = models.PositiveIntegerField(default=0)
    verified = models.BooleanField(default=False)
    person = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts")
    notes = models.TextField(blank=True)
    first_seen_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "platform", "external_id"], name="contact_once_per_platform")
        ]
        indexes = [models.Index(fields=["organization", "person"], name="contact_person")]

    def __str__(self):
        return self.handle or self.name or self.external_id


SEARCH_TEXT_LIMIT = 20_000


class ConversationStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    PENDING = "pending", _("Pending")  # waiting for the customer
    SNOOZED = "snoozed", _("Snoozed")
    CLOSED = "closed", _("Closed")


ACTIVE_STATUSES = (ConversationStatus.NEW, ConversationStatus.OPEN)


class Priority(models.IntegerChoices):
    LOW = 0, _("Low")
    NORMAL = 1, _("Normal")
    HIGH = 2, _("High")
    URGENT = 3, _("Urgent")

    @classmethod
    def from_name(cls, name: str) -> Priority:
        try:
            return cls[name.upper()]
        except KeyError:
            raise ValueError(f"Unknown priority {name!r}: choose low, normal, high or urgent.") from None


class Tag(OrganizationOwnedModel):
    name = models.CharField(max_length=60)
    colour = models.CharField(max_length=7, default="#6e7781")

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="tag_name_unique")]

    def __str__(self):
        return self.name


class Conversation(OrganizationOwnedModel):
    """A public thread or a private-message thread with one person, on one channel."""

    # Every index of this table starts with the organization: no separate one (ingestion pays for each).
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+",
                                     db_index=False)
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="conversations")
    contact = models.ForeignKey(Contact, on_delete=models.PROTECT, related_name="conversations")
    # The platform's thread id (X conversation_id, Facebook post, "dm:<author>"...).
    thread_key = models.CharField(max_length=300)
    is_private = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=ConversationStatus.choices, default=ConversationStatus.NEW)
    snoozed_until = models.DateTimeField(null=True, blank=True)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="assigned_conversations"
    )
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="conversations")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, default=Priority.NORMAL)
    tags = models.ManyToManyField(Tag, through="ConversationTag", related_name="conversations", blank=True)
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.FloatField(default=0.0)  # of the latest inbound message, -1..1
    preview = models.CharField(max_length=280, blank=True)
    context_text = models.TextField(blank=True)  # the brand post commented on, a quoted post
    # What customers wrote in this conversation (first SEARCH_TEXT_LIMIT characters), appended by
    # ingestion: search finds conversations in one index instead of joining millions of messages.
    search_text = models.TextField(blank=True, default="")
    # French and English stems, accents folded (configurations vigie_fr / vigie_en, created by the
    # first migration), computed by PostgreSQL on write.
    search_vector = models.GeneratedField(
        expression=SearchVector("search_text", config="vigie_fr") + SearchVector("search_text", config="vigie_en"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    message_count = models.PositiveIntegerField(default=0)
    reach = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField()
    last_message_at = models.DateTimeField()
    last_inbound_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    # The first-response clock (inbox/sla.py: SlaClock.to_fields()).
    sla_target_seconds = models.PositiveIntegerField(null=True, blank=True)
    sla_started_at = models.DateTimeField(null=True, blank=True)
    sla_elapsed_seconds = models.FloatField(default=0.0)
    sla_running_since = models.DateTimeField(null=True, blank=True)
    sla_paused_at = models.DateTimeField(null=True, blank=True)
    sla_stopped_at = models.DateTimeField(null=True, blank=True)
    sla_due_at = models.DateTimeField(null=True, blank=True)
    sla_breached_at = models.DateTimeField(null=True, blank=True)
    # Set while the latest reply failed or may have been posted (its error code, see
    # inbox/tasks.py, and the platform's reason): the row and the "Failed sends" view show it
    # without reading messages. Kept by services/replies.py.
    reply_failure_code = models.CharField(max_length=40, blank=True, default="")
    reply_failure = models.CharField(max_length=500, blank=True, default="")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "channel", "thread_key"], name="conversation_per_thread")
        ]
        indexes = [
            # The inbox's default views: active conversations, newest first, optionally per person/team.
            models.Index(
                fields=["organization", "-last_message_at", "-id"], name="conv_active_recent",
                condition=Q(status__in=["new", "open"]),
            ),
            models.Index(
                fields=["organization", "assignee", "-last_message_at", "-id"], name="conv_active_assignee",
                condition=Q(status__in=["new", "open"]),
            ),
            models.Index(
                fields=["organization", "team", "-last_message_at", "-id"], name="conv_active_team",
                condition=Q(status__in=["new", "open"]),
            ),
            models.Index(
                fields=["organization", "-priority", "-last_message_at", "-id"], name="conv_active_priority",
                condition=Q(status__in=["new", "open"]),
            ),
            models.Index(fields=["organization", "status", "-last_message_at", "-id"], name="conv_status_recent"),
            models.Index(fields=["organization", "contact"], name="conv_contact"),
            # SLA sweep and "due soon / breached" filters.
            models.Index(
                fields=["sla_due_at"], name="conv_sla_running",
                condition=Q(sla_stopped_at__isnull=True, sla_paused_at__isnull=True, sla_due_at__isnull=False),
            ),
            models.Index(
                fields=["organization", "sla_due_at"], name="conv_sla_open",
                condition=Q(sla_stopped_at__isnull=True, sla_due_at__isnull=False),
            ),
            models.Index(fields=["snoozed_until"], name="conv_snoozed", condition=Q(status="snoozed")),
            models.Index(
                fields=["organization", "-last_message_at", "-id"], name="conv_reply_failed",
                condition=~Q(reply_failure_code=""),
            ),
            GinIndex(fields=["organization", "search_vector"], name="conversation_search"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.preview[:40]}"


class ConversationTag(OrganizationOwnedModel):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE)
    tag = models.ForeignKey(Tag, on_delete=models.CASCADE)

    class Meta(OrganizationOwnedModel.Meta):
        default_manager_name = "all_organizations"  # reached through conversation.tags only
        constraints = [models.UniqueConstraint(fields=["conversation", "tag"], name="conversation_tag_once")]
        indexes = [models.Index(fields=["organization", "tag", "conversation"], name="conversation_tag_by_tag")]


class Direction(models.TextChoices):
    INBOUND = "in", _("Inbound")
    OUTBOUND = "out", _("Outbound")


class MessageKind(models.TextChoices):
    MENTION = "mention", _("Mention")
    COMMENT = "comment", _("Comment")
    REPLY = "reply", _("Reply")
    PRIVATE_MESSAGE = "private_message", _("Private message")
    ARTICLE = "article", _("Article")


class DeliveryState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class Message(OrganizationOwnedModel):
    # Covered by the unique (organization, platform, external_id) and message_thread indexes: the
    # single-column ones would only slow ingestion down.
    organization = models.ForeignKey("accounts.Organization", on_delete=models.CASCADE, related_name="+",
                                     db_index=False)
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages", db_index=False)
    # Inbound: the channel it came in on. Outbound: the channel it is sent from.
    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="messages")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    kind = models.CharField(max_length=20, choices=MessageKind.choices)
    platform = models.CharField(max_length=16, choices=Platform.choices)
    # NULL (not "") until an outbound message is sent, so the uniqueness constraint ignores it.
    external_id = models.CharField(max_length=300, null=True, blank=True)  # noqa: DJ001
    parent_external_id = models.CharField(max_length=300, blank=True)
    is_private = models.BooleanField(default=False)
    text = models.TextField()
    # The author edited the post on the platform after it arrived (an X edit): `text` is the latest version.
    edited = models.BooleanField(default=False)
    url = models.URLField(max_length=500, blank=True)
    author_contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.PROTECT, related_name="messages")
    author_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()  # the platform's time for inbound, composing time for outbound
    received_at = models.DateTimeField(auto_now_add=True)
    language = models.CharField(max_length=8, blank=True)
    sentiment = models.FloatField(default=0.0)
    raw = models.JSONField(default=dict, blank=True)
    # Outbound delivery.
    state = models.CharField(max_length=10, choices=DeliveryState.choices, blank=True)
    idempotency_key = models.UUIDField(default=uuid.uuid4, editable=False)
    error = models.TextField(blank=True)
    error_code = models.CharField(max_length=40, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    send_started_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)


    class Meta(OrganizationOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "platform", "external_id"], name="message_once_per_platform",
                condition=Q(external_id__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["conversation", "author_user"], name="one_draft_per_person",
                condition=Q(state="draft"),
            ),
        ]
        indexes = [
            models.Index(fields=["conversation", "created_at"], name="message_thread"),
            models.Index(fields=["state"], name="message_outbox", condition=Q(state__in=["queued", "sending"])),
        ]


class Note(OrganizationOwnedModel):
    """An internal note on a conversation, never sent to the platform."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    text = models.TextField()
    mentioned_users = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta(OrganizationOwnedModel.Meta):
        indexes = [models.Index(fields=["conversation", "created_at"], name="note_thread")]


class ActivityVerb(models.TextChoices):
    CREATED = "created", _("started the conversation")
    REOPENED = "reopened", _("reopened")
    ASSIGNED = "assigned", _("assigned")
    UNASSIGNED = "unassigned", _("unassigned")
    STATUS_CHANGED = "status_changed", _("changed the status")
    SNOOZED = "snoozed", _("snoozed")
    TAGGED = "tagged", _("tagged")
    UNTAGGED = "untagged", _("removed a tag")
    PRIORITY_CHANGED = "priority_changed", _("changed the priority")
    ROUTED = "routed", _("routed")
    NOTED = "noted", _("added a note")
    REPLIED = "replied", _("replied")
    REPLY_SENT = "reply_sent", _("reply sent")
    REPLY_FAILED = "reply_failed", _("reply failed")
    SLA_BREACHED = "sla_breached", _("first-response target missed")
    ESCALATED = "escalated", _("escalated")


class Activity(OrganizationOwnedModel):
    """What happened to a conversation, who did it and when: the history a backup reads."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="activities",
                                     db_index=False)  # covered by activity_thread
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    verb = models.CharField(max_length=20, choices=ActivityVerb.choices)
    data = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        indexes = [models.Index(fields=["conversation", "created_at"], name="activity_thread")]


class SlaBreach(OrganizationOwnedModel):
    """A missed first-response target: recorded once, for alerts and reports."""

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="sla_breaches")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices)
    due_at = models.DateTimeField()
    breached_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["conversation", "due_at"], name="breach_once_per_clock")]


class SavedView(OrganizationOwnedModel):
    """A named set of inbox filters, personal (owner set) or shared with the organization."""

    name = models.CharField(max_length=80)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    filters = models.JSONField(default=dict)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["position", "name"]


class RoutingRule(OrganizationOwnedModel):
    """When an incoming conversation matches the conditions, set its team, tags and priority.

    conditions: {"channels": [ids], "keywords": [...], "languages": ["fr"], "sentiment_below": -0.3,
                 "min_followers": 10000, "kinds": ["private_message"]}  (all given must match)
    """

    name = models.CharField(max_length=120)
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)
    conditions = models.JSONField(default=dict)
    team = models.ForeignKey("accounts.Team", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    tags = models.ManyToManyField(Tag, blank=True, related_name="+")
    priority = models.PositiveSmallIntegerField(choices=Priority.choices, null=True, blank=True)
    stop_processing = models.BooleanField(default=False)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["position", "id"]


class InboxSettings(OrganizationOwnedModel):
    """Per organization: first-response targets, business hours and time zone (inbox/sla.py)."""

    organization = models.OneToOneField("accounts.Organization", on_delete=models.CASCADE, related_name="inbox_settings")
    sla_policy = models.JSONField(default=dict, blank=True)
    watch_terms = models.JSONField(default=list, blank=True)


class DeadLetter(OrganizationOwnedModel):
    """A platform item that could not be ingested, kept with the reason and replayable.

    One per item and channel: a poll that fetches the same unparsable item again counts it
    (`times_seen`, `last_seen_at`) instead of adding a new one."""

    channel = models.ForeignKey(Channel, null=True, on_delete=models.SET_NULL, related_name="dead_letters")
    # The platform's id for the item when the payload has one, else a digest of the payload.
    item_key = models.CharField(max_length=300)
    payload = models.JSONField()
    reason = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)
    times_seen = models.PositiveIntegerField(default=1)
    last_seen_at = models.DateTimeField(default=timezone.now)
    replayed_at = models.DateTimeField(null=True, blank=True)
    replay_error = models.TextField(blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [
            models.UniqueConstraint(fields=["organization", "channel", "item_key"], name="dead_letter_once_per_item"),
        ]
        indexes = [models.Index(fields=["organization", "-last_seen_at"], name="dead_letter_recent")]


class WebhookDelivery(OrganizationOwnedModel):
    """A verified webhook delivery, written before the platform gets its 200 and ingested from here
    by a worker (inbox.tasks.ingest_webhook_delivery). If the task is lost (Redis down between the
    commit and the enqueue, a worker killed), the sweep finds the row still unprocessed and enqueues
    it again: acknowledged means stored, never merely queued."""

    channel = models.ForeignKey(Channel, on_delete=models.CASCADE, related_name="webhook_deliveries")
    # The raw signed body, as received: bytea keeps every byte the platform sent.
    body = models.BinaryField()
    received_at = models.DateTimeField(auto_now_add=True)
    # When the sweep last handed it to a worker: a backlog is not flooded with copies of its tasks.
    swept_at = models.DateTimeField(null=True, blank=True)
    # Ingested, or given up after too many attempts (then kept as a dead letter).
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        indexes = [models.Index(fields=["received_at"], name="webhook_delivery_waiting",
                                condition=Q(processed_at__isnull=True))]
