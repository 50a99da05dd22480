"""Writes on the inbox. Views, API, tasks and consumers call these; nothing else writes."""

from .breaches import register_breach_listener, sla_breaches_record
from .conversations import (
    conversation_assign,
    conversation_set_priority,
    conversation_set_status,
    conversation_set_team,
    conversation_snooze,
    conversation_tag,
    conversations_bulk_update,
    conversations_wake_snoozed,
    note_add,
)
from .ingestion import IngestResult, UnparsableItem, dead_letter_replay, dead_letters_record, mentions_ingest
from .replies import (
    ReplyNeedsConfirmation,
    draft_save,
    message_mark_failed,
    message_mark_sent,
    reply_compose,
    reply_retry,
)
from .settings import (
    contact_set_notes,
    contact_unlink,
    contacts_link,
    inbox_settings_update,
    routing_rule_create,
    routing_rule_delete,
    routing_rule_update,
)

__all__ = [
    "IngestResult",
    "ReplyNeedsConfirmation",
    "UnparsableItem",
    "contact_set_notes",
    "contact_unlink",
    "contacts_link",
    "inbox_settings_update",
    "routing_rule_create",
    "routing_rule_delete",
    "routing_rule_update",
    "conversation_assign",
    "conversation_set_priority",
    "conversation_set_status",
    "conversation_set_team",
    "conversation_snooze",
    "conversation_tag",
    "conversations_bulk_update",
    "conversations_wake_snoozed",
    "dead_letter_replay",
    "dead_letters_record",
    "draft_save",
    "mentions_ingest",
    "message_mark_failed",
    "message_mark_sent",
    "note_add",
    "register_breach_listener",
    "reply_compose",
    "reply_retry",
    "sla_breaches_record",
]
