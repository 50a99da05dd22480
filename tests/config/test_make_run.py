"""The README's commands, as typed in a terminal, while `make run` runs: the real stack, real processes.

`make run` gets a database of its own on the machine's PostgreSQL (and the suite's Redis), as the
README says it does when DATABASE_URL / REDIS_URL are set; the other commands run in a fresh shell
that has none of its settings. Make is given `-o .venv/.installed`: the suite runs from the
environment `make test` has just installed, which must not be reinstalled under it.
"""

from __future__ import annotations

import os
import pty
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import psutil
import psycopg
import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
MAKE = ["make", "--no-print-directory", "-o", ".venv/.installed"]
START_SECONDS = 240


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def fresh_shell() -> dict[str, str]:
    """What a new terminal has: no DATABASE_URL, REDIS_URL, SECRET_KEY, DEBUG or sandbox address."""
    return {name: os.environ[name] for name in ("PATH", "HOME", "LANG") if name in os.environ}


def wait_for(predicate, *, seconds: float, what: str):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.3)
    raise AssertionError(f"not within {seconds} s: {what}")


class Run:
    """One `make run` in a terminal of its own (a pseudo-terminal, make in its foreground), with its log."""

    def __init__(self, log: Path, env: dict[str, str]):
        self.log = log
        self.port = int(env["PORT"])
        self.terminal, child_side = pty.openpty()
        # setsid --ctty: a new session whose controlling terminal is the pty, like a shell's job.
        self.process = subprocess.Popen(["setsid", "--ctty", *MAKE, "run"], cwd=ROOT, env=env, stdin=child_side,
                                        stdout=child_side, stderr=child_side)
        os.close(child_side)
        threading.Thread(target=self._record, daemon=True).start()

    def _record(self) -> None:
        with open(self.log, "ab") as out:
            while True:
                try:
                    chunk = os.read(self.terminal, 65536)
                except OSError:  # the terminal's last process is gone
                    return
                if not chunk:
                    return
                out.write(chunk)
                out.flush()

    def text(self) -> str:
        return self.log.read_text(errors="replace").replace("\r\n", "\n") if self.log.exists() else ""

    def pids(self) -> dict[str, int]:
        """The latest pid of each supervised process, from the supervisor's log lines."""
        pids = {}
        for line in self.text().splitlines():
            if "| " in line and " started (pid " in line:
                name, pid = line.split("| ", 1)[1].split(" started (pid ")
                pids[name] = int(pid.rstrip(")"))
        return pids

    def ctrl_c(self) -> int:
        """Ctrl-C typed in the terminal: the terminal signals its foreground process group."""
        os.write(self.terminal, b"\x03")
        return self.process.wait(timeout=60)

    def kill(self) -> None:
        if self.process.poll() is None:
            for child in psutil.Process(self.process.pid).children(recursive=True):
                child.kill()
            self.process.kill()
            self.process.wait()
        for leftover in (ROOT / ".vigie").glob(f"celerybeat-schedule-{self.port}*"):
            leftover.unlink()  # beat's file for this test's port, never used again


