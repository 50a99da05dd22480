"""The live stack on private servers: PostgreSQL and Redis started here (free ports, temporary
directories), the platform sandbox, and web (uvicorn), a Celery worker and beat as subprocesses,
so that the tests can kill and restart any of them for real. Nothing touches the machine's own
PostgreSQL or Redis."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

import httpx
import psycopg
import pytest

from inbox.sandbox import PlatformSandbox, SandboxClient
from tests.faults.stack import (
    PY,
    ROOT,
    PostgresServer,
    RedisServer,
    beat_process,
    free_port,
    stack_environment,
    wait_until,
    web_process,
    worker_process,
)


class LiveStack:
    def __init__(self):
        self.dir = Path(tempfile.mkdtemp(prefix="vigie-stack-"))
        self.postgres = PostgresServer()
        self.redis = RedisServer()
        self.sandbox_server = PlatformSandbox(port=0)
        self.web_port = free_port()
        self.url = f"http://127.0.0.1:{self.web_port}"

    def start(self) -> LiveStack:
        self.postgres.start()
        self.redis.start()
        self.sandbox_server.start()
        self.sandbox = SandboxClient(self.sandbox_server.base_url)
        self.env = stack_environment(database_url=self.postgres.url(), redis_url=self.redis.url,
                                     PLATFORM_SANDBOX_URL=self.sandbox_server.base_url)
        seeded = subprocess.run([PY, "-m", "tests.faults.stack_admin", "setup", "--sandbox",
                                 self.sandbox_server.base_url], env=self.env, cwd=ROOT, capture_output=True,
                                text=True, timeout=120, check=True)
        self.seed = json.loads(seeded.stdout.strip().splitlines()[-1])
        self.web = web_process(self.env, self.dir, self.web_port).start()
        self.worker = worker_process(self.env, self.dir).start()
        self.beat = beat_process(self.env, self.dir).start()
        wait_until(self._web_answers, timeout=30, what="the web process answering")
        return self

    def _web_answers(self) -> bool:
        try:
            return httpx.get(self.url + "/login/", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self) -> None:
        """Everything that was started, even when start() failed half-way."""
        for name in ("beat", "worker", "web"):
            if getattr(self, name, None) is not None:
                getattr(self, name).stop()
        if getattr(self, "sandbox", None) is not None:
            self.sandbox_server.stop()
        self.redis.cleanup()
        self.postgres.cleanup()
        shutil.rmtree(self.dir, ignore_errors=True)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.log()[-3000:]}" for p in (self.web, self.worker, self.beat))

    # --- observation -------------------------------------------------------------------------

    def sql(self, query: str, params=()):
        with psycopg.connect(self.postgres.url(), connect_timeout=3) as conn:
            return conn.execute(query, params).fetchall()

    def stored_mentions(self) -> tuple[int, int]:
        """(inbound messages stored, distinct external ids among them) on the seeded channel."""
        (total, distinct), = self.sql(
            "SELECT count(*), count(DISTINCT external_id) FROM inbox_message WHERE channel_id = %s AND direction = 'in'",
            [self.seed["channel_id"]])
        return total, distinct

    def ingest_directly(self, external_id: str, text: str) -> None:
        """What a worker finishing its batch as Redis dies does: the row commits, the push is lost."""
        subprocess.run([PY, "-m", "tests.faults.stack_admin", "ingest", "--channel", str(self.seed["channel_id"]),
                        "--external-id", external_id, "--text", text], env=self.env, cwd=ROOT, check=True,
                       capture_output=True, timeout=60)

    def api(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = {"Authorization": f"Token {self.seed['token']}"}
        return httpx.request(method, f"{self.url}/api/v1/o/{self.seed['organization']}/{path}", headers=headers,
                             timeout=30, **kwargs)


@pytest.fixture(scope="module")
def stack():
    live = LiveStack()
    try:
        live.start()
        yield live
    except Exception:
        print(live.logs() if hasattr(live, "web") else "the stack did not start")
        raise
    finally:
        live.stop()


@pytest.fixture(autouse=True)
def show_logs_on_failure(request):
    yield
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed and "stack" in request.fixturenames:
        print(request.getfixturevalue("stack").logs())


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()
