"""The demo's finished drill: a short Sunday storm replayed last Sunday night in a drill organization
of its own ("AirDemo — exercice de crise"), played by the demo's people, so that `make run` shows a
drill's crisis, its timeline and its report. Idempotent: seeded once.

The replay is cut to its first minutes at a fifth of the volume (about 20 s at seed time); the full
drill is `make manage ARGS='crisis_drill sunday-storm'`. Tests skip it (settings.DEMO_DRILL) except
tests/crisis/test_drill.py, which runs it.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from accounts.demo import DemoPeople
from accounts.models import Organization

SLUG = "airdemo-exercice"
NAME = "AirDemo — exercice de crise"
SCENARIO = "sunday-storm"


def seed(people: DemoPeople) -> None:
    if not settings.DEMO_DRILL or Organization.objects.filter(slug=SLUG).exists():
        return
    from .drills.runner import drill_run
    from .drills.scenario import scenario_load

    # Last Sunday night, well in the past: nothing of the drill is due when the demo's beat starts.
    scenario = scenario_load(SCENARIO)
    storm_start = scenario.starts_before(timezone.now() - timedelta(hours=6))
    cast = {key: people.users[key] for key in ("admin", "lead", "agent", "backup", "executive")}
    drill_run(SCENARIO, scale=0.2, minutes=10, storm_start=storm_start, people=cast, name=NAME, slug=SLUG)
