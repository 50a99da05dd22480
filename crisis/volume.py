"""Is this a volume spike? A pure decision on mention counts, kept apart from where counts come from.

A simple rule until the crisis cell's detector exists: the last window is a spike when it holds at
least `floor` mentions and at least `factor` times the average window of the baseline before it.
"""

from __future__ import annotations

from datetime import timedelta

WINDOW = timedelta(minutes=5)
BASELINE = timedelta(hours=1)
FLOOR = 50
FACTOR = 4.0


def is_spike(*, recent: int, baseline_total: int, windows_in_baseline: int = int(BASELINE / WINDOW),
             floor: int = FLOOR, factor: float = FACTOR) -> bool:
    average = baseline_total / max(1, windows_in_baseline)
    return recent >= floor and recent >= factor * max(average, 1.0)
