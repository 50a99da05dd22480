"""Error pages and reports show no secret and no other organization's rows, DEBUG on or off."""

from __future__ import annotations

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.models import Team
from accounts.roles import Role
from inbox.credentials import encrypt_credentials
from inbox.sandbox.control import x_signature
from tests.factories import ChannelFactory, OrganizationFactory, member

pytestmark = pytest.mark.django_db

CONSUMER_SECRET = "consumer-secret-that-must-never-show-0001"
BEARER = "bearer-token-that-must-never-show-0002"
APP_SECRET = "app-secret-that-must-never-show-0003"
VERIFY_TOKEN = "verify-token-that-must-never-show-0004"


@pytest.fixture
def debug_client(client, settings):
    settings.DEBUG = True
    client.raise_request_exception = False
    return client


def _secrets_in(page: bytes, *secrets: str) -> list[str]:
    text = page.decode("utf-8", "replace")
    return [secret for secret in secrets if secret and secret in text]


def _broken_compare(*args, **kwargs):
    raise TypeError("comparison failed")  # the shape of the real bug: compare_digest on non-ASCII text


def test_a_webhook_failure_shows_no_secret_on_the_debug_page(debug_client, monkeypatch):
    channel = ChannelFactory(platform="x", credentials_encrypted=encrypt_credentials(
        {"bearer_token": BEARER, "consumer_secret": CONSUMER_SECRET}))
    monkeypatch.setattr("inbox.connectors.webhooks._same", _broken_compare)
    body = b'{"for_user_id": "1"}'
    url = reverse("webhook-x", kwargs={"token": channel.webhook_token})

    page = debug_client.post(url, body, content_type="application/json",
                             headers={"x-twitter-webhooks-signature": x_signature(body, "a guess")})

    assert page.status_code == 500
    assert b"comparison failed" in page.content and b"Local vars" in page.content  # Django's technical page
    expected_signature = x_signature(body, CONSUMER_SECRET)
    assert _secrets_in(page.content, CONSUMER_SECRET, BEARER, expected_signature, channel.credentials_encrypted,
                       *django_settings.CREDENTIALS_KEYS) == []


def test_a_meta_handshake_failure_shows_neither_the_channels_secrets_nor_the_token_sent(debug_client, monkeypatch):
    channel = ChannelFactory(platform="facebook", credentials_encrypted=encrypt_credentials(
        {"page_access_token": BEARER, "app_secret": APP_SECRET, "verify_token": VERIFY_TOKEN}))
    monkeypatch.setattr("inbox.connectors.webhooks._same", _broken_compare)
    url = reverse("webhook-meta", kwargs={"token": channel.webhook_token})

    page = debug_client.get(url, {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"})

    assert page.status_code == 500 and b"Local vars" in page.content
    assert _secrets_in(page.content, VERIFY_TOKEN, APP_SECRET, BEARER) == []


def test_a_channel_connect_failure_shows_no_submitted_secret(debug_client, monkeypatch):
    organization = OrganizationFactory()
    debug_client.force_login(member(organization, Role.ADMIN, email="admin@secrets.example"))

    def broken(**kwargs):
        raise RuntimeError("connect failed")

    monkeypatch.setattr("inbox.services.channels.channel_connect_checked", broken)
    page = debug_client.post(
        reverse("channel-connect", kwargs={"organization_slug": organization.slug}) + "?platform=x",
        {"bearer_token": BEARER, "consumer_secret": CONSUMER_SECRET, "confirmed_brand_account": "on"})

    assert page.status_code == 500 and b"connect failed" in page.content
    assert _secrets_in(page.content, BEARER, CONSUMER_SECRET) == []


def test_a_team_page_failure_lists_no_other_organizations_teams(debug_client, monkeypatch):
    home, rival = OrganizationFactory(), OrganizationFactory()
    Team.objects.create(organization=rival, name="Rival crisis cell")
    mine = Team.objects.create(organization=home, name="Care")
    debug_client.force_login(member(home, Role.ADMIN, email="lead@home.example"))

    def failing_update(self, values):
        raise RuntimeError("the database refused the row")  # e.g. a NUL byte PostgreSQL cannot store

    # Fails inside Model.save, whose frame holds the base manager: every organization's teams.
    monkeypatch.setattr("django.db.models.query.QuerySet._update", failing_update)
    page = debug_client.post(reverse("team-detail", kwargs={"organization_slug": home.slug, "pk": mine.pk}),
                             {"name": "Care", "description": "x"})

    assert page.status_code == 500 and b"base_qs" in page.content
    assert b"Rival crisis cell" not in page.content


def test_cross_organization_querysets_never_list_their_rows():
    rival = OrganizationFactory()
    Team.objects.create(organization=rival, name="Rival crisis cell")
    assert "Rival" not in repr(Team.all_organizations.all())
    assert "Rival" not in repr(Team._base_manager.all())


def test_reports_hide_credentials_under_any_name():
    from config.error_reports import VigieExceptionReporterFilter

    report_filter = VigieExceptionReporterFilter()
    cleansed = report_filter.cleanse_special_types(None, {"connection": {"consumer_secret": CONSUMER_SECRET},
                                                         "headers": {"Authorization": f"Bearer {BEARER}"}})
    assert CONSUMER_SECRET not in str(cleansed) and BEARER not in str(cleansed)
    settings_shown = str(report_filter.get_safe_settings())
    assert django_settings.DATABASES["default"]["NAME"]  # sanity
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CREDENTIALS_KEYS", "SECRET_KEY"):
        value = getattr(django_settings, name)
        assert str(value) not in settings_shown, name


def test_log_lines_and_tracebacks_are_redacted():
    import logging
    import sys

    from config.error_reports import RedactSecretsFilter

    try:
        raise ConnectionError(f"Max retries exceeded with url: /v19.0/me?access_token={BEARER}&fields=id")
    except ConnectionError:
        record = logging.LogRecord("inbox", logging.ERROR, __file__, 1, "calling %s with Bearer %s",
                                   ("/webhooks/x/Ab3dEf9hIjKlMnOp/", BEARER), sys.exc_info())
    assert RedactSecretsFilter().filter(record)
    text = record.getMessage() + record.exc_text
    assert BEARER not in text and "Ab3dEf9hIjKlMnOp" not in text
    assert "access_token=****" in text and "/webhooks/x/****" in text


def test_the_console_log_handler_redacts():
    import logging

    from config.error_reports import RedactSecretsFilter

    handlers = [handler for handler in logging.getLogger().handlers if isinstance(handler, logging.StreamHandler)]
    assert any(isinstance(f, RedactSecretsFilter) for handler in handlers for f in handler.filters)
