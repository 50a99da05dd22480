"""API throttling: per token, per person and per address, with Retry-After on the 429."""

from __future__ import annotations

import secrets

import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.roles import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


@pytest.fixture
def low_rates(settings):
    rates = {"token": "3/min", "user": "5/min", "anon": "2/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    return rates


def _token_client(user) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return api


def test_the_request_after_a_tokens_allowance_gets_429_with_retry_after(low_rates, organization):
    user = member(organization, Role.AGENT, email="script@airdemo.example")
    api = _token_client(user)
    url = reverse("api:team-list", kwargs={"organization_slug": organization.slug})

    assert [api.get(url).status_code for _ in range(3)] == [200, 200, 200]
    refused = api.get(url)

    assert refused.status_code == 429
    assert 0 < int(refused["Retry-After"]) <= 60
    assert "throttled" in refused.json()["detail"].lower() or "request" in refused.json()["detail"].lower()


def test_a_person_is_throttled_across_sessions_and_tokens(low_rates, organization, client):
    user = member(organization, Role.AGENT, email="person@airdemo.example")
    url = reverse("api:team-list", kwargs={"organization_slug": organization.slug})
    first_token, second_token = _token_client(user), APIClient()
    second_token.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=member(organization, Role.AGENT, email='x@airdemo.example')).key}")
    client.force_login(user)

    # 5 per person: two by one token, three by the session, then a fresh token of the same person is refused.
    statuses = [first_token.get(url).status_code for _ in range(2)] + [client.get(url).status_code for _ in range(3)]
    assert statuses == [200] * 5
    another_token_same_person = APIClient()
    Token.objects.filter(user=user).delete()
    another_token_same_person.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    refused = another_token_same_person.get(url)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    # Someone else is not slowed down by it.
    assert second_token.get(url).status_code == 200


def _anonymous_client() -> APIClient:
    # An address of its own: the counters live in the cache for the whole run.
    return APIClient(REMOTE_ADDR=f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250)}")


def test_anonymous_callers_are_throttled_by_address(low_rates, organization):
    api = _anonymous_client()
    url = reverse("api:team-list", kwargs={"organization_slug": organization.slug})
    assert [api.get(url).status_code for _ in range(2)] == [403, 403]
    refused = api.get(url)
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


def test_guessing_tokens_is_throttled_by_address(low_rates, organization):
    api = _anonymous_client()
    url = reverse("api:team-list", kwargs={"organization_slug": organization.slug})
    statuses = []
    for guess in range(3):
        api.credentials(HTTP_AUTHORIZATION=f"Token guess{guess}")
        statuses.append(api.get(url).status_code)
    assert statuses == [403, 403, 429]


def test_a_cache_outage_does_not_refuse_the_api(low_rates, organization, monkeypatch):
    from django.core.cache import cache

    def down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr(cache, "get", down)
    api = _token_client(member(organization, Role.AGENT, email="outage@airdemo.example"))
    url = reverse("api:team-list", kwargs={"organization_slug": organization.slug})
    assert [api.get(url).status_code for _ in range(5)] == [200] * 5


def test_production_settings_throttle_every_api_request():
    # Read from the settings module itself: the test run raises the rates (tests/conftest.py).
    import config.settings

    production = config.settings.REST_FRAMEWORK
    assert {"config.api_limits.TokenRateThrottle", "config.api_limits.UserRateThrottle"} <= set(
        production["DEFAULT_THROTTLE_CLASSES"])
    assert production["DEFAULT_AUTHENTICATION_CLASSES"][-1] == "config.api_limits.AnonymousRateLimit"
    assert production["DEFAULT_THROTTLE_RATES"] == {"token": "300/min", "user": "600/min", "anon": "60/min"}
