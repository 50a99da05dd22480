import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from accounts.models import Membership, Team
from accounts.roles import Role
from tests.factories import TeamFactory, member


def url(name, organization, **kwargs):
    return reverse(f"api:{name}", kwargs={"organization_slug": organization.slug, **kwargs})


@pytest.mark.django_db
def test_team_crud_for_admins(api_for, admin_user, agent, organization):
    api = api_for(admin_user)
    response = api.post(url("team-list", organization), {"name": "Care", "member_ids": [agent.pk]}, format="json")
    assert response.status_code == 201, response.content
    team_id = response.json()["id"]
    assert [m["email"] for m in response.json()["members"]] == [agent.email]
    response = api.patch(url("team-detail", organization, pk=team_id), {"name": "Customer care"}, format="json")
    assert response.json()["name"] == "Customer care"
    assert [t["name"] for t in api.get(url("team-list", organization)).json()] == ["Customer care"]
    assert api.delete(url("team-detail", organization, pk=team_id)).status_code == 204
    assert not Team.objects.for_organization(organization).exists()


@pytest.mark.django_db
def test_member_ids_from_another_organization_are_refused(api_for, admin_user, organization, outsider):
    response = api_for(admin_user).post(url("team-list", organization), {"name": "Care", "member_ids": [outsider.pk]}, format="json")
    assert response.status_code == 400
    assert "No member of this organization" in response.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.VIEWER, Role.EXECUTIVE, Role.AGENT])
def test_roles_without_team_management_read_but_cannot_write(api_for, organization, role):
    team = TeamFactory(organization=organization, name="Care")
    api = api_for(member(organization, role))
    assert api.get(url("team-list", organization)).status_code == 200
    assert api.post(url("team-list", organization), {"name": "X"}, format="json").status_code == 403
    assert api.patch(url("team-detail", organization, pk=team.pk), {"name": "X"}, format="json").status_code == 403
    assert api.delete(url("team-detail", organization, pk=team.pk)).status_code == 403


@pytest.mark.django_db
def test_another_organization_gets_404_on_list_detail_and_writes(api_for, organization, outsider):
    Membership.objects.unscoped().filter(user=outsider).update(role=Role.ADMIN)  # the strongest role there, so only tenancy can stop it
    team = TeamFactory(organization=organization, name="Secret")
    api = api_for(outsider)
    assert api.get(url("team-list", organization)).status_code == 404
    assert api.get(url("member-list", organization)).status_code == 404
    assert api.get(url("team-detail", organization, pk=team.pk)).status_code == 404
    assert api.post(url("team-list", organization), {"name": "X"}, format="json").status_code == 404
    assert api.delete(url("team-detail", organization, pk=team.pk)).status_code == 404
    # Through their own organization's URL.
    own = reverse("api:team-detail", kwargs={"organization_slug": "rival", "pk": team.pk})
    assert api.get(own).status_code == 404
    assert api.patch(own, {"name": "pwned"}, format="json").status_code == 404
    assert Team.objects.for_organization(organization).get().name == "Secret"


@pytest.mark.django_db
def test_members_list_shows_roles(api_for, agent, admin_user, organization):
    data = api_for(agent).get(url("member-list", organization)).json()
    assert {(m["user"]["email"], m["role"]) for m in data} == {(agent.email, "agent"), (admin_user.email, "admin")}


@pytest.mark.django_db
def test_token_authentication_for_integrations(agent, organization):
    token = Token.objects.create(user=agent)
    api = APIClient()
    assert api.get(url("team-list", organization)).status_code in (401, 403)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert api.get(url("team-list", organization)).status_code == 200


@pytest.mark.django_db
def test_my_organizations(api_for, agent, organization, other_organization):
    other_organization.memberships.create(user=agent, role=Role.VIEWER)
    data = api_for(agent).get(reverse("api-my-organizations")).json()
    assert {(o["slug"], o["role"]) for o in data} == {("airdemo", "agent"), ("rival", "viewer")}


@pytest.mark.django_db
def test_openapi_schema_lists_organization_routes(api_for, agent):
    response = api_for(agent).get(reverse("api-schema"), {"format": "json"})
    assert response.status_code == 200
    paths = response.json()["paths"]
    assert "/api/v1/o/{organization_slug}/teams/" in paths
    assert "/api/v1/o/{organization_slug}/teams/{id}/" in paths


@pytest.mark.django_db
def test_viewset_cannot_override_get_queryset():
    from accounts.tenancy import OrganizationViewSet

    with pytest.raises(TypeError, match="filter_organization_queryset"):
        type("Leaky", (OrganizationViewSet,), {"get_queryset": lambda self: Team.objects.unscoped()})
