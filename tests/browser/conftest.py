"""Real browsers against the real ASGI app: uvicorn in a thread, Debian's Chromium via Playwright.

The app runs on the test database (transactional, so the server thread sees committed rows) and
the real Redis channel layer; the platforms are played by the sandbox.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest
import uvicorn
from playwright.sync_api import sync_playwright

from accounts.roles import Role
from inbox.credentials import encrypt_credentials
from tests.factories import ChannelFactory, OrganizationFactory, member

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
SCREENSHOTS = Path(os.environ.get("SCREENSHOTS_DIR", "/tmp/vigie-screenshots"))
PASSWORD = "correct horse battery staple"



def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class AppServer:
    """The ASGI app (pages, API, websockets) in a background thread; stoppable and restartable."""

    def __init__(self):
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = None
        self.thread = None

    def start(self):
        from config.asgi import application

        config = uvicorn.Config(application, host="127.0.0.1", port=self.port, lifespan="off", log_level="warning",
                                ws_ping_interval=None)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the app server did not start")
            time.sleep(0.05)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def app_server(transactional_db, settings):
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
    from config.celery import app as celery_app

    # Replies are sent by the task as soon as they are queued, inside the request: no worker here.
    celery_app.conf.task_always_eager = True
    server = AppServer()
    server.start()
    yield server
    server.stop()
    celery_app.conf.task_always_eager = False


# Module scope: Playwright's sync API keeps an event loop running in this thread while it is open,
# which would stop the async (websocket) tests that run after this module.
@pytest.fixture(scope="module")
def browser():
    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls stay
    # synchronous, so Django's guard against ORM calls inside a loop is lifted for this module only.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )
        yield browser
        browser.close()
    if previous is None:
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture
def desk(transactional_db, sandbox, platform_sandbox):
    """The AirDemo desk: two community managers, an X account and a second brand account on X."""
    organization = OrganizationFactory(name="AirDemo", slug="airdemo", brand_colour="#0a5cad")
    x_user_id = sandbox.config()["x"]["user_id"]
    connection = {"base_url": platform_sandbox.base_url, "user_id": x_user_id}
    channel = ChannelFactory(organization=organization, handle="@AirDemo", external_account_id=x_user_id,
                             connection=connection, credentials_encrypted=encrypt_credentials({"bearer_token": "sandbox"}))
    jobs = ChannelFactory(organization=organization, handle="@AirDemoJobs", connection=connection,
                          credentials_encrypted=encrypt_credentials({"bearer_token": "sandbox"}))
    camille = member(organization, Role.AGENT, email="camille@airdemo.example", full_name="Camille Martin", language="en")
    alex = member(organization, Role.AGENT, email="alex@airdemo.example", full_name="Alex Morgan", language="en")
    return {"organization": organization, "channel": channel, "jobs": jobs, "camille": camille, "alex": alex}


@pytest.fixture
def login(browser, app_server):
    contexts = []

    def open_as(user):
        context = browser.new_context(viewport={"width": 1400, "height": 900}, locale="en-US")
        contexts.append(context)
        page = context.new_page()
        page.goto(app_server.url + "/login/")
        page.fill("#id_username", user.email)
        page.fill("#id_password", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state()
        return page

    yield open_as
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=False)
