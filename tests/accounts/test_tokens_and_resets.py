"""API tokens of one organization (shown once, last use, revoked → 401) and forgotten passwords."""

import re

import pytest
from django.core import mail
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from accounts.models import ApiToken
from accounts.roles import Role
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db


def _create_token_on_the_page(client, organization, role="viewer") -> str:
    page = client.post(reverse("token-list", kwargs={"organization_slug": organization.slug}),
                       {"name": "BI export", "role": role})
    assert page.status_code == 200 and page["Cache-Control"] == "no-store"
    return re.search(r'data-testid="new-token-key">(vgt_[^<]+)<', page.content.decode()).group(1)


@pytest.mark.parametrize("language,said", [("en", "not valid or was revoked"), ("fr", "a été révoqué")])
def test_a_token_works_in_its_organization_until_revoked(client, admin_user, organization, language, said):
    client.force_login(admin_user)
    key = _create_token_on_the_page(client, organization)
    # Shown once: the list shows only its beginning.
    listing = client.get(reverse("token-list", kwargs={"organization_slug": organization.slug})).content.decode()
    assert key not in listing and key[:10] in listing

    api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    members_url = f"/api/v1/o/{organization.slug}/members/"
    assert api.get(members_url).status_code == 200
    token = ApiToken.objects.for_organization(organization).get()
    assert token.last_used_at is not None and token.key_digest != key
    # A viewer token cannot write, whatever its creator may do.
    assert api.post(f"/api/v1/o/{organization.slug}/teams/", {"name": "x"}, format="json").status_code == 403

    client.post(reverse("token-list", kwargs={"organization_slug": organization.slug}),
                {"action": "revoke", "token": token.pk})
    refused = api.get(members_url)
    assert refused.status_code == 401 and refused["WWW-Authenticate"] == "Token"
    assert said in refused.json()["detail"]


@pytest.mark.parametrize("language,said", [("en", "belongs to another organization"), ("fr", "une autre organisation")])
def test_a_token_of_another_organization_is_refused(admin_user, organization, other_organization, language, said):
    other_admin = member(other_organization, Role.ADMIN, email="admin@rival.example")
    other_admin.memberships.create(organization=organization, role=Role.ADMIN)  # even if its creator is a member here
    api = APIClient(HTTP_ACCEPT_LANGUAGE=language)
    api.force_authenticate(other_admin)
    key = api.post(f"/api/v1/o/{other_organization.slug}/api-tokens/", {"name": "rival", "role": "admin"},
                   format="json").json()["key"]
    api.force_authenticate(None)
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get(f"/api/v1/o/{other_organization.slug}/members/").status_code == 200
    refused = api.get(f"/api/v1/o/{organization.slug}/members/")
    assert refused.status_code == 403 and said in refused.json()["detail"]


def test_the_token_api_lists_last_use_and_revokes(api_for, admin_user, organization):
    api = api_for(admin_user)
    created = api.post(f"/api/v1/o/{organization.slug}/api-tokens/", {"name": "Zapier", "role": "agent"}, format="json")
    assert created.status_code == 201 and created.json()["key"].startswith("vgt_")
    listed = api.get(f"/api/v1/o/{organization.slug}/api-tokens/").json()
    assert listed[0]["name"] == "Zapier" and "key" not in listed[0] and listed[0]["last_used_at"] is None
    revoked = api.delete(f"/api/v1/o/{organization.slug}/api-tokens/{created.json()['id']}/")
    assert revoked.status_code == 200 and revoked.json()["revoked_at"]


def _main(response) -> str:
    return re.search(r'<main id="main">(.*)</main>', response.content.decode(), re.S).group(1)


def _reset_link(message) -> str:
    return "/" + re.search(r"https?://\S+", message.body).group(0).split("/", 3)[3]


@pytest.mark.parametrize("language", ["en", "fr"])
def test_forgot_password_resets_once_without_telling_who_has_an_account(agent, language):
    agent.language = language
    agent.save()
    visitor = Client(HTTP_ACCEPT_LANGUAGE=language)
    login_page = visitor.get(reverse("login")).content.decode()
    assert reverse("password_reset") in login_page
    known = visitor.post(reverse("password_reset"), {"email": agent.email}, follow=True)
    unknown = visitor.post(reverse("password_reset"), {"email": "nobody@example.com"}, follow=True)
    # No account enumeration: the same page either way.
    assert known.redirect_chain == unknown.redirect_chain
    assert _main(known) == _main(unknown) and "csrfmiddlewaretoken" not in _main(known)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [agent.email]
    assert mail.outbox[0].subject == {"en": "Choose a new Vigie password", "fr": "Choisissez un nouveau mot de passe Vigie"}[language]

    link = _reset_link(mail.outbox[0])
    form = visitor.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = visitor.post(set_url, {"new_password1": "a brand new password", "new_password2": "a brand new password"})
    assert done.status_code == 302
    agent.refresh_from_db()
    assert agent.check_password("a brand new password") and not agent.check_password(PASSWORD)
    reused = Client(HTTP_ACCEPT_LANGUAGE=language).get(link, follow=True).content.decode()
    assert {"en": "already used or has expired", "fr": "déjà été utilisé ou a expiré"}[language] in reused


def test_password_resets_are_throttled_per_address(agent):
    cache.delete("throttle:reset-ip:10.9.9.9")
    visitor = Client(REMOTE_ADDR="10.9.9.9")
    statuses = [visitor.post(reverse("password_reset"), {"email": f"someone{i}@example.com"}).status_code
                for i in range(6)]
    assert statuses == [302] * 5 + [429]
    cache.delete("throttle:reset-ip:10.9.9.9")


def test_a_token_lists_only_its_own_organization(api_for, admin_user, organization, other_organization):
    admin_user.memberships.create(organization=other_organization, role=Role.ADMIN)
    key = api_for(admin_user).post(f"/api/v1/o/{organization.slug}/api-tokens/", {"name": "x", "role": "viewer"},
                                   format="json").json()["key"]
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert [o["slug"] for o in api.get(reverse("api-my-organizations")).json()] == [organization.slug]
