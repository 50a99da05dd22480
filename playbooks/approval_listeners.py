"""Who else hears that a reply waits for approval, and that it was decided: the on-call
notifications (crisis desk) register here, page an approver when the conversation is urgent and stop
paging once someone approved or rejected it. Listeners run after commit, and one that fails never
undoes the reply being held or decided. The guides never import whoever listens."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

ApprovalListener = Callable[..., None]  # (organization_id, approval_id, conversation_id, urgent) keyword-only
_listeners: list[ApprovalListener] = []
DecidedListener = Callable[..., None]  # (organization_id, approval_id, conversation_id, status) keyword-only
_decided_listeners: list[DecidedListener] = []


def register_approval_listener(listener: ApprovalListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def unregister_approval_listener(listener: ApprovalListener) -> None:
    if listener in _listeners:
        _listeners.remove(listener)


def approval_requested_on_commit(*, organization_id: int, approval_id: int, conversation_id: int, urgent: bool) -> None:
    def notify():
        for listener in list(_listeners):
            try:
                listener(organization_id=organization_id, approval_id=approval_id, conversation_id=conversation_id,
                         urgent=urgent)
            except Exception:  # noqa: BLE001 - a failing notifier must not lose the approval
                logger.exception("approval listener %r failed for approval %s", listener, approval_id)

    transaction.on_commit(notify)


def register_approval_decided_listener(listener: DecidedListener) -> None:
    if listener not in _decided_listeners:
        _decided_listeners.append(listener)


def unregister_approval_decided_listener(listener: DecidedListener) -> None:
    if listener in _decided_listeners:
        _decided_listeners.remove(listener)


def approval_decided_on_commit(*, organization_id: int, approval_id: int, conversation_id: int, status: str) -> None:
    def notify():
        for listener in list(_decided_listeners):
            try:
                listener(organization_id=organization_id, approval_id=approval_id, conversation_id=conversation_id,
                         status=status)
            except Exception:  # noqa: BLE001 - a failing notifier must not undo the decision
                logger.exception("approval decided listener %r failed for approval %s", listener, approval_id)

    transaction.on_commit(notify)
