"""Smoke test of the path a fresh laptop takes: no DATABASE_URL, no REDIS_URL."""

import os
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = """
import os, psycopg, redis
url = os.environ["DATABASE_URL"].replace("postgres://", "postgresql://", 1)
with psycopg.connect(url) as conn:
    conn.execute("CREATE TABLE IF NOT EXISTS probe (n int)")
    conn.execute("INSERT INTO probe VALUES (1)")
    print("rows", conn.execute("SELECT count(*) FROM probe").fetchone()[0])
r = redis.Redis.from_url(os.environ["REDIS_URL"])
print("redis", r.incr("probe"))
"""


def _run(data_dir: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["VIGIE_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "config.embedded", "--", sys.executable, "-c", PROBE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180,
    )


def _servers_using(data_dir: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(attrs=["cmdline"]):
        if any(str(data_dir) in part for part in (process.info["cmdline"] or [])):
            found.append(process)
    return found


@pytest.mark.embedded
def test_private_servers_start_are_reused_and_stop(tmp_path):
    data_dir = tmp_path / "vigie-data"
    first = _run(data_dir)
    assert first.returncode == 0, first.stderr
    assert "rows 1" in first.stdout and "redis 1" in first.stdout
    assert "private PostgreSQL" in first.stderr and "private Redis" in first.stderr
    assert not _servers_using(data_dir), "the private servers must stop when the command ends"

    second = _run(data_dir)  # the same data folder: the data is still there
    assert second.returncode == 0, second.stderr
    assert "rows 2" in second.stdout and "redis 2" in second.stdout
    assert not _servers_using(data_dir)


def test_urls_that_are_set_are_used_as_they_are(tmp_path):
    env = dict(os.environ, DATABASE_URL="postgres://elsewhere/db", REDIS_URL="redis://elsewhere:6379/0",
               VIGIE_DATA_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "-m", "config.embedded", "--", sys.executable, "-c",
         "import os; print(os.environ['DATABASE_URL'], os.environ['REDIS_URL'])"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )
    assert result.stdout.split() == ["postgres://elsewhere/db", "redis://elsewhere:6379/0"]
    assert not any(tmp_path.iterdir()), "nothing private is started when both URLs are given"


def test_exit_code_of_the_command_is_kept(tmp_path):
    env = dict(os.environ, DATABASE_URL="postgres://x/y", REDIS_URL="redis://x")
    result = subprocess.run([sys.executable, "-m", "config.embedded", "--", "false"], cwd=ROOT, env=env, timeout=60)
    assert result.returncode == 1


def _hold_private_servers(data_dir: Path) -> subprocess.Popen:
    """Another command owning data_dir's private servers (their lock and published URLs)."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, json, sys, time\n"
         f"lock = open({str(data_dir / 'servers.lock')!r}, 'a+'); fcntl.flock(lock, fcntl.LOCK_EX)\n"
         f"open({str(data_dir / 'servers.json')!r}, 'w').write(json.dumps({{'pid': 1, 'command': 'make test', "
         "'DATABASE_URL': 'postgres://postgres@/held', 'REDIS_URL': 'redis://127.0.0.1:1/0'}))\n"
         "print('held', flush=True); time.sleep(60)"],
        stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_a_second_make_run_refuses_private_servers_in_use_and_other_commands_share_them(tmp_path):
    data_dir = tmp_path / "vigie-data"
    data_dir.mkdir()
    holder = _hold_private_servers(data_dir)
    try:
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env |= {"VIGIE_DATA_DIR": str(data_dir), "VIGIE_PORT": "0"}
        second_run = subprocess.run([sys.executable, "-m", "config.embedded", "--instance", "--", "true"], cwd=ROOT,
                                    env=env, capture_output=True, text=True, timeout=60)
        assert second_run.returncode == 1
        assert "in use by another command" in second_run.stderr and "VIGIE_DATA_DIR=" in second_run.stderr

        shared = subprocess.run(
            [sys.executable, "-m", "config.embedded", "--", sys.executable, "-c",
             "import os; print(os.environ['DATABASE_URL'], os.environ['REDIS_URL'])"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60)
        # The same PostgreSQL; another Redis database, so its tasks never reach the owner's worker.
        assert shared.stdout.split() == ["postgres://postgres@/held", "redis://127.0.0.1:1/1"]
        assert holder.poll() is None
    finally:
        holder.kill()
        holder.wait()
