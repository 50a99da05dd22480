"""Storm clusters and the replies that answer a whole cluster, one person at a time.

A cluster is a question many people asked during a crisis (crisis/clustering.py decides who asked the
same thing). A cluster reply is one answer written once and sent to each of them, personalised,
through the inbox's exactly-once send; its items are the people, one row each, so that a worker
killed half-way resumes where it stopped and nobody is answered twice.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationOwnedModel


class StormCluster(OrganizationOwnedModel):
    crisis = models.ForeignKey("crisis.Crisis", on_delete=models.CASCADE, related_name="clusters")
    # The first mention's text: what the cluster is shown as (its representative).
    label = models.CharField(_("representative text"), max_length=500)
    language = models.CharField(max_length=5)
    # The representative's content words (clustering.features): new mentions are compared to them.
    words = models.JSONField(default=list)
    # Its LSH buckets (clustering.band_keys): a new mention's candidates are the clusters sharing one.
    band_keys = ArrayField(models.BigIntegerField(), default=list)
    count = models.PositiveIntegerField(default=0)  # people (conversations) in the cluster
    created_at = models.DateTimeField()
    last_mention_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-count", "created_at", "pk"]
        indexes = [
            models.Index(fields=["organization", "crisis", "-count"], name="storm_cluster_by_count"),
            GinIndex(fields=["band_keys"], name="storm_cluster_buckets"),
        ]

    def __str__(self) -> str:
        return self.label


class ClusterMention(OrganizationOwnedModel):
    """A person in a cluster: their conversation in the inbox, the post that asked, and how to greet them."""

    crisis = models.ForeignKey("crisis.Crisis", on_delete=models.CASCADE, related_name="+")
    cluster = models.ForeignKey(StormCluster, on_delete=models.CASCADE, related_name="mentions")
    conversation_id = models.BigIntegerField()  # an inbox conversation, reached through inbox selectors only
    external_id = models.CharField(max_length=300, blank=True)  # the platform's id of the post that asked
    channel_id = models.BigIntegerField()
    author_handle = models.CharField(max_length=200, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["cluster", "created_at", "pk"]
        constraints = [
            # A conversation belongs to one cluster per crisis: its first question decides.
            models.UniqueConstraint(fields=["crisis", "conversation_id"], name="cluster_mention_once_per_crisis"),
        ]


class ClusterReplyStatus(models.TextChoices):
    RUNNING = "running", _("Sending")
    FINISHED = "finished", _("Finished")


class ClusterReply(OrganizationOwnedModel):
    crisis = models.ForeignKey("crisis.Crisis", on_delete=models.CASCADE, related_name="cluster_replies")
    cluster = models.ForeignKey(StormCluster, on_delete=models.CASCADE, related_name="replies")
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("answer"))  # with {first_name} / {handle} placeholders
    # What the composer says about the text (template key and guide version): the guides read it.
    guidance = models.JSONField(default=dict, blank=True)
    status = models.CharField(max_length=10, choices=ClusterReplyStatus.choices, default=ClusterReplyStatus.RUNNING)
    total = models.PositiveIntegerField(default=0)
    queued = models.PositiveIntegerField(default=0)  # handed to the inbox's send, outcome not known yet
    sent = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["-started_at", "-pk"]
        indexes = [models.Index(fields=["status", "started_at"], name="cluster_reply_running")]


class ItemState(models.TextChoices):
    PENDING = "pending", _("Waiting")
    QUEUED = "queued", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")


class ClusterReplyItem(OrganizationOwnedModel):
    """One person of a cluster reply. PENDING -> QUEUED commits with the inbox reply it creates, in one
    transaction: a crash before leaves it PENDING (nothing sent), after leaves it QUEUED with the
    reply's id (the inbox's send takes it from there, exactly once)."""

    reply = models.ForeignKey(ClusterReply, on_delete=models.CASCADE, related_name="items")
    conversation_id = models.BigIntegerField()
    channel_id = models.BigIntegerField()
    platform = models.CharField(max_length=20, blank=True)
    author_handle = models.CharField(max_length=200, blank=True)
    author_name = models.CharField(max_length=200, blank=True)
    state = models.CharField(max_length=10, choices=ItemState.choices, default=ItemState.PENDING)
    message_id = models.BigIntegerField(null=True, blank=True)  # the inbox reply, shown in the conversation
    error = models.TextField(blank=True)
    queued_at = models.DateTimeField(null=True, blank=True)
    settled_at = models.DateTimeField(null=True, blank=True)

    class Meta(OrganizationOwnedModel.Meta):
        ordering = ["reply", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["reply", "conversation_id"], name="cluster_reply_item_once"),
        ]
        indexes = [
            models.Index(fields=["reply", "state"], name="cluster_reply_item_state"),
            # The pace is read per sending account: what left it recently.
            models.Index(fields=["channel_id", "queued_at"], name="cluster_reply_item_pace"),
        ]
