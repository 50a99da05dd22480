"""`manage.py crisis_drill <scenario>`: replay a recorded storm against a fresh drill organization.

Prints progress lines on the simulated clock, then, as its last line,
`drill=<scenario> detected_s=… paged_s=… acked_s=… declared_s=… first_statement_s=… answered_2h_pct=…`
(seconds from the storm's start). `--check` exits non-zero when a figure misses its target.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from accounts.roles import Role
from accounts.services import membership_add
from crisis.drills.runner import drill_run
from crisis.drills.scenario import scenario_names
from crisis.drills.timing import SPENT

# What `--check` holds a drill to (the targets for the Sunday storm).
TARGETS = {"detected_s": 60, "paged_s": 60, "declared_s": 600, "first_statement_s": 900}
ANSWERED_TARGET = 95


def missed_targets(figures) -> list[str]:
    missed = [f"{name}={getattr(figures, name)} (target ≤ {limit})" for name, limit in TARGETS.items()
              if getattr(figures, name) is None or getattr(figures, name) > limit]
    if figures.answered_2h_pct is None or figures.answered_2h_pct < ANSWERED_TARGET:
        missed.append(f"answered_2h_pct={figures.answered_2h_pct} (target ≥ {ANSWERED_TARGET})")
    return missed


class Command(BaseCommand):
    help = ("Replay a recorded storm on a simulated clock against a fresh drill organization, with scripted "
            "responders and the real pipeline; prints the drill's figures as its last line.")

    def add_arguments(self, parser):
        parser.add_argument("scenario", help=f"One of: {', '.join(scenario_names())}.")
        parser.add_argument("--scale", type=float, default=1.0, help="Multiply every volume (default 1).")
        parser.add_argument("--minutes", type=int, default=None, help="Cut the storm after this many minutes.")
        parser.add_argument("--watch", action="append", default=[], metavar="EMAIL",
                            help="Add this existing person to the drill organization (as a lead) to open its "
                                 "room and report. Repeatable.")
        parser.add_argument("--report-dir", default=str(Path(settings.BASE_DIR) / ".vigie" / "drills"),
                            help="Where the drill's report (JSON) is written.")
        parser.add_argument("--check", action="store_true", help="Exit with status 1 when a target is missed.")

    def handle(self, *args, scenario: str, scale: float, minutes: int | None, watch: list[str], report_dir: str,
               check: bool, **options):
        if scenario not in scenario_names():
            raise CommandError(f"No drill scenario named {scenario!r}: choose one of {', '.join(scenario_names())}.")
        if not 0.05 <= scale <= 5:
            raise CommandError("--scale must be between 0.05 and 5.")
        if minutes is not None and minutes < 1:
            raise CommandError("--minutes must be 1 or more.")
        watchers = []
        for email in watch:
            user = User.objects.filter(email__iexact=email).first()
            if user is None:
                raise CommandError(f"Nobody has the e-mail address {email}: create the account first.")
            watchers.append(user)
        result = drill_run(scenario, scale=scale, minutes=minutes, report_dir=Path(report_dir),
                           say=lambda line: self.stdout.write(line))
        for user in watchers:
            membership_add(organization=result.organization, user=user, role=Role.LEAD)
        self.stdout.write(f"Real time: {result.real_seconds:.1f} s (CPU {result.cpu_seconds:.1f} s); "
                          f"{result.mentions} mentions ingested, {result.replies_sent} replies sent, "
                          f"{result.replies_refused} refused")
        self.stdout.write("Real seconds by part: "
                          + ", ".join(f"{part} {seconds:.1f}" for part, seconds in SPENT.most_common()))
        for reason, count in result.refusals.most_common(5):
            self.stdout.write(f"  {count} replies refused: {reason}")
        if result.report_path:
            self.stdout.write(f"Report: {result.report_path}")
        if result.crisis is not None:
            self.stdout.write(f"Crisis #{result.crisis.pk} (a drill) under /o/{result.organization.slug}/crisis/")
        self.stdout.write(result.line)
        if check and (missed := missed_targets(result.figures)):
            self.stderr.write("Targets missed: " + "; ".join(missed))
            raise SystemExit(1)
