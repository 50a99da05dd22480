import pytest
from django.urls import reverse

from accounts.models import Membership, Team
from accounts.roles import Role
from tests.factories import PASSWORD, OrganizationFactory, TeamFactory, member


@pytest.mark.django_db
def test_login_by_email_lands_in_the_only_organization(client, agent, organization):
    response = client.post(reverse("login"), {"username": "AGENT@airdemo.example", "password": PASSWORD})
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 302
    assert response["Location"] == f"/o/{organization.slug}/"


@pytest.mark.django_db
def test_wrong_password_says_what_to_do(client, agent):
    response = client.post(reverse("login"), {"username": "agent@airdemo.example", "password": "nope"})
    assert response.status_code == 200
    assert "do not match" in response.content.decode()


@pytest.mark.django_db
def test_login_is_throttled_after_repeated_failures(client, agent, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login"), {"username": "agent@airdemo.example", "password": "wrong"})
    response = client.post(reverse("login"), {"username": "agent@airdemo.example", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed logins" in response.content.decode()


@pytest.mark.django_db
def test_member_of_several_organizations_chooses_and_sees_current_one_in_header(client_for, organization, other_organization):
    user = member(organization, Role.LEAD)
    other_organization.memberships.create(user=user, role=Role.VIEWER)
    client = client_for(user)
    page = client.get(reverse("home")).content.decode()
    assert organization.name in page and other_organization.name in page
    page = client.get(reverse("team-list", kwargs={"organization_slug": other_organization.slug})).content.decode()
    assert 'data-testid="current-organization">Rival Brand<' in page
    assert "Switch organization" in page
    assert f"/o/{organization.slug}/" in page  # the switcher


@pytest.mark.django_db
def test_team_pages_list_create_and_edit(client_for, admin_user, organization):
    client = client_for(admin_user)
    url = reverse("team-list", kwargs={"organization_slug": organization.slug})
    response = client.post(url, {"name": "Service client", "description": "Retards"})
    assert response.status_code == 302
    team = Team.objects.for_organization(organization).get(name="Service client")
    detail = reverse("team-detail", kwargs={"organization_slug": organization.slug, "pk": team.pk})
    client.post(detail, {"name": "Customer care", "members": [admin_user.pk]})
    team.refresh_from_db()
    assert team.name == "Customer care"
    assert list(team.members.all()) == [admin_user]
    assert "Customer care" in client.get(url).content.decode()


@pytest.mark.django_db
def test_duplicate_team_name_is_explained(client_for, admin_user, organization):
    TeamFactory(organization=organization, name="Marketing")
    response = client_for(admin_user).post(
        reverse("team-list", kwargs={"organization_slug": organization.slug}), {"name": "marketing"}
    )
    assert response.status_code == 200
    assert "already exists" in response.content.decode()


@pytest.mark.django_db
def test_agents_cannot_create_teams(client_for, agent, organization):
    response = client_for(agent).post(reverse("team-list", kwargs={"organization_slug": organization.slug}), {"name": "X"})
    assert response.status_code == 403
    assert not Team.objects.for_organization(organization).exists()


@pytest.mark.django_db
def test_another_organizations_team_pages_answer_404(client_for, outsider, organization):
    Membership.objects.unscoped().filter(user=outsider).update(role=Role.ADMIN)  # the strongest role there, so only tenancy can stop it
    team = TeamFactory(organization=organization, name="Secret team")
    client = client_for(outsider)
    for url in (
        reverse("team-list", kwargs={"organization_slug": organization.slug}),
        reverse("team-detail", kwargs={"organization_slug": organization.slug, "pk": team.pk}),
    ):
        assert client.get(url).status_code == 404
        assert client.post(url, {"name": "hijack", "action": "delete"}).status_code == 404
    # Their own organization's URL with our team's id.
    own = reverse("team-detail", kwargs={"organization_slug": "rival", "pk": team.pk})
    assert client.get(own).status_code == 404
    assert client.post(own, {"action": "delete"}).status_code == 404
    assert Team.objects.for_organization(organization).filter(name="Secret team").exists()


@pytest.mark.django_db
def test_team_members_must_belong_to_the_organization(client_for, admin_user, organization, outsider):
    team = TeamFactory(organization=organization)
    client = client_for(admin_user)
    client.post(reverse("team-detail", kwargs={"organization_slug": organization.slug, "pk": team.pk}),
                {"name": team.name, "members": [outsider.pk]})
    assert list(team.members.all()) == []


@pytest.mark.django_db
def test_interface_speaks_the_users_language(client_for, organization):
    user = member(organization, Role.AGENT, language="fr")
    page = client_for(user).get(reverse("team-list", kwargs={"organization_slug": organization.slug})).content.decode()
    assert "Équipes" in page
    english = member(organization, Role.AGENT, language="en")
    page = client_for(english).get(reverse("team-list", kwargs={"organization_slug": organization.slug})).content.decode()
    assert "Teams" in page


@pytest.mark.django_db
def test_browser_language_is_used_when_profile_has_none(client):
    page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9").content.decode()
    assert "Se connecter" in page


def test_organization_slug_validation():
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        OrganizationFactory.build(slug="Bad Slug!", time_zone="Mars/Olympus").full_clean()
