"""Where a drill's real time goes, part by part (ingestion, detection, replies...), for its output and the bench."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

SPENT: Counter = Counter()  # real seconds per part of the pipeline, since the last clear


@contextmanager
def spent(part: str) -> Iterator[None]:
    began = time.monotonic()
    try:
        yield
    finally:
        SPENT[part] += time.monotonic() - began
