"""Who else hears that a reply waits for approval: the on-call notifications (crisis cell) register
here and page an approver when the conversation is urgent. Listeners run after commit, and one that
fails never undoes the reply being held."""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

ApprovalListener = Callable[..., None]  # (organization_id, approval_id, conversation_id, urgent) keyword-only
_listeners: list[ApprovalListener] = []


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
