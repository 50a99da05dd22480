"""One platform sandbox per test session, reset before each test: connectors run over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from inbox.sandbox import PlatformSandbox, SandboxClient

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"


@pytest.fixture(scope="session")
def platform_sandbox() -> Iterator[PlatformSandbox]:
    sandbox = PlatformSandbox(port=0)
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(platform_sandbox: PlatformSandbox) -> SandboxClient:
    client = SandboxClient(platform_sandbox.base_url)
    client.reset()
    return client
