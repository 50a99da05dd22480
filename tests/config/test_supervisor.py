"""config/supervisor.py on its own: a process that dies is restarted, later each time, and the others run on."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[2]


def test_a_dying_process_is_restarted_with_growing_delays_while_the_others_keep_running(tmp_path):
    procfile = tmp_path / "Procfile"
    procfile.write_text(
        f"steady: {sys.executable} -c \"import time; print('steady up', flush=True); time.sleep(120)\"\n"
        f"flaky: {sys.executable} -c \"import sys; print('flaky up', flush=True); sys.exit(3)\"\n"
        "missing: /nonexistent/program --flag\n")
    log = tmp_path / "supervisor.log"
    with open(log, "w") as out:
        supervisor = subprocess.Popen([sys.executable, "-m", "config.supervisor", str(procfile)], cwd=ROOT,
                                      stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while "flaky exited with status 3; restarting it in 2 s" not in log.read_text():
            assert time.monotonic() < deadline, log.read_text()
            assert supervisor.poll() is None, log.read_text()
            time.sleep(0.1)
        text = log.read_text()
        assert "flaky exited with status 3; restarting it in 1 s (the others keep running)" in text
        assert len(re.findall(r"flaky +\| flaky up", text)) >= 2
        assert "missing could not start" in text and "missing could not start; restarting it in 1 s" in text
        steady = [int(pid) for pid in re.findall(r"steady started \(pid (\d+)\)", text)]
        assert len(steady) == 1 and psutil.pid_exists(steady[0])

        supervisor.send_signal(signal.SIGTERM)
        assert supervisor.wait(timeout=20) == 0
        assert "vigie   | stopped" in log.read_text()
        assert not psutil.pid_exists(steady[0]) or psutil.Process(steady[0]).status() == psutil.STATUS_ZOMBIE
    finally:
        if supervisor.poll() is None:
            supervisor.kill()
