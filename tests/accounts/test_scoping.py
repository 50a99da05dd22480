import pytest

from accounts.models import Membership, Team
from accounts.scoping import UnscopedQueryError
from tests.factories import TeamFactory, member


@pytest.mark.django_db
def test_unscoped_queries_are_refused(organization):
    TeamFactory(organization=organization)
    with pytest.raises(UnscopedQueryError):
        list(Team.objects.all())
    with pytest.raises(UnscopedQueryError):
        Team.objects.filter(name="x").count()
    with pytest.raises(UnscopedQueryError):
        Team.objects.get(name="x")
    with pytest.raises(UnscopedQueryError):
        Team.objects.update(name="y")
    with pytest.raises(UnscopedQueryError):
        Team.objects.filter(name="x").delete()
    with pytest.raises(UnscopedQueryError):
        Team.objects.exists()


@pytest.mark.django_db
def test_for_organization_returns_only_that_organizations_rows(organization, other_organization):
    mine = TeamFactory(organization=organization, name="Care")
    TeamFactory(organization=other_organization, name="Care")
    assert list(Team.objects.for_organization(organization)) == [mine]
    assert Team.objects.for_organization(organization.pk).filter(name="Care").get() == mine


@pytest.mark.django_db
def test_explicit_unscoped_crosses_organizations(organization, other_organization):
    TeamFactory(organization=organization)
    TeamFactory(organization=other_organization)
    assert Team.objects.unscoped().count() == 2


@pytest.mark.django_db
def test_related_managers_and_saves_work_through_a_scoped_parent(organization):
    team = TeamFactory(organization=organization)
    user = member(organization)
    team.members.add(user, through_defaults={"organization": organization})
    assert list(team.members.all()) == [user]
    team.name = "Renamed"
    team.save(update_fields=["name"])
    team.refresh_from_db()
    assert team.name == "Renamed"
    assert Membership.objects.for_organization(organization).get(user=user).role == "agent"


def test_for_organization_refuses_none():
    with pytest.raises(UnscopedQueryError):
        Team.objects.for_organization(None)
