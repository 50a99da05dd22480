"""The one question the reply service asks before queuing a reply: "may this go out now?"

The response guides (`playbooks`) answer it: their linter, their autonomy perimeter, their approval
queue. The inbox does not import them; the guides register one function here when Django starts
(playbooks/apps.py), so the dependency points from the guides to the inbox and never back.
Without a registered guard every reply goes out, as before the guides existed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

SEND, HOLD, BLOCK, CONFIRM = "send", "hold", "block", "confirm"


@dataclass(frozen=True)
class ReplyAttempt:
    organization_id: int
    conversation_id: int
    channel_id: int
    author_id: int
    text: str
    is_private: bool
    confirm_other_channel: bool = False
    # What the composer says about how the reply was written (template used, a reason given to
    # override warnings, the approval it comes from); opaque to the inbox.
    guidance: dict = field(default_factory=dict)


@dataclass
class Verdict:
    action: str = SEND
    message: str = ""
    findings: list[dict] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    # Called inside the reply's transaction with the queued message's id (to record the decision).
    on_queued: Callable[[int], None] | None = None


@dataclass(frozen=True)
class HeldReply:
    """reply_compose's answer when the reply waits for an approver instead of being queued."""

    approval_id: int
    message: str
    details: dict


class ReplyBlocked(ValidationError):
    """The guides refuse this reply as written; `findings` say where and why."""

    def __init__(self, message: str, *, findings: list[dict]):
        super().__init__(message, code="blocked_by_guides")
        self.findings = findings


_guard: Callable[[ReplyAttempt], Verdict] | None = None
# Where the composer loads the guides' panel from: (organization slug, conversation id) -> URL.
_panel_url: Callable[[str, int], str] | None = None


def register(guard: Callable[[ReplyAttempt], Verdict] | None,
             *, composer_panel_url: Callable[[str, int], str] | None = None) -> None:
    global _guard, _panel_url
    _guard, _panel_url = guard, composer_panel_url


def composer_panel_url(organization_slug: str, conversation_id: int) -> str:
    return _panel_url(organization_slug, conversation_id) if _panel_url is not None else ""


def check(attempt: ReplyAttempt) -> Verdict:
    return _guard(attempt) if _guard is not None else Verdict()
