"""Training mode, pure parts: masking personal data in exported mentions, and the closing report."""

from __future__ import annotations

import re
import statistics
from collections import Counter

from .personal_data import personal_data_shared

_HANDLE = re.compile(r"(?<![\w@])@\w{2,}")
_MASKS = {"email": "[e-mail]", "phone": "[phone]", "card": "[card]", "bank_account": "[bank account]"}


def mask_personal_data(text: str, *, keep_handles: tuple[str, ...] = ()) -> str:
    """Real mentions made safe to practise on: e-mails, phones, card and bank numbers, and other
    people's handles are replaced (the brand's own handles are kept so the text still reads right)."""
    for found in sorted(personal_data_shared(text), key=lambda f: f.start, reverse=True):
        text = text[:found.start] + _MASKS[found.kind] + text[found.end:]
    kept = {h.lower() for h in keep_handles}
    return _HANDLE.sub(lambda m: m.group() if m.group().lower() in kept else "@client", text)


def report(answers: list[dict]) -> dict:
    """answers: [{"blocked", "needs_approval", "rule_name", "findings": [{"rule", "severity"}], "seconds"}]."""
    seconds = [a["seconds"] for a in answers]
    caught = Counter(f["rule"] for a in answers for f in a["findings"])
    return {
        "answered": len(answers),
        "blocked": sum(1 for a in answers if a["blocked"]),
        "warned": sum(1 for a in answers if not a["blocked"] and a["findings"]),
        "needs_approval": sum(1 for a in answers if a["needs_approval"]),
        "approval_rules": dict(Counter(a["rule_name"] for a in answers if a["needs_approval"])),
        "caught": dict(caught.most_common()),
        "median_seconds": round(statistics.median(seconds), 1) if seconds else 0.0,
        "slowest_seconds": round(max(seconds), 1) if seconds else 0.0,
    }
