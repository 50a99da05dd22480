"""Channel pages: health list, connect (checked with the platform), test, pause/resume, remove."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.roles import Role
from inbox.models import Channel, ChannelStatus
from tests.factories import ChannelFactory, member

SECRET = "super-secret-token-4242"


@pytest.fixture
def on_sandbox(settings, sandbox):
    settings.PLATFORM_BASE_URLS = {platform: sandbox.base_url for platform in settings.PLATFORM_BASE_URLS}
    return sandbox


def url(name, organization, **kwargs):
    return reverse(name, kwargs={"organization_slug": organization.slug, **kwargs})


def connect_x(client, organization, **extra):
    data = {"bearer_token": SECRET, "watch_terms": "AirDemo, #AirDemoFail", "confirmed_brand_account": "on", **extra}
    return client.post(url("channel-connect", organization) + "?platform=x", data)


def test_admin_connects_an_x_account_checked_with_the_platform(client_for, admin_user, organization, on_sandbox):
    client = client_for(admin_user)
    form = client.get(url("channel-connect", organization) + "?platform=x")
    assert form.status_code == 200
    assert b"brand account, not a personal one" in form.content

    answer = connect_x(client, organization)

    channel = Channel.objects.for_organization(organization).get()
    assert answer.status_code == 302 and answer["Location"] == url("channel-detail", organization, pk=channel.pk)
    assert (channel.handle, channel.status, channel.confirmed_brand_account_by) == (
        "@vigie_brand", ChannelStatus.HEALTHY, admin_user)
    assert channel.connection == {"watch_terms": ["AirDemo", "#AirDemoFail"]}
    assert SECRET not in channel.credentials_encrypted
    for page in (url("channel-list", organization), url("channel-detail", organization, pk=channel.pk),
                 url("channel-connect", organization) + "?platform=x"):
        response = client.get(page)
        assert response.status_code == 200 and SECRET.encode() not in response.content


def test_the_brand_account_confirmation_is_required(client_for, admin_user, organization, on_sandbox):
    answer = connect_x(client_for(admin_user), organization, confirmed_brand_account="")
    assert answer.status_code == 200
    assert b"Confirm that this is a brand account" in answer.content
    assert SECRET.encode() not in answer.content  # not even echoed back into the form
    assert not Channel.objects.for_organization(organization).exists()


def test_credentials_the_platform_refuses_are_explained(client_for, admin_user, organization, on_sandbox):
    on_sandbox.fail("x", "revoked")
    answer = connect_x(client_for(admin_user), organization)
    assert answer.status_code == 200
    assert b"refused these credentials" in answer.content
    assert not Channel.objects.for_organization(organization).exists()


def test_list_shows_health(client_for, agent, organization):
    ChannelFactory(organization=organization, handle="@airdemo", status=ChannelStatus.RATE_LIMITED,
                   status_reason="X rate limit reached", last_poll_error="X rate limit reached while reading mentions")
    page = client_for(agent).get(url("channel-list", organization))
    assert page.status_code == 200
    assert b"@airdemo" in page.content and b"Rate-limited" in page.content and b"while reading mentions" in page.content
    assert b"?platform=x" not in page.content  # agents see no connect buttons


def test_test_pause_resume_and_remove(client_for, admin_user, organization, on_sandbox):
    client = client_for(admin_user)
    connect_x(client, organization)
    channel = Channel.objects.for_organization(organization).get()
    detail = url("channel-detail", organization, pk=channel.pk)

    tested = client.post(detail, {"action": "test"}, follow=True)
    assert b"The connection works" in tested.content

    client.post(detail, {"action": "pause"})
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.DISABLED
    client.post(detail, {"action": "resume"})
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.HEALTHY

    on_sandbox.fail("x", "revoked")
    failed = client.post(detail, {"action": "test"}, follow=True)
    assert b"refused the stored credentials" in failed.content
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.NEEDS_RECONNECT

    remove = url("channel-remove", organization, pk=channel.pk)
    assert b"will be deleted" in client.get(remove).content
    client.post(remove, {})
    assert Channel.objects.for_organization(organization).filter(pk=channel.pk).exists()  # not confirmed
    assert client.post(remove, {"confirm": "yes"})["Location"] == url("channel-list", organization)
    assert not Channel.objects.for_organization(organization).exists()


def test_agents_cannot_change_channels(client_for, agent, organization):
    channel = ChannelFactory(organization=organization)
    client = client_for(agent)
    assert client.get(url("channel-detail", organization, pk=channel.pk)).status_code == 200
    assert client.post(url("channel-detail", organization, pk=channel.pk), {"action": "pause"}).status_code == 403
    assert client.get(url("channel-connect", organization) + "?platform=x").status_code == 403
    assert client.post(url("channel-connect", organization) + "?platform=x", {}).status_code == 403
    assert client.post(url("channel-remove", organization, pk=channel.pk), {"confirm": "yes"}).status_code == 403
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.HEALTHY


def test_another_organizations_channels_answer_404(client_for, organization, other_organization):
    outsider = member(other_organization, Role.ADMIN, email="admin@rival.example")
    channel = ChannelFactory(organization=organization, handle="@secretbrand")
    client = client_for(outsider)
    assert client.get(url("channel-list", organization)).status_code == 404
    assert client.get(url("channel-detail", organization, pk=channel.pk)).status_code == 404
    # Their own organization in the URL, our channel's id: still 404, and nothing changes.
    own = url("channel-detail", other_organization, pk=channel.pk)
    assert client.get(own).status_code == 404
    assert client.post(own, {"action": "pause"}).status_code == 404
    assert client.post(url("channel-remove", other_organization, pk=channel.pk), {"confirm": "yes"}).status_code == 404
    assert b"@secretbrand" not in client.get(url("channel-list", other_organization)).content
    channel.refresh_from_db()
    assert channel.status == ChannelStatus.HEALTHY


def test_feed_and_instance_addresses_inside_private_networks_are_refused(settings):
    from inbox.channel_forms import MastodonConnectForm, WebFeedConnectForm

    settings.ALLOW_PRIVATE_CHANNEL_ADDRESSES = False
    form = WebFeedConnectForm(data={"feed_urls": "http://127.0.0.1:6379/\nhttp://169.254.169.254/latest",
                                    "watch_terms": "AirDemo", "confirmed_brand_account": "on"})
    assert not form.is_valid()
    assert "private network" in str(form.errors["feed_urls"])
    form = MastodonConnectForm(data={"base_url": "http://10.0.0.5", "access_token": "t", "confirmed_brand_account": "on"})
    assert not form.is_valid()
    assert "private network" in str(form.errors["base_url"])
