"""Walks every URL of the project and attacks each organization route from another organization.

A member of organization A must get 404 — exactly as for a missing page — on every page and API
route of organization B (list, detail, and every write method), and on A's own routes when the
URL names B's object. A route added without a case in tests/tenancy_cases.py fails here.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.roles import Role
from tests.factories import OrganizationFactory, member
from tests.tenancy_cases import OBJECT_KWARGS, PUBLIC_ROUTES

WRITE_METHODS = ("post", "put", "patch", "delete")


def _walk(resolver: URLResolver, prefix: str = "", namespace: str = ""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            ns = namespace
            if pattern.namespace:
                ns = f"{namespace}{pattern.namespace}:"
            yield from _walk(pattern, route, ns)
        elif isinstance(pattern, URLPattern):
            yield route, (namespace + pattern.name) if pattern.name else None


ROUTES = sorted({(name, route) for route, name in _walk(get_resolver()) if not route.startswith("static")}, key=str)
ORGANIZATION_ROUTES = sorted({name for name, route in ROUTES if "<slug:organization_slug>" in route})


def _object_kwargs(route: str) -> set[str]:
    return set(re.findall(r"<(?:\w+:)?(\w+)>", route)) - {"organization_slug"}


def test_every_route_is_named_and_classified():
    unnamed = [route for name, route in ROUTES if name is None]
    assert not unnamed, f"Name these routes so the tenancy walk can check them: {unnamed}"
    unclassified = [name for name, route in ROUTES if "<slug:organization_slug>" not in route and name not in PUBLIC_ROUTES]
    assert not unclassified, (
        f"Routes outside /o/<slug>/ must be listed as public in tests/tenancy_cases.py: {unclassified}"
    )


def test_every_route_that_names_an_object_has_a_cross_tenant_case():
    missing = [name for name, route in ROUTES if name in ORGANIZATION_ROUTES and _object_kwargs(route) and name not in OBJECT_KWARGS]
    assert not missing, f"Add cross-tenant cases to tests/tenancy_cases.py for: {missing}"


def test_the_walk_sees_pages_and_api():
    assert "team-list" in ORGANIZATION_ROUTES
    assert "api:team-list" in ORGANIZATION_ROUTES


@pytest.fixture
def attacker_and_victim(db):
    home = OrganizationFactory(slug="home-org")
    victim = OrganizationFactory(slug="victim-org", name="Victim Org")
    attacker = member(home, Role.ADMIN, email="attacker@example.com")
    return attacker, home, victim


@pytest.mark.parametrize("route_name", ORGANIZATION_ROUTES)
def test_another_organizations_routes_answer_404(route_name, attacker_and_victim, client):
    attacker, home, victim = attacker_and_victim
    route = next(r for n, r in ROUTES if n == route_name)
    kwargs = OBJECT_KWARGS[route_name](victim) if _object_kwargs(route) else {}
    client.force_login(attacker)

    victim_url = reverse(route_name, kwargs={"organization_slug": victim.slug, **kwargs})
    response = client.get(victim_url)
    assert response.status_code == 404, f"GET {victim_url} as another organization's admin"
    assert b"Victim" not in response.content
    for method in WRITE_METHODS:
        response = getattr(client, method)(victim_url, data={}, content_type="application/json")
        assert response.status_code == 404, f"{method.upper()} {victim_url} as another organization's admin"

    if kwargs:
        # The attacker's own organization in the URL, the victim's object id in it.
        mixed_url = reverse(route_name, kwargs={"organization_slug": home.slug, **kwargs})
        statuses = {}
        for method in ("get", *WRITE_METHODS):
            response = getattr(client, method)(mixed_url, data={}, content_type="application/json")
            statuses[method] = response.status_code
            assert b"Victim" not in response.content
        # 405 for a method the route does not have; every method it has must answer 404.
        assert set(statuses.values()) <= {404, 405}, f"{mixed_url} reaches another organization's object: {statuses}"
        assert 404 in statuses.values(), f"{mixed_url}: {statuses}"


@pytest.mark.parametrize("route_name", ORGANIZATION_ROUTES)
def test_organization_routes_need_a_login(route_name, attacker_and_victim, client):
    _, _, victim = attacker_and_victim
    route = next(r for n, r in ROUTES if n == route_name)
    kwargs = OBJECT_KWARGS[route_name](victim) if _object_kwargs(route) else {}
    response = client.get(reverse(route_name, kwargs={"organization_slug": victim.slug, **kwargs}))
    assert response.status_code in (302, 401, 403)
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("login"))
