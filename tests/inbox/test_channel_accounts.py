"""One brand account belongs to one organization, and reconnecting never swaps the account silently."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from inbox.connectors.base import AccountInfo
from inbox.connectors.mastodon import instance_account_id
from inbox.credentials import decrypt_credentials
from inbox.models import Channel
from inbox.services import channels as channel_services
from tests.factories import ChannelFactory, OrganizationFactory, member

TAKEN = "already connected in another organization"


@pytest.fixture
def on_sandbox(settings, sandbox):
    settings.PLATFORM_BASE_URLS = {platform: sandbox.base_url for platform in settings.PLATFORM_BASE_URLS}
    return sandbox


@pytest.fixture
def first_owner(db):
    organization = OrganizationFactory(name="Owner Airline", slug="owner-airline")
    return organization, member(organization, "admin", email="lead@owner.example")


@pytest.fixture
def second(db):
    organization = OrganizationFactory(name="Second Org", slug="second-org")
    return organization, member(organization, "admin", email="admin@second.example")


def url(name, organization, **kwargs):
    return reverse(name, kwargs={"organization_slug": organization.slug, **kwargs})


def connect_x_checked(organization, actor, token="token-1"):
    return channel_services.channel_connect_checked(
        organization=organization, platform="x", credentials={"bearer_token": token}, connection={},
        actor=actor, confirmed_brand_account=True)


def assert_names_no_organization(text: str, organization) -> None:
    assert organization.name not in text and organization.slug not in text


def test_a_second_organization_cannot_connect_an_account_connected_elsewhere(on_sandbox, first_owner, second):
    owner, owner_admin = first_owner
    channel = connect_x_checked(owner, owner_admin)
    with pytest.raises(ValidationError) as refused:
        connect_x_checked(second[0], second[1], token="stolen")
    message = " ".join(refused.value.messages)
    assert TAKEN in message
    assert_names_no_organization(message, owner)
    assert not Channel.objects.for_organization(second[0]).exists()
    channel.refresh_from_db()
    assert decrypt_credentials(channel.credentials_encrypted) == {"bearer_token": "token-1"}


def test_the_database_refuses_the_same_account_in_two_organizations(first_owner, second):
    ChannelFactory(organization=first_owner[0], platform="bluesky", external_account_id="did:plc:brand")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChannelFactory(organization=second[0], platform="bluesky", external_account_id="did:plc:brand")


def test_a_race_past_the_service_check_gets_the_same_answer(first_owner, second, monkeypatch):
    # Both organizations pass the check at the same moment; the constraint decides, in the same words.
    ChannelFactory(organization=first_owner[0], platform="x", external_account_id="4242")
    monkeypatch.setattr(channel_services.Channel.objects, "unscoped",
                        lambda real=channel_services.Channel.objects.unscoped: real().filter(pk__lt=0))
    with pytest.raises(ValidationError, match=TAKEN):
        channel_services.channel_connect(
            organization=second[0], platform="x", credentials={"bearer_token": "t"}, connection={}, actor=second[1],
            confirmed_brand_account=True, account=AccountInfo(external_id="4242", handle="@brand"))


def test_web_monitoring_and_same_named_mastodon_accounts_of_two_instances_are_not_one_account(first_owner, second):
    for organization, actor in (first_owner, second):
        channel_services.channel_connect(
            organization=organization, platform="web", credentials={}, connection={"feed_urls": ["https://a.example/f"]},
            actor=actor, confirmed_brand_account=True, account=AccountInfo(external_id="web", handle="1 feeds"))
    assert instance_account_id("brand", "https://Mastodon.Social") == "brand@mastodon.social"
    assert instance_account_id("brand@other.example", "https://mastodon.social") == "brand@other.example"
    for (organization, actor), instance in zip((first_owner, second), ("https://a.social", "https://b.social"),
                                               strict=True):
        channel_services.channel_connect(
            organization=organization, platform="mastodon", credentials={"access_token": "t"},
            connection={"base_url": instance}, actor=actor, confirmed_brand_account=True,
            account=AccountInfo(external_id=instance_account_id("brand", instance), handle="@brand"))
    assert Channel.objects.unscoped().filter(platform__in=["web", "mastodon"]).count() == 4


def test_the_api_refuses_the_second_organization_without_naming_the_first(api_for, on_sandbox, first_owner, second):
    connect_x_checked(*first_owner)
    answer = api_for(second[1]).post(url("api:channel-list", second[0]), {
        "platform": "x", "credentials": {"bearer_token": "stolen"}, "connection": {}, "confirmed_brand_account": True,
    }, format="json")
    assert answer.status_code == 400
    assert TAKEN in answer.json()["non_field_errors"][0]
    assert_names_no_organization(answer.content.decode(), first_owner[0])
    assert not Channel.objects.for_organization(second[0]).exists()


def test_the_page_refuses_the_second_organization_without_naming_the_first(client_for, on_sandbox, first_owner, second):
    connect_x_checked(*first_owner)
    answer = client_for(second[1]).post(url("channel-connect", second[0]) + "?platform=x", {
        "bearer_token": "stolen", "confirmed_brand_account": "on"})
    assert answer.status_code == 200
    assert TAKEN.encode() in answer.content
    assert_names_no_organization(answer.content.decode(), first_owner[0])
    assert not Channel.objects.for_organization(second[0]).exists()


def test_connecting_an_account_this_organization_has_points_to_reconnect(client_for, on_sandbox, first_owner):
    organization, admin = first_owner
    channel = connect_x_checked(organization, admin)
    answer = client_for(admin).post(url("channel-connect", organization) + "?platform=x", {
        "bearer_token": "token-2", "confirmed_brand_account": "on"})
    assert answer.status_code == 200
    assert b"is already connected here" in answer.content
    channel.refresh_from_db()
    assert decrypt_credentials(channel.credentials_encrypted) == {"bearer_token": "token-1"}


def test_reconnect_page_asks_for_confirmation_then_replaces_the_credentials(client_for, on_sandbox, first_owner):
    organization, admin = first_owner
    channel = connect_x_checked(organization, admin)
    client = client_for(admin)
    page = url("channel-reconnect", organization, pk=channel.pk)
    detail = client.get(url("channel-detail", organization, pk=channel.pk))
    assert page.encode() in detail.content
    form = client.get(page)
    assert form.status_code == 200 and b"Replace the stored credentials of this channel" in form.content

    unconfirmed = client.post(page, {"bearer_token": "token-2", "confirmed_brand_account": "on"})
    assert unconfirmed.status_code == 200
    assert b"Confirm that the new credentials replace the stored ones." in unconfirmed.content
    channel.refresh_from_db()
    assert decrypt_credentials(channel.credentials_encrypted) == {"bearer_token": "token-1"}

    done = client.post(page, {"bearer_token": "token-2", "watch_terms": "AirDemo", "confirmed_brand_account": "on",
                              "confirmed_replacement": "on"})
    assert done.status_code == 302 and done["Location"] == url("channel-detail", organization, pk=channel.pk)
    channel.refresh_from_db()
    assert decrypt_credentials(channel.credentials_encrypted) == {"bearer_token": "token-2"}
    assert channel.connection == {"watch_terms": ["AirDemo"]}
    assert Channel.objects.for_organization(organization).count() == 1


def test_reconnecting_with_another_accounts_credentials_changes_nothing(client_for, api_for, on_sandbox, first_owner):
    organization, admin = first_owner
    # The sandbox says every X token is @vigie_brand's: this channel is another account.
    channel = ChannelFactory(organization=organization, platform="x", external_account_id="999", handle="@other_brand")
    stored = channel.credentials_encrypted
    answer = client_for(admin).post(url("channel-reconnect", organization, pk=channel.pk), {
        "bearer_token": "token-2", "confirmed_brand_account": "on", "confirmed_replacement": "on"})
    assert answer.status_code == 200
    assert b"These credentials are for @vigie_brand, not for @other_brand: nothing was changed." in answer.content
    api_answer = api_for(admin).post(url("api:channel-reconnect", organization, pk=channel.pk), {
        "credentials": {"bearer_token": "token-2"}, "confirmed_brand_account": True, "confirmed_replacement": True,
    }, format="json")
    assert api_answer.status_code == 400
    assert "not for @other_brand" in api_answer.json()["non_field_errors"][0]
    channel.refresh_from_db()
    assert channel.credentials_encrypted == stored
    assert Channel.objects.for_organization(organization).count() == 1


def test_api_reconnect_needs_the_confirmation(api_for, on_sandbox, first_owner):
    organization, admin = first_owner
    channel = connect_x_checked(organization, admin)
    api = api_for(admin)
    endpoint = url("api:channel-reconnect", organization, pk=channel.pk)
    body = {"credentials": {"bearer_token": "token-2"}, "confirmed_brand_account": True}
    assert api.post(endpoint, body, format="json").status_code == 400
    refused = api.post(endpoint, {**body, "confirmed_replacement": False}, format="json")
    assert refused.status_code == 400 and "confirmed_replacement" in refused.json()
    channel.refresh_from_db()
    assert decrypt_credentials(channel.credentials_encrypted) == {"bearer_token": "token-1"}
    done = api.post(endpoint, {**body, "confirmed_replacement": True}, format="json")
    assert done.status_code == 200 and done.json()["id"] == channel.pk
    channel.refresh_from_db()
    assert decrypt_credentials(channel.credentials_encrypted) == {"bearer_token": "token-2"}


def test_agents_cannot_reconnect(client_for, api_for, organization, agent):
    channel = ChannelFactory(organization=organization)
    assert client_for(agent).post(url("channel-reconnect", organization, pk=channel.pk), {}).status_code == 403
    assert api_for(agent).post(url("api:channel-reconnect", organization, pk=channel.pk), {},
                               format="json").status_code == 403


def test_the_migration_keeps_the_first_organization_and_sets_later_duplicates_aside(first_owner, second, settings):
    """What upgrading an installation where one account is already shared does (the constraint is
    dropped for the test, inside its transaction, to recreate that state)."""
    from importlib import import_module

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader

    migration = import_module("inbox.migrations.0006_channel_account_once_per_installation")
    constraint = next(c for c in Channel._meta.constraints if c.name == "channel_account_once_per_installation")
    with connection.schema_editor() as editor:
        editor.remove_constraint(Channel, constraint)
    first = ChannelFactory(organization=first_owner[0], platform="x", external_account_id="4242")
    later = ChannelFactory(organization=second[0], platform="x", external_account_id="4242")
    settings.PLATFORM_BASE_URLS = {**settings.PLATFORM_BASE_URLS, "mastodon": "https://default.social"}
    on_default = ChannelFactory(organization=first_owner[0], platform="mastodon", external_account_id="brand")
    on_own = ChannelFactory(organization=second[0], platform="mastodon", external_account_id="brand",
                            connection={"base_url": "https://Own.Instance"})

    historical = MigrationLoader(connection).project_state(("inbox", "0005_webhook_tokens_and_deliveries")).apps
    migration.qualify_mastodon_and_set_duplicates_aside(historical, None)
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending checks before the DDL below
    with connection.schema_editor() as editor:
        editor.add_constraint(Channel, constraint)  # holds now

    for channel in (first, later, on_default, on_own):
        channel.refresh_from_db()
    assert (first.external_account_id, first.status) == ("4242", "healthy")
    assert later.external_account_id == f"4242#set-aside-{later.pk}" and later.status == "needs_reconnect"
    assert "another organization" in later.status_reason and later.next_poll_at is None
    assert_names_no_organization(later.status_reason, first_owner[0])
    assert on_default.external_account_id == "brand@default.social"
    assert on_own.external_account_id == "brand@own.instance" and on_own.status == "healthy"


def test_the_reconnect_page_starts_from_the_channels_settings(client_for, first_owner):
    organization, admin = first_owner
    channel = ChannelFactory(organization=organization, platform="web", external_account_id="web",
                             connection={"feed_urls": ["https://a.example/f.xml", "https://b.example/g.xml"],
                                         "watch_terms": ["AirDemo", "vol"]})
    page = client_for(admin).get(url("channel-reconnect", organization, pk=channel.pk)).content.decode()
    assert "https://a.example/f.xml\nhttps://b.example/g.xml</textarea>" in page
    assert 'value="AirDemo, vol"' in page
