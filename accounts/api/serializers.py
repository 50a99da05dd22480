from rest_framework import serializers

from config.api_fields import object_id

from ..models import Membership, Team, User


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