@pytest.fixture(scope="module")
def database_url():
    """A database of its own for `make run`, on the machine's PostgreSQL, dropped afterwards."""
    base = urlsplit(os.environ["DATABASE_URL"])
    name = f"{os.environ.get('TEST_DATABASE_NAME', 'test_vigie')}_make_run"
    admin = urlunsplit(base._replace(scheme="postgresql", path="/postgres"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield urlunsplit(base._replace(path=f"/{name}"))
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def running(database_url, tmp_path_factory):
    env = {**fresh_shell(), "DATABASE_URL": database_url, "REDIS_URL": os.environ["REDIS_URL"],
           "PORT": str(free_port())}
    run = Run(tmp_path_factory.mktemp("make-run") / "run.log", env)
    try:
        wait_for(lambda: {"web", "worker", "beat", "sandbox", "traffic"} <= set(run.pids())
                 and "Platform sandbox listening" in run.text() or run.process.poll() is not None,
                 seconds=START_SECONDS, what="make run starting its processes")
        assert run.process.poll() is None, run.text()
        wait_for(lambda: _answers(f"http://127.0.0.1:{run.port}/"), seconds=60, what="the web answering")
        yield run
    finally:
        run.kill()


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=5, allow_redirects=False).status_code < 500
    except requests.RequestException:
        return False


def sandbox_of(run: Run) -> str:
    return run.text().split("Platform sandbox listening at ")[1].split(",")[0]


def make(*args: str, env: dict[str, str] | None = None, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([*MAKE, *args], cwd=ROOT, env=env or fresh_shell(), input=stdin, capture_output=True,
                          text=True, timeout=120)


def test_make_manage_and_make_shell_use_the_running_instance_from_a_fresh_shell(running, database_url):
    result = make("manage", "ARGS=shell -c \"from django.db import connection; print('db', connection.settings_dict['NAME'])\"")
    assert result.returncode == 0, result.stderr
    assert f"db {urlsplit(database_url).path.lstrip('/')}" in result.stdout

    shell = make("shell", stdin="from inbox.models import Conversation\n"
                                "print('conversations', Conversation.objects.unscoped().count())\n")
    assert shell.returncode == 0, shell.stderr
    count = int(shell.stdout.split("conversations ", 1)[1].split()[0])
    assert count >= 320


def test_make_crisis_storms_the_running_demo(running):
    result = make("crisis", "ARGS=--minutes 0.05 --rate 120")
    assert result.returncode == 0, result.stderr
    assert f"Crisis storm into {sandbox_of(running)}" in result.stdout
    assert "Storm over" in result.stdout


def test_make_crisis_says_what_to_do_when_nothing_runs(tmp_path):
    env = {**fresh_shell(), "PORT": str(free_port())}  # no instance on this port
    result = make("crisis", env=env)
    assert result.returncode != 0
    assert "Vigie is not running" in result.stderr and "make run" in result.stderr


def test_a_killed_worker_comes_back_and_the_others_keep_running(running):
    before = running.pids()
    os.kill(before["worker"], signal.SIGKILL)
    wait_for(lambda: running.pids()["worker"] != before["worker"], seconds=15, what="the worker restarted")
    assert "worker was killed by SIGKILL; restarting it" in running.text()
    after = running.pids()
    assert psutil.pid_exists(after["worker"])
    for name in ("web", "beat", "sandbox", "traffic"):
        assert after[name] == before[name] and psutil.pid_exists(after[name]), name
    assert running.process.poll() is None
    assert _answers(f"http://127.0.0.1:{running.port}/")


def test_a_second_make_run_on_another_port_gets_its_own_sandbox(running, database_url, tmp_path):
    taken = make("run", env={**fresh_shell(), "DATABASE_URL": database_url, "REDIS_URL": os.environ["REDIS_URL"],
                             "PORT": str(running.port)})
    assert taken.returncode != 0 and f"Port {running.port} is in use" in taken.stderr

    second = Run(tmp_path / "second.log", {**fresh_shell(), "DATABASE_URL": database_url,
                                            "REDIS_URL": os.environ["REDIS_URL"], "PORT": str(free_port())})
    try:
        wait_for(lambda: "Platform sandbox listening" in second.text() or second.process.poll() is not None,
                 seconds=START_SECONDS, what="the second sandbox listening")
        assert sandbox_of(second) != sandbox_of(running)
        assert second.ctrl_c() == 0
    finally:
        second.kill()
    assert running.process.poll() is None


def test_ctrl_c_stops_everything_with_status_0(running):
    children = psutil.Process(running.process.pid).children(recursive=True)
    assert running.ctrl_c() == 0
    output = running.text()
    assert "make: ***" not in output and "Error 130" not in output
    assert "vigie   | stopped" in output
    wait_for(lambda: not any(child.is_running() and child.status() != psutil.STATUS_ZOMBIE for child in children),
             seconds=15, what="every process of make run gone")
    assert not list((ROOT / ".vigie" / "instances").glob(f"{running.port}.json"))
