"""Runs the processes of a Procfile together for `make run`, and keeps each one running.

`python -m config.supervisor Procfile.dev` starts every `name: command` line, prefixes each output
line with its time and name, and restarts a process that exits (a worker killed by the kernel, a
crash) after a short delay, saying so in the log; the others keep running. Ctrl-C (SIGINT) or
SIGTERM stops them all (SIGTERM, then SIGKILL after a grace period) and exits with status 0.

Why not honcho (used before) or another runner: honcho, like foreman, stops everything when one
process exits, so one worker death ended the whole demo. supervisord and circus do restart, but
bring a daemon, their own configuration format and their own log files to a command meant to run in
a terminal; this module is about a hundred lines on the standard library and reads the same
Procfile.
"""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

GRACE_SECONDS = 10.0
FIRST_DELAY = 1.0
LONGEST_DELAY = 30.0
# A process that ran at least this long before dying is restarted at once again next time.
STEADY_SECONDS = 30.0


def read_procfile(path: Path) -> dict[str, str]:
    processes = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and ":" in line:
            name, command = line.split(":", 1)
            processes[name.strip()] = command.strip()
    return processes


@dataclass
class Process:
    name: str
    command: str
    popen: subprocess.Popen | None = None
    started_at: float = 0.0
    delay: float = FIRST_DELAY
    restart_at: float | None = None
    reader: threading.Thread | None = field(default=None, repr=False)


class Supervisor:
    def __init__(self, processes: dict[str, str], *, out: TextIO = sys.stdout, env: dict[str, str] | None = None):
        self.processes = [Process(name, command) for name, command in processes.items()]
        self.width = max((len(name) for name in processes), default=0)
        self.out = out
        # Python children write to a pipe here: unbuffered, their lines show when they happen.
        self.env = {**(os.environ if env is None else env), "PYTHONUNBUFFERED": "1"}
        self.write_lock = threading.Lock()
        self.stopping = threading.Event()

    def say(self, name: str, text: str) -> None:
        with self.write_lock:
            self.out.write(f"{time.strftime('%H:%M:%S')} {name:<{self.width}} | {text}\n")
            self.out.flush()

    def start(self, process: Process) -> None:
        argv = shlex.split(os.path.expandvars(process.command))
        process.started_at = time.monotonic()
        try:
            # Each process in a group of its own: Ctrl-C in the terminal reaches only this supervisor,
            # which stops them in order, and a dead process's leftover children can be cleaned up.
            process.popen = subprocess.Popen(argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                             stdin=subprocess.DEVNULL, process_group=0, text=True,
                                             errors="replace", bufsize=1)
        except OSError as error:  # a missing program: say so, and try again later like any death
            self.say("vigie", f"{process.name} could not start: {error}")
            self._schedule_restart(process, "could not start")
            return
        process.restart_at = None
        process.reader = threading.Thread(target=self._relay, args=(process, process.popen), daemon=True)
        process.reader.start()
        self.say("vigie", f"{process.name} started (pid {process.popen.pid})")

    def _relay(self, process: Process, popen: subprocess.Popen) -> None:
        for line in popen.stdout:  # type: ignore[union-attr]
            self.say(process.name, line.rstrip("\n"))

    def _exited(self, process: Process, status: int) -> None:
        how = f"was killed by {signal.Signals(-status).name}" if status < 0 else f"exited with status {status}"
        self._kill_group(process, signal.SIGKILL)  # what it left behind (a worker's pool) goes too
        if process.reader:
            process.reader.join(timeout=1)
        process.popen = None
        self._schedule_restart(process, how)

    def _schedule_restart(self, process: Process, how: str) -> None:
        if time.monotonic() - process.started_at >= STEADY_SECONDS:
            process.delay = FIRST_DELAY
        wait, process.delay = process.delay, min(process.delay * 2, LONGEST_DELAY)  # one that keeps dying waits longer
        process.restart_at = time.monotonic() + wait
        self.say("vigie", f"{process.name} {how}; restarting it in {wait:g} s (the others keep running)")

    @staticmethod
    def _kill_group(process: Process, sig: signal.Signals) -> None:
        if process.popen is None:
            return
        try:
            os.killpg(process.popen.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def run(self) -> int:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, lambda *_: self.stopping.set())
        for process in self.processes:
            self.start(process)
        while not self.stopping.wait(0.2):
            now = time.monotonic()
            for process in self.processes:
                if process.popen is not None and (status := process.popen.poll()) is not None:
                    self._exited(process, status)
                elif process.popen is None and process.restart_at is not None and now >= process.restart_at:
                    self.start(process)
        self.stop()
        return 0

    def stop(self) -> None:
        running = [p for p in self.processes if p.popen is not None and p.popen.poll() is None]
        self.say("vigie", "stopping " + ", ".join(p.name for p in running) if running else "stopping")
        for process in running:
            self._kill_group(process, signal.SIGTERM)
        deadline = time.monotonic() + GRACE_SECONDS
        for process in running:
            try:
                process.popen.wait(timeout=max(0.0, deadline - time.monotonic()))  # type: ignore[union-attr]
            except subprocess.TimeoutExpired:
                self.say("vigie", f"{process.name} did not stop within {GRACE_SECONDS:g} s: killing it")
        for process in self.processes:
            self._kill_group(process, signal.SIGKILL)
            if process.popen is not None:
                process.popen.wait()
        self.say("vigie", "stopped")


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m config.supervisor PROCFILE", file=sys.stderr)
        return 2
    return Supervisor(read_procfile(Path(argv[0]))).run()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
