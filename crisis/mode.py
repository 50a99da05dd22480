"""Crisis mode: what changes for the organization while a crisis is active.

The crisis queue is the inbox's conversations carrying the crisis's queue tag (`queue_tag`), which
ingestion puts on mentions in the crisis's scope.
"""

from __future__ import annotations


def queue_tag(crisis) -> str:
    """The tag that puts a conversation in this crisis's queue (one per crisis, so reports stay apart)."""
    return f"crisis-{crisis.pk}"
