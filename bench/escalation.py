"""Escalation under fire: 1,000 alerts through a two-step policy while workers are killed at random.

Usage: python bench/escalation.py [--alerts 1000] [--workers 2] [--kill-every 10] [--seed 7] [--keep]

It creates its own organization (unique slug per run) with a rota of two people and a policy
"on call of the rota, wait 1 minute, then the leads". The alerts arrive over `--arrival` seconds
(their first step is due as it arrives). Then it runs what production runs: Celery beat ticking
`crisis.tasks.sweep_escalations` every 2 s, and `--workers` Celery workers on the `alerts` queue
(2 processes each). Every `--kill-every` seconds on average a random worker is killed with SIGKILL
(the whole process group, mid-step or not) and started again, as a process supervisor would.

When every step has run (or after `--timeout`), it reads PostgreSQL:
- steps_expected: 2 per alert; steps_sent: escalation steps recorded (unique per alert and step);
- duplicates: people paged more than once for the same step of the same alert (in-app attempts);
- p95_delay_s: 95th percentile of (step ran at - step due at).

The last line is machine-readable:
``alerts=<n> steps_expected=<n> steps_sent=<n> duplicates=<n> p95_delay_s=<n>``
"""

from __future__ import annotations

import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from datetime import time as clock_time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._setup import ROOT, django_setup, purge_organizations, quiet_query_log  # noqa: E402


def setup(alerts: int, arrival: float, run: str):
    from django.utils import timezone

    from accounts.models import Organization, User
    from accounts.roles import Role
    from accounts.services import membership_add
    from crisis.services import alerts as alert_services
    from crisis.services import oncall, policies

    organization = Organization.objects.create(name=f"Bench escalation {run}", slug=f"bench-esc-{run}")
    people = {}
    for key, role in (("agent", Role.AGENT), ("backup", Role.AGENT), ("lead", Role.LEAD)):
        people[key] = User.objects.create_user(f"{key}-{run}@bench.example", None, full_name=key.title())
        membership_add(organization=organization, user=people[key], role=role)
    rota = oncall.rota_create(organization=organization, actor=people["lead"], name="Bench rota", time_zone="Europe/Paris",
                              layers=[{"name": "All", "member_ids": [people["agent"].pk, people["backup"].pk],
                                       "starts_on": date(2026, 1, 5), "handoff_time": clock_time(9)}])
    policy = policies.policy_create(organization=organization, actor=people["lead"], name="Two steps",
                                    steps=[{"notify": "rota", "rota_id": rota.pk, "wait_minutes": 1},
                                           {"notify": "leads"}])
    policies.routing_rule_create(organization=organization, actor=people["lead"], policy=policy, sources=[])
    # Raised far ahead, then given their arrival times once the workers are up (see `arrive`).
    later = timezone.now() + timedelta(days=1)
    for n in range(alerts):
        alert_services.alert_raise(organization=organization, source="manual", severity="high", title=f"Bench {n}",
                                   now=later)
    return organization


def arrive(organization, arrival: float) -> None:
    """The alerts' first steps fall due one after the other over `arrival` seconds, from now."""
    from django.db import connection
    from django.utils import timezone

    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE crisis_alert SET next_escalation_at = %s + (rank * %s) * interval '1 second', triggered_at = %s "
            "FROM (SELECT id, row_number() OVER (ORDER BY id) - 1 AS rank FROM crisis_alert WHERE organization_id = %s) r "
            "WHERE crisis_alert.id = r.id",
            [timezone.now(), arrival / max(1, organization.alert_count), timezone.now(), organization.pk])


def celery(args: list[str], log_dir: Path, name: str) -> subprocess.Popen:
    log = open(log_dir / f"{name}.log", "a")  # noqa: SIM115 - lives as long as the process
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", *args], cwd=ROOT, env=os.environ.copy(),
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def measure(organization) -> tuple[int, int, float]:
    from django.db.models import Count

    from crisis.models import EscalationStepRun, NotificationAttempt

    runs = list(EscalationStepRun.objects.for_organization(organization).values_list("ran_at", "due_at"))
    delays = sorted((ran - due).total_seconds() for ran, due in runs)
    p95 = delays[max(0, int(len(delays) * 0.95) - 1)] if delays else float("nan")
    duplicates = sum(row["n"] - 1 for row in NotificationAttempt.objects.for_organization(organization)
                     .values("alert_id", "step_number", "user_id").annotate(n=Count("pk")).filter(n__gt=1))
    return len(runs), duplicates, p95


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--alerts", type=int, default=1000)
    parser.add_argument("--arrival", type=float, default=30.0, help="seconds over which the alerts arrive")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--kill-every", type=float, default=10.0, help="mean seconds between two kills")
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()

    django_setup()
    quiet_query_log()
    from crisis.models import EscalationStepRun

    run = uuid.uuid4().hex[:8]
    rng = random.Random(args.seed)
    organization = setup(args.alerts, args.arrival, run)
    organization.alert_count = args.alerts
    expected = 2 * args.alerts
    log_dir = Path(tempfile.mkdtemp(prefix="bench-escalation-"))
    worker_args = ["worker", "-Q", "alerts", "-c", "2", "--without-gossip", "--without-mingle", "-l", "warning"]
    workers = [celery([*worker_args, "-n", f"bench{i}-{run}@%h"], log_dir, f"worker{i}") for i in range(args.workers)]
    beat = celery(["beat", "-s", str(log_dir / "beat-schedule"), "-l", "warning"], log_dir, "beat")
    time.sleep(8)  # the workers boot (harness only)
    arrive(organization, args.arrival)
    kills = 0
    started = time.monotonic()
    next_kill = started + rng.expovariate(1 / args.kill_every)
    try:
        while time.monotonic() - started < args.timeout:
            done = EscalationStepRun.objects.for_organization(organization).count()
            if done >= expected:
                break
            if time.monotonic() >= next_kill:
                victim = rng.randrange(len(workers))
                os.killpg(workers[victim].pid, signal.SIGKILL)
                workers[victim].wait()
                kills += 1
                workers[victim] = celery([*worker_args, "-n", f"bench{victim}-{run}-{kills}@%h"], log_dir, f"worker{victim}")
                next_kill = time.monotonic() + rng.expovariate(1 / args.kill_every)
            for i, worker in enumerate(workers):  # the supervisor also restarts workers that died by themselves
                if worker.poll() is not None:
                    workers[i] = celery([*worker_args, "-n", f"bench{i}-{run}-r{kills}@%h"], log_dir, f"worker{i}")
            time.sleep(0.5)  # the harness polls PostgreSQL; the workers never sleep
    finally:
        for process in (beat, *workers):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    elapsed = time.monotonic() - started
    sent, duplicates, p95 = measure(organization)
    print(f"workers={args.workers} kills={kills} elapsed_s={elapsed:.1f} logs={log_dir}")
    if not args.keep:
        purge_organizations([organization.pk])
    print(f"alerts={args.alerts} steps_expected={expected} steps_sent={sent} duplicates={duplicates} p95_delay_s={p95:.2f}")
    return 0 if sent == expected and duplicates == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
