"""The crisis app's tables, one module per idea: on-call rotas, alerts and escalation, notifications."""

from .alerts import (
    Alert,
    AlertLogEntry,
    AlertSeverity,
    AlertSource,
    AlertStatus,
    EscalationPolicy,
    EscalationStepRun,
    RoutingRule,
)
from .notifications import (
    AttemptStatus,
    ContactMethod,
    ContactMethodKind,
    NotificationAttempt,
    NotificationRule,
)
from .oncall import (
    HandoverNote,
    PersonalCalendar,
    Rota,
    RotaLayer,
    RotaLayerMember,
    RotaOverride,
    RotaSwap,
    ShiftUnit,
    SwapStatus,
)

__all__ = [
    "Alert", "AlertLogEntry", "AttemptStatus", "AlertSeverity", "AlertSource", "AlertStatus", "ContactMethod", "ContactMethodKind",
    "EscalationPolicy", "EscalationStepRun", "HandoverNote", "NotificationAttempt", "NotificationRule", "PersonalCalendar", "Rota", "RotaLayer",
    "RotaLayerMember", "RotaOverride", "RotaSwap", "RoutingRule", "ShiftUnit", "SwapStatus",
]
