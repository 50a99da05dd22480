"""Channels API: reads for the inbox's readers, writes for admins, never a credential in a response."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from accounts.roles import Role
from inbox.models import Channel, ChannelStatus
from tests.factories import ChannelFactory, member

SECRET = "api-secret-token-9876"


@pytest.fixture
def on_sandbox(settings, sandbox):
    settings.PLATFORM_BASE_URLS = {platform: sandbox.base_url for platform in settings.PLATFORM_BASE_URLS}
    return sandbox


def api_url(name, organization, **kwargs):
    return reverse(f"api:{name}", kwargs={"organization_slug": organization.slug, **kwargs})


def connect_body(sandbox, **extra):
    config = sandbox.config()["facebook"]
    return {"platform": "facebook", "credentials": {"page_access_token": SECRET, "app_secret": config["app_secret"]},
            "connection": {"page_id": config["page_id"]}, "confirmed_brand_account": True, **extra}


def test_admin_connects_lists_tests_pauses_resumes_and_removes(api_for, admin_user, organization, on_sandbox):
    api = api_for(admin_user)

    created = api.post(api_url("channel-list", organization), connect_body(on_sandbox), format="json")
    assert created.status_code == 201, created.content
    channel_id = created.json()["id"]
    assert created.json()["platform"] == "facebook" and created.json()["status"] == "healthy"

    responses = [created,
                 api.get(api_url("channel-list", organization)),
                 api.get(api_url("channel-detail", organization, pk=channel_id)),
                 api.post(api_url("channel-test", organization, pk=channel_id)),
                 api.post(api_url("channel-pause", organization, pk=channel_id)),
                 api.post(api_url("channel-resume", organization, pk=channel_id))]
    assert [r.status_code for r in responses] == [201, 200, 200, 200, 200, 200]
    assert responses[3].json()["ok"] is True
    assert responses[4].json()["status"] == "disabled" and responses[5].json()["status"] == "healthy"
    for response in responses:
        text = json.dumps(response.json())
        assert SECRET not in text and "credentials" not in text and "sandbox-app-secret" not in text

    assert api.delete(api_url("channel-detail", organization, pk=channel_id)).status_code == 204
    assert not Channel.objects.for_organization(organization).exists()


def test_connect_needs_the_brand_confirmation_and_the_platforms_fields(api_for, admin_user, organization, on_sandbox):
    api = api_for(admin_user)
    unconfirmed = api.post(api_url("channel-list", organization), connect_body(on_sandbox, confirmed_brand_account=False),
                           format="json")
    assert unconfirmed.status_code == 400 and "brand account" in unconfirmed.content.decode()

    missing = api.post(api_url("channel-list", organization),
                       {"platform": "facebook", "credentials": {}, "confirmed_brand_account": True}, format="json")
    assert missing.status_code == 400 and {"page_id", "page_access_token", "app_secret"} <= set(missing.json())
    assert SECRET not in unconfirmed.content.decode()


def test_a_failed_test_explains_and_flags_the_channel(api_for, admin_user, organization, on_sandbox):
    api = api_for(admin_user)
    channel_id = api.post(api_url("channel-list", organization), connect_body(on_sandbox), format="json").json()["id"]
    on_sandbox.fail("facebook", "revoked")

    answer = api.post(api_url("channel-test", organization, pk=channel_id))

    assert answer.status_code == 400 and "refused the stored credentials" in answer.content.decode()
    assert Channel.objects.for_organization(organization).get().status == ChannelStatus.NEEDS_RECONNECT


def test_agents_read_but_cannot_write(api_for, agent, organization):
    channel = ChannelFactory(organization=organization)
    api = api_for(agent)
    assert api.get(api_url("channel-list", organization)).status_code == 200
    assert api.get(api_url("channel-detail", organization, pk=channel.pk)).status_code == 200
    assert api.post(api_url("channel-list", organization), {"platform": "x"}, format="json").status_code == 403
    for name in ("channel-test", "channel-pause", "channel-resume"):
        assert api.post(api_url(name, organization, pk=channel.pk)).status_code == 403
    assert api.delete(api_url("channel-detail", organization, pk=channel.pk)).status_code == 403
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.HEALTHY


def test_another_organization_gets_404_everywhere(api_for, organization, other_organization):
    outsider = member(other_organization, Role.ADMIN, email="admin@rival.example")
    channel = ChannelFactory(organization=organization, handle="@secretbrand")
    api = api_for(outsider)
    assert api.get(api_url("channel-list", organization)).status_code == 404
    assert api.get(api_url("channel-detail", organization, pk=channel.pk)).status_code == 404
    for org in (organization, other_organization):
        for name in ("channel-test", "channel-pause", "channel-resume"):
            assert api.post(api_url(name, org, pk=channel.pk)).status_code == 404
            assert api.get(api_url(name, org, pk=channel.pk)).status_code == 404
        assert api.delete(api_url("channel-detail", org, pk=channel.pk)).status_code == 404
    assert "@secretbrand" not in api.get(api_url("channel-list", other_organization)).content.decode()
    assert Channel.objects.for_organization(organization).get().status == ChannelStatus.HEALTHY
