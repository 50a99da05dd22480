"""Admins manage members from the pages and the API: invitations, roles, removal, password resets."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Invitation, Membership, User
from accounts.roles import Role
from inbox.models import Conversation
from tests.factories import PASSWORD, ConversationFactory, TeamFactory, member

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "fr"]


def _link(message) -> str:
    return re.search(r"https?://\S+", message.body).group(0)


def _path(link: str) -> str:
    return "/" + link.split("/", 3)[3]


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("language", LANGUAGES)
def test_invitation_acceptance_and_first_login(admin_client, admin_user, organization, language):
    admin_user.language = language
    admin_user.save()
    organization.language = language
    organization.save()
    members_url = reverse("member-list", kwargs={"organization_slug": organization.slug})
    response = admin_client.post(members_url, {"email": "New.Person@Example.com", "role": Role.LEAD})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    invitation_mail = mail.outbox[0]
    assert invitation_mail.to == ["new.person@example.com"]
    expected = {"en": "AirDemo invites you to Vigie", "fr": "AirDemo vous invite sur Vigie"}[language]
    assert invitation_mail.subject == expected
    # The expiry is written in the organization's time zone, named.
    assert "(Paris)" in invitation_mail.body

    newcomer = Client(HTTP_ACCEPT_LANGUAGE=language)
    page = newcomer.get(_path(_link(invitation_mail)))
    assert page.status_code == 200 and "new.person@example.com" in page.content.decode()
    weak = newcomer.post(_path(_link(invitation_mail)), {"full_name": "New Person", "password": "123"})
    assert weak.status_code == 400
    assert not User.objects.filter(email="new.person@example.com").exists()  # nothing half-saved
    accepted = newcomer.post(_path(_link(invitation_mail)), {"full_name": "New Person", "password": "a long new password"})
    assert accepted.status_code == 302
    assert accepted["Location"] == f"/o/{organization.slug}/"
    user = User.objects.get(email="new.person@example.com")
    assert Membership.objects.for_organization(organization).get(user=user).role == Role.LEAD
    assert newcomer.get(f"/o/{organization.slug}/inbox/").status_code == 200

    # First login with the password chosen on the invitation page.
    newcomer.post(reverse("logout"))
    login = newcomer.post(reverse("login"), {"username": "new.person@example.com", "password": "a long new password"})
    assert login.status_code == 302

    # The link worked once.
    reused = Client(HTTP_ACCEPT_LANGUAGE=language).get(_path(_link(invitation_mail)))
    assert reused.status_code == 410
    said = {"en": "already used", "fr": "déjà été utilisée"}[language]
    assert said in reused.content.decode()


def test_an_existing_account_accepting_joins_without_a_new_password(admin_client, organization, other_organization):
    someone = member(other_organization, Role.AGENT, email="known@example.com")
    admin_client.post(reverse("member-list", kwargs={"organization_slug": organization.slug}),
                      {"email": "known@example.com", "role": Role.VIEWER})
    visitor = Client()
    response = visitor.post(_path(_link(mail.outbox[0])), {})
    assert response.status_code == 302 and response["Location"] == reverse("login")
    assert Membership.objects.for_organization(organization).get(user=someone).role == Role.VIEWER
    someone.refresh_from_db()
    assert someone.check_password(PASSWORD)


@pytest.mark.parametrize("language,said", [("en", "is already a member"), ("fr", "est déjà membre")])
def test_inviting_a_member_again_is_refused_in_the_users_language(admin_client, admin_user, agent, organization,
                                                                   language, said):
    admin_user.language = language
    admin_user.save()
    response = admin_client.post(reverse("member-list", kwargs={"organization_slug": organization.slug}),
                                 {"email": agent.email.upper(), "role": Role.AGENT})
    assert response.status_code == 400
    assert said in response.content.decode()
    assert not Invitation.objects.for_organization(organization).exists() and not mail.outbox


@pytest.mark.parametrize("language,said", [("en", "has expired"), ("fr", "a expiré")])
def test_an_expired_invitation_says_so(admin_client, organization, language, said):
    admin_client.post(reverse("member-list", kwargs={"organization_slug": organization.slug}),
                      {"email": "late@example.com", "role": Role.AGENT})
    Invitation.objects.for_organization(organization).update(expires_at=timezone.now() - timedelta(minutes=1))
    late = Client(HTTP_ACCEPT_LANGUAGE=language)
    for response in (late.get(_path(_link(mail.outbox[0]))),
                     late.post(_path(_link(mail.outbox[0])), {"password": "a long new password"})):
        assert response.status_code == 410 and said in response.content.decode()
    assert not User.objects.filter(email="late@example.com").exists()


def test_a_role_change_takes_effect_on_an_open_session(admin_client, organization):
    lead = member(organization, Role.LEAD, email="lead@airdemo.example")
    lead_browser = Client()
    lead_browser.force_login(lead)
    settings_page = reverse("routing-rule-list", kwargs={"organization_slug": organization.slug})
    assert lead_browser.get(settings_page).status_code == 200
    membership = Membership.objects.for_organization(organization).get(user=lead)
    detail = reverse("member-detail", kwargs={"organization_slug": organization.slug, "pk": membership.pk})
    assert admin_client.post(detail, {"action": "role", "role": Role.VIEWER}).status_code == 302
    # Same session, next request: the new role applies.
    assert lead_browser.get(settings_page).status_code == 403
    inbox = lead_browser.get(reverse("inbox", kwargs={"organization_slug": organization.slug})).content.decode()
    assert "Routing" not in inbox


def test_the_last_admin_cannot_be_demoted_or_removed(admin_client, admin_user, organization):
    membership = Membership.objects.for_organization(organization).get(user=admin_user)
    detail = reverse("member-detail", kwargs={"organization_slug": organization.slug, "pk": membership.pk})
    admin_client.post(detail, {"action": "role", "role": Role.AGENT})
    admin_client.post(detail, {"action": "remove"})
    membership.refresh_from_db()
    assert membership.role == Role.ADMIN


def test_removing_a_member_hands_their_conversations_back_and_says_how_many(admin_client, agent, organization):
    team = TeamFactory(organization=organization)
    for status in ("open", "open", "closed"):
        ConversationFactory(organization=organization, assignee=agent, team=team, status=status)
    membership = Membership.objects.for_organization(organization).get(user=agent)
    detail = reverse("member-detail", kwargs={"organization_slug": organization.slug, "pk": membership.pk})
    confirmation = admin_client.get(detail).content.decode()
    assert "2 open conversations assigned" in confirmation
    response = admin_client.post(detail, {"action": "remove", "confirm": "yes"}, follow=True)
    assert "2 conversations went back to the team" in response.content.decode()
    assert not Membership.objects.for_organization(organization).filter(user=agent).exists()
    conversations = Conversation.objects.for_organization(organization)
    assert not conversations.filter(assignee=agent).exists()
    assert conversations.filter(team=team).count() == 3


def test_agents_cannot_reach_the_member_pages(client, agent, organization):
    client.force_login(agent)
    assert client.get(reverse("member-list", kwargs={"organization_slug": organization.slug})).status_code == 403
    assert client.post(reverse("member-list", kwargs={"organization_slug": organization.slug}),
                       {"email": "x@example.com", "role": Role.ADMIN}).status_code == 403
    assert not Invitation.objects.for_organization(organization).exists()


def test_the_api_invites_changes_roles_and_removes(api_for, admin_user, agent, organization):
    api = api_for(admin_user)
    base = f"/api/v1/o/{organization.slug}"
    created = api.post(f"{base}/invitations/", {"email": "api@example.com", "role": "viewer"}, format="json")
    assert created.status_code == 201 and created.json()["email"] == "api@example.com"
    again = api.post(f"{base}/invitations/", {"email": agent.email, "role": "viewer"}, format="json")
    assert again.status_code == 400 and "already a member" in again.json()["email"][0]
    membership = Membership.objects.for_organization(organization).get(user=agent)
    changed = api.patch(f"{base}/members/{membership.pk}/", {"role": "lead"}, format="json")
    assert changed.status_code == 200 and changed.json()["role"] == "lead"
    assert api.post(f"{base}/members/{membership.pk}/password-reset/").status_code == 202
    assert "/reset/" in mail.outbox[-1].body
    ConversationFactory(organization=organization, assignee=agent, status="open")
    removed = api.delete(f"{base}/members/{membership.pk}/")
    assert removed.status_code == 200 and removed.json() == {"returned_conversations": 1}
    assert api_for(agent).get(f"{base}/members/").status_code == 404
