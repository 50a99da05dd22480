from rest_framework import serializers

from accounts.tenancy import OrganizationRelatedField
from inbox.models import Channel, Conversation

from ..models import Guide, GuideVersion, LintRule, PerimeterRule, ReplyApproval, ReplyRecord, Severity


class LintInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000, allow_blank=True, trim_whitespace=False)
    channel = OrganizationRelatedField(model=Channel)
    visibility = serializers.ChoiceField(choices=["public", "private"])
    conversation = OrganizationRelatedField(model=Conversation, required=False, allow_null=True)


class FindingSerializer(serializers.Serializer):
    rule = serializers.CharField()
    severity = serializers.ChoiceField(choices=Severity.choices)
    message = serializers.CharField()
    suggestion = serializers.CharField(allow_blank=True)
    start = serializers.IntegerField()
    end = serializers.IntegerField()


class LintOutputSerializer(serializers.Serializer):
    findings = FindingSerializer(many=True)


class BuiltInRuleSerializer(serializers.Serializer):
    code = serializers.CharField()
    enabled = serializers.BooleanField(required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)
    options = serializers.DictField(required=False)


class LintRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = LintRule
        fields = ["id", "kind", "name", "pattern", "severity", "enabled", "visibility", "message", "updated_at"]
        read_only_fields = ["id", "updated_at"]
        extra_kwargs = {"kind": {"choices": ["forbidden", "regex", "required"]}}


class GuideVersionSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="created_by.display_name", default=None, read_only=True)
    published_by = serializers.CharField(source="published_by.display_name", default=None, read_only=True)

    class Meta:
        model = GuideVersion
        fields = ["id", "guide", "number", "status", "note", "content", "based_on", "created_by", "created_at",
                  "submitted_at", "published_by", "published_at"]
        read_only_fields = fields


class GuideSerializer(serializers.ModelSerializer):
    published_version = GuideVersionSerializer(read_only=True)

    class Meta:
        model = Guide
        fields = ["id", "name", "description", "published_version", "created_at"]
        read_only_fields = ["id", "published_version", "created_at"]


class GuideInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    content = serializers.JSONField(required=False)


class GuideDraftInputSerializer(serializers.Serializer):
    content = serializers.JSONField()
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class PerimeterRuleSerializer(serializers.ModelSerializer):
    class Meta:
        model = PerimeterRule
        fields = ["id", "name", "position", "is_active", "conditions", "outcome", "approver_role"]
        read_only_fields = ["id"]


class ApprovalSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", read_only=True)
    edited_by = serializers.CharField(source="edited_by.display_name", default=None, read_only=True)
    decided_by = serializers.CharField(source="decided_by.display_name", default=None, read_only=True)

    class Meta:
        model = ReplyApproval
        fields = ["id", "conversation", "channel", "author", "is_private", "text", "original_text", "rule_name",
                  "approver_role", "findings", "override_reason", "template_key", "guide_version", "status",
                  "edited_by", "decided_by", "decided_at", "comment", "message_id", "created_at"]
        read_only_fields = fields


class ApproveInputSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=10_000, required=False, allow_blank=True,
                                 help_text="A changed text: kept as an edit that another approver must approve")


class RejectInputSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=2000)


class ReplyRecordSerializer(serializers.ModelSerializer):
    author = serializers.CharField(source="author.display_name", default=None, read_only=True)
    guide_version_number = serializers.IntegerField(source="guide_version.number", default=None, read_only=True)

    class Meta:
        model = ReplyRecord
        fields = ["message_id", "conversation", "author", "guide_version", "guide_version_number", "template_key",
                  "unmodified_template", "rule_name", "findings", "override_reason", "approval", "created_at"]
        read_only_fields = fields
