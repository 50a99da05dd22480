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
from .cell import (
    EXECUTIVE_SIGN_OFF_FROM,
    MANUAL_EVENT_KINDS,
    CellRole,
    Crisis,
    CrisisEvent,
    CrisisMember,
    CrisisSeverity,
    CrisisStatus,
    CrisisTask,
    EventKind,
    InfoSource,
)
from .detection import DetectorSettings, MentionBucket, TopicMute, WatchTopic
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
from .statements import (  # noqa: E402  (the statements of a crisis)
    ApprovalDecision,
    PublicationState,
    Statement,
    StatementApproval,
    StatementPublication,
    StatementStatus,
    StatementVersion,
)

__all__ = [
    "CellRole", "Crisis", "CrisisEvent", "CrisisMember", "CrisisSeverity", "CrisisStatus", "CrisisTask", "EventKind",
    "EXECUTIVE_SIGN_OFF_FROM", "InfoSource", "MANUAL_EVENT_KINDS",
    "Alert", "AlertLogEntry", "DetectorSettings", "MentionBucket", "TopicMute", "WatchTopic", "AttemptStatus", "AlertSeverity", "AlertSource", "AlertStatus", "ContactMethod", "ContactMethodKind",
    "EscalationPolicy", "EscalationStepRun", "HandoverNote", "NotificationAttempt", "NotificationRule", "PersonalCalendar", "Rota", "RotaLayer",
    "RotaLayerMember", "RotaOverride", "RotaSwap", "RoutingRule", "ShiftUnit", "SwapStatus",
    "ApprovalDecision", "PublicationState", "Statement", "StatementApproval", "StatementPublication",
    "StatementStatus", "StatementVersion",
]
from .clusters import (  # noqa: E402, I001 - appended: each area adds its own lines
    ClusterMention,
    ClusterReply,
    ClusterReplyItem,
    ClusterReplyStatus,
    ItemState,
    StormCluster,
)

__all__ += ["ClusterMention", "ClusterReply", "ClusterReplyItem", "ClusterReplyStatus", "ItemState", "StormCluster"]
