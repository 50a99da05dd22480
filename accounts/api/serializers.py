from rest_framework import serializers

from config.api_fields import object_id

from ..models import ApiToken, Invitation, Membership, Team, User
from ..roles import Role


class UserOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "email", "full_name", "display_name", "initials"]


class MembershipOutputSerializer(serializers.ModelSerializer):
    user = UserOutputSerializer()

    class Meta:
        model = Membership
        fields = ["id", "user", "role"]


class TeamOutputSerializer(serializers.ModelSerializer):
    members = UserOutputSerializer(many=True)

    class Meta:
        model = Team
        fields = ["id", "name", "description", "members"]


class TeamInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    member_ids = serializers.ListField(child=object_id(), required=False, default=list, max_length=10_000)


class OrganizationSummarySerializer(serializers.Serializer):
    slug = serializers.CharField(source="organization.slug")
    name = serializers.CharField(source="organization.name")
    brand_colour = serializers.CharField(source="organization.brand_colour")
    role = serializers.CharField()


class MembershipRoleInputSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class MemberRemovedSerializer(serializers.Serializer):
    returned_conversations = serializers.IntegerField(help_text="Open conversations handed back to their team.")


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = ["id", "email", "role", "created_at", "expires_at"]
        read_only_fields = ["id", "created_at", "expires_at"]


class ApiTokenSerializer(serializers.ModelSerializer):
    created_by = serializers.CharField(source="user.display_name", read_only=True)

    class Meta:
        model = ApiToken
        fields = ["id", "name", "role", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
        read_only_fields = ["id", "prefix", "created_by", "created_at", "last_used_at", "revoked_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    key = serializers.CharField(read_only=True, help_text="Shown in this answer only: it is not stored.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "key"]
