"""Fault tests with real processes: a sweeper killed mid-step, sweepers racing each other.

The sweepers run in subprocesses against the test database, so the kill is a real SIGKILL of a
process holding a row lock inside an open transaction.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from crisis.models import AlertSource, EscalationStepRun, NotificationAttempt
from crisis.services import alerts as alert_services
from crisis.services.escalation import escalations_run_due

ROOT = Path(__file__).resolve().parents[2]

# Runs the sweep once; with "stall", the step stops half-written (the fencing write made, the step
# and its pages not yet recorded, the transaction open) and waits to be killed.
SWEEPER = """
import sys
import django
django.setup()
from crisis.services import escalation
if sys.argv[1] == "stall":
    real = escalation._fence
    def stall(planned):
        moved = real(planned)
        print("MID-STEP", flush=True)
        sys.stdin.readline()
        return moved
    escalation._fence = stall
print("RAN", escalation.escalations_run_due(), flush=True)
"""


def _sweeper(mode: str) -> subprocess.Popen:
    db = connection.settings_dict
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    return subprocess.Popen([sys.executable, "-c", SWEEPER, mode], cwd=ROOT, env=env, stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _alert(organization, n: int):
    alert, _ = alert_services.alert_raise(organization=organization, source=AlertSource.MANUAL, severity="high",
                                          title=f"Alerte {n}", now=timezone.now() - timedelta(seconds=1))
    return alert


@pytest.fixture
def live_rota(organization, lead, agent, backup):
    from datetime import date, time

    from crisis.services import oncall as rota_services
    from crisis.services import policies as policy_services

    rota = rota_services.rota_create(organization=organization, actor=lead, name="Desk", time_zone="Europe/Paris",
                                     layers=[{"name": "All", "member_ids": [agent.pk, backup.pk],
                                              "starts_on": date(2026, 1, 5), "handoff_time": time(9)}])
    policy = policy_services.policy_create(organization=organization, actor=lead, name="Two steps",
                                           steps=[{"notify": "rota", "rota_id": rota.pk, "wait_minutes": 10},
                                                  {"notify": "leads"}])
    policy_services.routing_rule_create(organization=organization, actor=lead, policy=policy, sources=[])
    return rota


@pytest.mark.django_db(transaction=True)
def test_a_sweeper_killed_mid_step_leaves_the_step_to_run_exactly_once(organization, live_rota):
    alert = _alert(organization, 1)
    sweeper = _sweeper("stall")
    try:
        assert sweeper.stdout.readline().strip() == "MID-STEP", sweeper.stderr.read()
        os.kill(sweeper.pid, signal.SIGKILL)
    finally:
        sweeper.wait(timeout=30)
    # PostgreSQL rolls the killed transaction back once it notices the dead connection.
    deadline = time.monotonic() + 30
    ran = 0
    while ran == 0 and time.monotonic() < deadline:
        ran = escalations_run_due()
    assert ran == 1
    runs = EscalationStepRun.objects.for_organization(organization).filter(alert=alert)
    assert list(runs.values_list("step_number", flat=True)) == [0]
    assert NotificationAttempt.objects.for_organization(organization).filter(alert=alert).count() == 1
    assert escalations_run_due() == 0


@pytest.mark.django_db(transaction=True)
def test_racing_sweepers_run_each_step_once(organization, live_rota):
    alerts = [_alert(organization, n) for n in range(40)]
    sweepers = [_sweeper("run") for _ in range(3)]
    ran = []
    for sweeper in sweepers:
        out, err = sweeper.communicate(timeout=120)
        assert sweeper.returncode == 0, err
        ran.append(int(out.split()[-1]))
    assert sum(ran) == 40
    runs = EscalationStepRun.objects.for_organization(organization).filter(alert__in=alerts)
    assert sorted(runs.values_list("alert_id", flat=True)) == sorted(a.pk for a in alerts)
    assert set(runs.values_list("step_number", flat=True)) == {0}


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class PrivateRedis:
    """A throwaway Redis without persistence: killing it loses every queued message."""

    def __init__(self, tmp_path: Path):
        self.port, self.dir = _free_port(), tmp_path
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no",
                                         "--dir", str(self.dir)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        import socket

        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("private Redis did not start")

    def kill(self) -> None:
        if self.process is not None:
            self.process.kill()
            self.process.wait(timeout=10)


def _celery(args: list[str], redis: PrivateRedis, tmp_path: Path) -> subprocess.Popen:
    db = connection.settings_dict
    env = {**os.environ, "DEBUG": "1", "DJANGO_SETTINGS_MODULE": "config.settings",
           "REDIS_URL": f"redis://127.0.0.1:{redis.port}/0",
           "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"}
    log = open(tmp_path / f"{args[0]}.log", "a")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([sys.executable, "-m", "celery", "-A", "config", *args], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _wait_for_steps(organization, expected: int, seconds: float, supervise=lambda: None) -> int:
    deadline = time.monotonic() + seconds
    count = 0
    while time.monotonic() < deadline:
        supervise()
        count = EscalationStepRun.objects.for_organization(organization).count()
        if count >= expected:
            return count
        time.sleep(0.2)  # polling the database with a deadline, not waiting for a guess
    return count


@pytest.mark.django_db(transaction=True)
def test_a_redis_restart_loses_no_step_and_pages_nobody_twice(organization, live_rota, lead, tmp_path):
    from crisis.models import EscalationPolicy

    EscalationPolicy.objects.for_organization(organization).update(
        steps=[{"notify": "rota", "rota_id": live_rota.pk, "wait_minutes": 0}, {"notify": "leads", "wait_minutes": 0}])
    redis = PrivateRedis(tmp_path)
    redis.start()
    commands = {"worker": ["worker", "-Q", "alerts", "-c", "2", "--without-gossip", "--without-mingle"],
                "beat": ["beat", "-s", str(tmp_path / "beat-schedule")]}
    processes = {name: _celery(command, redis, tmp_path) for name, command in commands.items()}
    restarts = []

    def supervise():
        # kombu's Redis transport can exit a worker on a lost broker ("Unrecoverable error",
        # see celery/kombu#970); in production the process supervisor restarts it, as here.
        for name, process in processes.items():
            if process.poll() is not None:
                restarts.append(name)
                processes[name] = _celery(commands[name], redis, tmp_path)

    try:
        for n in range(10):
            _alert(organization, n)
        assert _wait_for_steps(organization, 20, 60) == 20, (tmp_path / "worker.log").read_text()[-3000:]
        redis.kill()
        for n in range(10, 20):
            _alert(organization, n)  # due while the broker is gone: only PostgreSQL knows
        redis.start()
        assert _wait_for_steps(organization, 40, 90, supervise) == 40, (tmp_path / "worker.log").read_text()[-3000:]
    finally:
        for process in processes.values():
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        redis.kill()
    runs = EscalationStepRun.objects.for_organization(organization)
    assert runs.count() == 40
    attempts = NotificationAttempt.objects.for_organization(organization)
    # One in-app page per step, to the one person each step targets: nobody paged twice.
    assert attempts.count() == 40
    assert attempts.values("alert_id", "step_number", "user_id").distinct().count() == 40
