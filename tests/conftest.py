import uuid

import pytest
from django.conf import settings
from django.utils import translation
from rest_framework.test import APIClient

from accounts.roles import Role
from inbox.sandbox import PlatformSandbox, SandboxClient

from .factories import OrganizationFactory, member


def pytest_configure(config):
    # Browser tests log in through the real form: the fast hasher must produce a real hash.
    # Argon2 is deliberately slow; tests that log people in thousands of times use a fast hasher.
    # tests/config/test_settings.py checks that production hashes with Argon2.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each run its own cache keys: a test database numbers organizations from 1 again.
    settings.CACHES["default"]["KEY_PREFIX"] = f"vigie-test-{uuid.uuid4().hex[:8]}"
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    # The demo's crisis drill takes ~20 s at every seed_demo; tests/crisis/test_drill.py runs it itself.
    settings.DEMO_DRILL = False
    # Every test client calls from 127.0.0.1 and the API's rate counters live in the cache for the
    # whole run: suites that walk every route would be throttled by each other. Throttling is tested
    # with low rates in tests/config/test_throttling.py; tests/config checks the production rates.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "token": "100000/min", "user": "100000/min", "anon": "100000/min"}}
    from rest_framework.settings import api_settings

    api_settings.reload()


@pytest.fixture(autouse=True)
def english_by_default():
    """A request in French leaves French active in the test's thread: each test starts in English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(scope="session")
def platform_sandbox():
    """One platform sandbox for the session: connectors, workers and browsers talk to it over HTTP."""
    sandbox = PlatformSandbox(port=0)
    sandbox.start()
    yield sandbox
    sandbox.stop()


@pytest.fixture
def sandbox(platform_sandbox) -> SandboxClient:
    client = SandboxClient(platform_sandbox.base_url)
    client.reset()
    return client


@pytest.fixture
def organization(db):
    return OrganizationFactory(name="AirDemo", slug="airdemo")


@pytest.fixture
def other_organization(db):
    return OrganizationFactory(name="Rival Brand", slug="rival")


@pytest.fixture
def agent(organization):
    return member(organization, Role.AGENT, email="agent@airdemo.example")


@pytest.fixture
def admin_user(organization):
    return member(organization, Role.ADMIN, email="admin@airdemo.example")


@pytest.fixture
def viewer(organization):
    return member(organization, Role.VIEWER, email="viewer@airdemo.example")


@pytest.fixture
def outsider(other_organization):
    """An agent of another organization."""
    return member(other_organization, Role.AGENT, email="agent@rival.example")


@pytest.fixture
def client_for(client):
    def login(user):
        client.force_login(user)
        return client

    return login


@pytest.fixture
def api_for():
    def login(user):
        api = APIClient()
        api.force_authenticate(user)
        return api

    return login
