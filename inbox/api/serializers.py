"""Input and output shapes of the inbox API (separate, per the house style)."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.api.serializers import UserOutputSerializer
from accounts.models import Team
from accounts.tenancy import OrganizationRelatedField
from config.api_fields import JSONObjectField, column_integer, object_id

from ..models import (
    Activity,
    Channel,
    Contact,
    Conversation,
    ConversationStatus,
    DeadLetter,
    Message,
    Note,
    Priority,
    RoutingRule,
    SavedView,
    Tag,
)


@extend_schema_field({"type": "string", "enum": ["low", "normal", "high", "urgent"]})
class PriorityField(serializers.Field):
    """Priorities travel as words: low, normal, high, urgent."""

    def to_representation(self, value):
        return Priority(value).name.lower()

    def to_internal_value(self, data):
        try:
            return Priority.from_name(str(data)).value
        except ValueError as error:
            raise serializers.ValidationError(str(error)) from None


class ChannelSummarySerializer(serializers.ModelSerializer):
    reply_length_limit = serializers.IntegerField(read_only=True)

    class Meta:
        model = Channel
        fields = ["id", "platform", "handle", "display_name", "avatar_url", "status", "reply_length_limit"]


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = ["id", "platform", "external_id", "handle", "name", "avatar_url", "profile_url", "followers",
                  "verified", "person_id", "notes"]


class TagSerializer(serializers.ModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "colour"]


class ConversationListSerializer(serializers.ModelSerializer):
    channel = ChannelSummarySerializer()
    contact = ContactSerializer()
    assignee = UserOutputSerializer(allow_null=True)
    team = serializers.SerializerMethodField()
    tags = serializers.SerializerMethodField()
    priority = PriorityField()

    class Meta:
        model = Conversation
        fields = ["id", "channel", "contact", "is_private", "status", "snoozed_until", "assignee", "team", "priority",
                  "tags", "language", "sentiment", "preview", "message_count", "reach", "created_at",
                  "last_message_at", "first_response_at", "sla_due_at", "sla_paused_at", "sla_stopped_at",
                  "sla_breached_at", "reply_failure_code"]
        extra_kwargs = {"reply_failure_code": {
            "help_text": "Set while the latest reply failed or may have been posted (maybe_sent, needs_reconnect, "
                         "channel_paused, credentials, unavailable, or the platform's refusal code); empty otherwise. "
                         "List them with ?delivery=failed&status=all."}}

    def get_team(self, conversation) -> dict | None:
        return {"id": conversation.team_id, "name": conversation.team.name} if conversation.team_id else None

    def get_tags(self, conversation) -> list[str]:
        return [tag.name for tag in conversation.tags.all()]


class MessageSerializer(serializers.ModelSerializer):
    author_contact = ContactSerializer(allow_null=True)
    author_user = UserOutputSerializer(allow_null=True)
    channel = ChannelSummarySerializer()

    class Meta:
        model = Message
        fields = ["id", "direction", "kind", "platform", "external_id", "parent_external_id", "is_private", "text", "edited",
                  "url", "author_contact", "author_user", "channel", "created_at", "language", "sentiment", "state",
                  "error", "error_code", "attempts", "sent_at"]


class NoteSerializer(serializers.ModelSerializer):
    author = UserOutputSerializer(allow_null=True)

    class Meta:
        model = Note
        fields = ["id", "author", "text", "created_at"]


class ActivitySerializer(serializers.ModelSerializer):
    actor = UserOutputSerializer(allow_null=True)

    class Meta:
        model = Activity
        fields = ["id", "actor", "verb", "data", "created_at"]


class ConversationDetailSerializer(ConversationListSerializer):
    messages = MessageSerializer(many=True)
    notes = NoteSerializer(many=True)
    activities = ActivitySerializer(many=True)
    context_text = serializers.CharField()
    other_conversations = serializers.SerializerMethodField()

    class Meta(ConversationListSerializer.Meta):
        fields = [*ConversationListSerializer.Meta.fields, "context_text", "messages", "notes", "activities",
                  "other_conversations"]

    def get_other_conversations(self, conversation) -> list[dict]:
        return [
            {"id": c.pk, "channel": c.channel.handle, "platform": c.channel.platform, "status": c.status,
             "preview": c.preview, "last_message_at": c.last_message_at}
            for c in self.context.get("history", [])
        ]


class AssignInputSerializer(serializers.Serializer):
    assignee_id = object_id(allow_null=True)


class StatusInputSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=ConversationStatus.choices)
    snoozed_until = serializers.DateTimeField(required=False, allow_null=True)


class TagInputSerializer(serializers.Serializer):
    add = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)
    remove = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)


class PriorityInputSerializer(serializers.Serializer):
    priority = PriorityField()


class ConversationTeamInputSerializer(serializers.Serializer):
    team_id = OrganizationRelatedField(model=Team, allow_null=True)


class NoteInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000)


class ReplyInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000, trim_whitespace=True)
    channel_id = OrganizationRelatedField(model=Channel, required=False, allow_null=True)
    is_private = serializers.BooleanField(required=False, allow_null=True, default=None)
    confirm_other_channel = serializers.BooleanField(default=False)
    seen_up_to_message_id = object_id(required=False, allow_null=True)
    confirm_after_other_reply = serializers.BooleanField(default=False)
    guidance = serializers.DictField(required=False, help_text=(
        "How the reply was written, for the response guides: template (id), guide_version (id), "
        "override_reason (to send despite warnings)"))


class DraftInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000, allow_blank=True, trim_whitespace=False)
    channel_id = OrganizationRelatedField(model=Channel, required=False, allow_null=True)
    is_private = serializers.BooleanField(required=False, allow_null=True, default=None)


class BulkInputSerializer(serializers.Serializer):
    ids = serializers.ListField(child=object_id(), required=False, max_length=10_000)
    filter = JSONObjectField(required=False, help_text="Inbox filters, as in the list's query parameters")
    action = serializers.ChoiceField(choices=["assign", "unassign", "status", "snooze", "priority", "tag", "untag", "team"])
    assignee_id = object_id(required=False, allow_null=True)
    status = serializers.ChoiceField(choices=ConversationStatus.choices, required=False)
    snoozed_until = serializers.DateTimeField(required=False)
    priority = PriorityField(required=False)
    tags = serializers.ListField(child=serializers.CharField(max_length=60), required=False, default=list)
    team_id = OrganizationRelatedField(model=Team, required=False, allow_null=True)

    def validate(self, data):
        if not data.get("ids") and data.get("filter") is None:
            raise serializers.ValidationError(_("Give the conversation ids, or a filter to act on everything it matches."))
        return data


class SavedViewSerializer(serializers.ModelSerializer):
    filters = JSONObjectField(required=False, default=dict)
    shared = serializers.BooleanField(write_only=True, default=False)
    is_shared = serializers.SerializerMethodField()

    class Meta:
        model = SavedView
        fields = ["id", "name", "filters", "position", "shared", "is_shared"]

    def get_is_shared(self, view) -> bool:
        return view.owner_id is None


class DeadLetterSerializer(serializers.ModelSerializer):
    channel = serializers.CharField(source="channel.handle", default=None)

    class Meta:
        model = DeadLetter
        fields = ["id", "channel", "item_key", "payload", "reason", "created_at", "times_seen", "last_seen_at",
                  "replayed_at", "replay_error"]


class InboxSettingsSerializer(serializers.Serializer):
    sla_policy = JSONObjectField(required=False, help_text=(
        '{"time_zone": "Europe/Paris", "targets_minutes": {"urgent": 30, "high": 60, "normal": 120, "low": 480}, '
        '"business_hours": {"mon": [["09:00", "12:30"], ["13:30", "18:00"]], ..., "holidays": ["2026-12-25"]}} '
        '— hours and holidays in the organization\'s time zone; empty hours: 24/7'))
    watch_terms = serializers.ListField(child=serializers.CharField(max_length=100), required=False)


class RoutingRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120)
    position = column_integer(RoutingRule, "position", min_value=0, default=0)
    is_active = serializers.BooleanField(default=True)
    conditions = JSONObjectField(default=dict, help_text=(
        '{"channels": [ids], "keywords": [...], "languages": ["fr"], "sentiment_below": -0.3, '
        '"min_followers": 10000, "kinds": ["private_message"]} — every condition given must match'))
    team_id = OrganizationRelatedField(model=Team, source="team", allow_null=True, required=False)
    tag_ids = OrganizationRelatedField(model=Tag, source="tags", many=True, required=False)
    priority = PriorityField(allow_null=True, required=False)
    stop_processing = serializers.BooleanField(default=False)


class RoutingPreviewInputSerializer(serializers.Serializer):
    conditions = serializers.JSONField(help_text="The conditions of a rule, as in routing-rules.")


class RoutingPreviewSerializer(serializers.Serializer):
    examined = serializers.IntegerField(help_text="How many recent conversations were looked at (at most 200).")
    matched_conversation_ids = serializers.ListField(child=serializers.IntegerField())


class ContactLinkInputSerializer(serializers.Serializer):
    other_contact_id = OrganizationRelatedField(model=Contact)
    display_name = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
