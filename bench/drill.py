"""Crisis drills, end to end: both built-in scenarios at full volume, with the real time each takes.

Usage: python bench/drill.py [--only sunday-storm] [--scale 1] [--keep]

Each scenario runs as `manage.py crisis_drill` would (its own drill organization, the platform
sandbox over HTTP, the real pipeline on a simulated clock) and prints its figures line, the real
time, and where the real time went. The drill organizations are removed afterwards unless `--keep`.

Targets for sunday-storm (issue 13): detected_s ≤ 60, paged_s ≤ 60, declared_s ≤ 600,
first_statement_s ≤ 900, answered_2h_pct ≥ 95, real time under 5 minutes.

The last line is machine-readable:
``sunday_storm_real_s=<n> slow_burn_real_s=<n> sunday_storm_targets=<met|missed>``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import django_setup, purge_organizations, quiet_query_log  # noqa: E402

SCENARIOS = ("sunday-storm", "slow-burn")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=SCENARIOS)
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--keep", action="store_true", help="Keep the drill organizations (to open their reports).")
    args = parser.parse_args()
    django_setup()
    quiet_query_log()
    from crisis.drills.runner import drill_run
    from crisis.drills.timing import SPENT
    from crisis.management.commands.crisis_drill import missed_targets

    real: dict[str, float] = {}
    targets = "missed"
    for name in [args.only] if args.only else SCENARIOS:
        SPENT.clear()
        result = drill_run(name, scale=args.scale)
        real[name] = result.real_seconds
        print(f"{name}: {result.mentions} mentions, {result.replies_sent} replies sent, "
              f"{result.replies_refused} refused, real {result.real_seconds:.1f} s, CPU {result.cpu_seconds:.1f} s")
        print("  real seconds by part: " + ", ".join(f"{part} {s:.1f}" for part, s in SPENT.most_common()))
        print(f"  {result.line}")
        if name == "sunday-storm":
            missed = missed_targets(result.figures)
            if result.real_seconds >= 300:
                missed.append(f"real time {result.real_seconds:.0f} s (target < 300)")
            targets = "missed" if missed else "met"
            for miss in missed:
                print(f"  missed: {miss}")
        if not args.keep:
            purge_organizations([result.organization.pk])
    print(" ".join(f"{name.replace('-', '_')}_real_s={seconds:.0f}" for name, seconds in real.items())
          + (f" sunday_storm_targets={targets}" if "sunday-storm" in real else ""))


if __name__ == "__main__":
    main()
