"""Detection: watch topics, their mutes, the organization's sensitivity and per-minute counters."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.scoping import OrganizationOwnedModel


class WatchTopic(OrganizationOwnedModel):
    """What the desk watches besides the organization overall: a mention matches when its text
    holds one of the terms (case-folded), or its routing tagged it, or it came on one of the channels."""

    name = models.CharField(_("name"), max_length=80)
    terms = models.JSONField(default=list, blank=True)
    tag_ids = models.JSONField(default=list, blank=True)
    channel_ids = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="crisis_watchtopic_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class TopicMute(OrganizationOwnedModel):
    """A false alarm muted for a period: no alert for the topic (or, topic empty, overall) until `until`."""

    topic = models.ForeignKey(WatchTopic, null=True, blank=True, on_delete=models.CASCADE, related_name="mutes")
    reason = models.CharField(_("reason"), max_length=300)
    until = models.DateTimeField(_("until"))
    muted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField()

    class Meta(OrganizationOwnedModel.Meta):
        indexes = [models.Index(fields=["organization", "until"], name="crisis_mute_until")]


class DetectorSettings(OrganizationOwnedModel):
    """Sensitivity: a multiplier on the detector's thresholds (2.0 fewer alerts, 0.5 more)."""

    sensitivity = models.FloatField(default=1.0)

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["organization"], name="crisis_detectorsettings_one")]


class MentionBucket(OrganizationOwnedModel):
    """Mentions of one minute for a topic (topic_id 0: the organization overall), upserted by ingestion.

    In PostgreSQL, not Redis: the detector must keep counting through the storm it detects and
    survive a Redis loss. topic_id is a plain integer (not a key) so that 0 can mean overall
    under one unique constraint, and deleting a topic leaves its history harmlessly behind.
    """

    topic_id = models.IntegerField(default=0)
    minute = models.DateTimeField()
    mentions = models.IntegerField(default=0)
    negative = models.IntegerField(default=0)
    reach = models.BigIntegerField(default=0)
    # Re-shares (retweets, quotes, boosts) the platform counted on these mentions when they were
    # fetched: how fast a storm spreads, where the platform tells it (see IngestedMention.reshares).
    reshares = models.BigIntegerField(default=0, db_default=0)

    class Meta(OrganizationOwnedModel.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "topic_id", "minute"],
                                               name="crisis_mentionbucket_unique_minute")]
