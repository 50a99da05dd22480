"""Input and output shapes of the on-call API. Inputs are parsed here, decided in services."""

from __future__ import annotations

from rest_framework import serializers

from accounts.models import Team
from accounts.tenancy import OrganizationRelatedField

from ..models import (
    Alert,
    AlertSeverity,
    AlertSource,
    ContactMethod,
    ContactMethodKind,
    EscalationPolicy,
    Rota,
    ShiftUnit,
)


class PersonSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    name = serializers.CharField(source="display_name")


class LayerInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False, allow_blank=True, default="")
    member_ids = serializers.ListField(child=serializers.IntegerField(), allow_empty=True)
    starts_on = serializers.DateField()
    handoff_time = serializers.TimeField()
    shift_unit = serializers.ChoiceField(choices=ShiftUnit.choices, default=ShiftUnit.DAYS)
    shift_count = serializers.IntegerField(min_value=1, max_value=366, default=1)
    restrictions = serializers.JSONField(default=list, help_text='[{"days": ["mon", "fri"], "start": "09:00", "end": "18:00"}]')
    level = serializers.IntegerField(min_value=0, max_value=100, default=0)


class LayerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    rota_id = serializers.IntegerField()
    name = serializers.CharField()
    level = serializers.IntegerField()
    starts_on = serializers.DateField()
    handoff_time = serializers.TimeField()
    shift_unit = serializers.CharField()
    shift_count = serializers.IntegerField()
    restrictions = serializers.JSONField()
    member_ids = serializers.SerializerMethodField()

    def get_member_ids(self, layer) -> list[int]:
        return [member.user_id for member in layer.layer_members.all()]


class LayerCreateSerializer(LayerInputSerializer):
    rota_id = OrganizationRelatedField(model=Rota, source="rota")


class RotaSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120)
    time_zone = serializers.CharField(max_length=64)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    team_id = OrganizationRelatedField(model=Team, source="team", allow_null=True, required=False)
    layers = LayerInputSerializer(many=True, write_only=True)


class RotaOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    time_zone = serializers.CharField()
    description = serializers.CharField()
    team_id = serializers.IntegerField(allow_null=True)
    layers = serializers.SerializerMethodField()

    def get_layers(self, rota) -> list[dict]:
        from ..selectors import rota_layers

        return LayerSerializer(rota_layers(rota=rota), many=True).data


class RotaUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    time_zone = serializers.CharField(max_length=64, required=False)
    description = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ShiftSerializer(serializers.Serializer):
    """A shift, its instants written with the rota's UTC offset at that moment (ISO 8601)."""

    user = serializers.SerializerMethodField()
    start = serializers.SerializerMethodField()
    end = serializers.SerializerMethodField()
    source = serializers.CharField()

    def get_start(self, shift) -> str:
        return shift.start.astimezone(self.context["zone"]).isoformat()

    def get_end(self, shift) -> str:
        return shift.end.astimezone(self.context["zone"]).isoformat()

    def get_user(self, shift) -> dict | None:
        person = self.context["people"].get(shift.user_id)
        return PersonSerializer(person).data if person else None


class OnCallSerializer(ShiftSerializer):
    pass


class OverrideSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    rota_id = OrganizationRelatedField(model=Rota, source="rota")
    user_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class SwapSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    rota_id = serializers.IntegerField()
    requested_by_id = serializers.IntegerField(read_only=True)
    covered_by_id = serializers.IntegerField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    status = serializers.CharField(read_only=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class PolicySerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=120)
    steps = serializers.JSONField(help_text='[{"notify": "rota", "rota_id": 1, "wait_minutes": 5}, '
                                            '{"notify": "leads", "wait_minutes": 10}, {"notify": "executives"}]')
    repeat = serializers.IntegerField(default=0)


class AlertRouteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    position = serializers.IntegerField(min_value=0, default=0)
    sources = serializers.ListField(child=serializers.ChoiceField(choices=AlertSource.choices), default=list)
    min_severity = serializers.ChoiceField(choices=AlertSeverity.choices, default=AlertSeverity.LOW)
    policy_id = OrganizationRelatedField(model=EscalationPolicy, source="policy")


class ContactMethodSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=ContactMethodKind.choices)
    address = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    label = serializers.CharField(max_length=80, required=False, allow_blank=True, default="")
    secret = serializers.CharField(read_only=True, help_text="HMAC-SHA256 key of a signed JSON webhook")


class NotificationRuleSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    contact_method_id = OrganizationRelatedField(model=ContactMethod, source="contact_method")
    delay_minutes = serializers.IntegerField(min_value=0, max_value=240, default=0)


class AttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    error = serializers.CharField()


class AlertSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    source = serializers.CharField(read_only=True)
    severity = serializers.ChoiceField(choices=AlertSeverity.choices, default=AlertSeverity.HIGH)
    title = serializers.CharField(max_length=200)
    details = serializers.CharField(required=False, allow_blank=True, default="")
    status = serializers.CharField(read_only=True)
    occurrences = serializers.IntegerField(read_only=True)
    escalation_step = serializers.IntegerField(read_only=True)
    next_escalation_at = serializers.DateTimeField(read_only=True)
    triggered_at = serializers.DateTimeField(read_only=True)
    acknowledged_at = serializers.DateTimeField(read_only=True)
    acknowledged_by_id = serializers.IntegerField(read_only=True)
    resolved_at = serializers.DateTimeField(read_only=True)
    policy_id = serializers.IntegerField(read_only=True)


class AlertLogSerializer(serializers.Serializer):
    created_at = serializers.DateTimeField()
    kind = serializers.CharField()
    actor_id = serializers.IntegerField(allow_null=True)
    data = serializers.JSONField()


class AlertDetailSerializer(AlertSerializer):
    log = serializers.SerializerMethodField()

    def get_log(self, alert: Alert) -> list[dict]:
        return AlertLogSerializer(alert.log.order_by("created_at", "pk"), many=True).data


class WatchTopicSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    name = serializers.CharField(max_length=80)
    terms = serializers.ListField(child=serializers.CharField(max_length=100), required=False, max_length=50)
    tag_ids = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=50)
    channel_ids = serializers.ListField(child=serializers.IntegerField(), required=False, max_length=50)
    created_at = serializers.DateTimeField(read_only=True)


class TopicMuteSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    topic_id = serializers.IntegerField(allow_null=True, required=False, help_text="Empty: all mentions (overall).")
    reason = serializers.CharField(max_length=300)
    until = serializers.DateTimeField()
    muted_by_id = serializers.IntegerField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)


class SensitivitySerializer(serializers.Serializer):
    sensitivity = serializers.FloatField(min_value=0.25, max_value=4,
                                         help_text="A multiplier on the thresholds: 2 fewer alerts, 0.5 more.")
