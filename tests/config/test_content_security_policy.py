"""Every page answers with the Content-Security-Policy and holds no inline script, event handler or
style attribute (what the policy would block): the route walk finds new pages by itself."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from accounts.roles import Role
from tests.factories import ChannelFactory, OrganizationFactory, member
from tests.tenancy_cases import OBJECT_KWARGS
from tests.test_tenancy_routes import ROUTES, _object_kwargs

pytestmark = pytest.mark.django_db

TEMPLATES = Path(settings.BASE_DIR) / "templates"
# Data blocks, which browsers never run.
DATA_SCRIPT_TYPES = {"application/json", "application/ld+json", "text/template"}


class InlineFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.problems: list[str] = []
        self._in_inline_script = False

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        for name, value in attrs:
            if name.startswith("on") or name.startswith("hx-on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if name == "style":
                self.problems.append(f"<{tag} style={value!r}>")
            if name in ("href", "src", "action") and (value or "").strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script" and not attributes.get("src") and attributes.get("type") not in DATA_SCRIPT_TYPES:
            self.problems.append("<script> block without src")
        if tag == "style":
            self.problems.append("<style> block")


def inline_problems(html: str) -> list[str]:
    finder = InlineFinder()
    finder.feed(html)
    return finder.problems


def test_the_policy_allows_our_own_scripts_and_styles_only(client):
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy


def test_no_template_holds_inline_script_handlers_or_styles():
    found = {str(path.relative_to(TEMPLATES)): inline_problems(path.read_text())
             for path in TEMPLATES.rglob("*.html")}
    assert {name: problems for name, problems in found.items() if problems} == {}


@pytest.fixture
def admin_client(client):
    organization = OrganizationFactory(slug="csp-org")
    client.force_login(member(organization, Role.ADMIN, email="csp-admin@example.com"))
    return client, organization


PAGE_ROUTES = sorted(name for name, route in ROUTES if not name.startswith("api") and not route.startswith("api/"))


@pytest.mark.parametrize("route_name", PAGE_ROUTES)
def test_every_page_has_the_policy_and_nothing_inline(route_name, admin_client):
    client, organization = admin_client
    route = next(r for n, r in ROUTES if n == route_name)
    kwargs = dict(OBJECT_KWARGS[route_name](organization)) if route_name in OBJECT_KWARGS else {}
    if "token" in _object_kwargs(route):
        kwargs["token"] = ChannelFactory(organization=organization).webhook_token
    if "<slug:organization_slug>" in route:
        kwargs["organization_slug"] = organization.slug

    response = client.get(reverse(route_name, kwargs=kwargs), follow=route_name in ("home", "organization-home"))

    assert response.status_code < 500 or route_name == "healthz"  # 503: no worker answers in tests
    assert "Content-Security-Policy" in response, route_name
    if response.get("Content-Type", "").startswith("text/html"):
        assert inline_problems(response.content.decode()) == [], route_name


def test_the_login_and_error_pages_have_the_policy_and_nothing_inline(client):
    for response in (client.get(reverse("login")), client.get("/no-such-page/"),
                     client.get(reverse("api-docs")), client.get(reverse("api-docs") + "?script")):
        assert "Content-Security-Policy" in response
        if response["Content-Type"].startswith("text/html"):
            assert inline_problems(response.content.decode()) == []
    assert client.get(reverse("api-docs") + "?script")["Content-Type"].startswith("application/javascript")
