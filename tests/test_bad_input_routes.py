"""Walks every URL of the project and sends it hostile input with every method: zero 5xx.

Bad input is the sender's problem and must come back as a 4xx that says what is wrong, never as a
server error. Each organization route is called by an admin of that organization on objects of
that organization (the cases of tests/tenancy_cases.py build them), so requests reach the views
rather than stopping at a 404. The field and parameter names come from the project itself: every
serializer and form field, and every name the views read from GET/POST by hand.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from django import forms
from django.test import Client
from django.urls import reverse
from rest_framework import serializers

from accounts.roles import Role
from tests import tenancy_cases_statements
from tests.factories import OrganizationFactory, member
from tests.tenancy_cases import OBJECT_KWARGS
from tests.test_tenancy_routes import ROUTES, _object_kwargs

PROJECT = Path(__file__).resolve().parents[1]
SOURCES = ("accounts", "inbox", "crisis", "config", "playbooks")

HUGE = 2**63
NUL = "bad\x00value"
SURROGATE = "bad\ud800value"


def _subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _subclasses(sub)


def _ours(cls) -> bool:
    return cls.__module__.split(".")[0] in SOURCES


def known_field_names() -> list[str]:
    import accounts.api.serializers  # noqa: F401  (every serializer and form class is imported)
    import accounts.forms  # noqa: F401
    import inbox.api.channels  # noqa: F401
    import inbox.api.serializers  # noqa: F401
    import inbox.channel_forms  # noqa: F401
    import playbooks.api.serializers  # noqa: F401

    names: set[str] = set()
    for cls in _subclasses(serializers.Serializer):
        if _ours(cls):
            try:
                names |= set(cls().fields)
            except Exception:  # a serializer needing arguments to build still has declared fields
                names |= set(getattr(cls, "_declared_fields", {}))
    for cls in _subclasses(forms.BaseForm):
        if _ours(cls):
            names |= set(getattr(cls, "base_fields", {}))
    reads = re.compile(r"""(?:get|getlist|pop|many|ints|__contains__)\(\s*["'](\w+)["']|(?:GET|POST|data)\[["'](\w+)["']\]""")
    for package in SOURCES:
        for path in (PROJECT / package).rglob("*.py"):
            if "sandbox" in path.parts or "migrations" in path.parts:
                continue
            for match in reads.finditer(path.read_text()):
                names.add(match.group(1) or match.group(2))
    return sorted(names)


FIELDS = known_field_names()

# One hostile value per kind, put in every known field at once.
FORM_VALUES = {"nul": NUL, "huge": str(HUGE), "long": "x" * 300}
JSON_VALUES = {"nul": NUL, "surrogate": SURROGATE, "huge": HUGE, "list": ["a", NUL], "string": "not an object",
               "object": {"key": "value", "nested": [NUL, HUGE]}}


def _url(name: str, route: str, organization) -> str:
    kwargs = {}
    if "<slug:organization_slug>" in route:
        kwargs["organization_slug"] = organization.slug
        if _object_kwargs(route):
            kwargs.update(OBJECT_KWARGS[name](organization))
    return reverse(name, kwargs=kwargs)


def _check(response, method: str, url: str, what: str) -> None:
    if url == "/healthz" and response.status_code == 503:
        return  # the health check's own answer: no worker runs beside the tests
    assert response.status_code < 500, f"{method} {url} with {what} answered {response.status_code}"


@pytest.fixture(autouse=True)
def quick_health_check(monkeypatch):
    # /healthz waits for a Celery worker that never runs beside the tests: do not wait long.
    monkeypatch.setattr("config.health.WORKER_PING_TIMEOUT_S", 0.05)


@pytest.fixture
def admin_client(db):
    organization = OrganizationFactory(slug="fuzzed-org")
    admin = member(organization, Role.ADMIN, email="fuzz-admin@example.com")
    client = Client(raise_request_exception=False)
    client.force_login(admin)
    return client, organization


# Every route, except public ones that name an object: those are the platforms' webhooks, which
# check a signature before reading anything (their malformed bodies are the webhook tests' job).
ROUTES_UNDER_TEST = [(name, route) for name, route in ROUTES
                     if "<slug:organization_slug>" in route or not _object_kwargs(route)]


def test_the_sweep_knows_the_fields_of_the_issue():
    for name in ("q", "tag", "language", "text", "notes", "name", "tags", "position", "filters", "sla_policy",
                 "conditions", "members", "description", "watch_terms", "feed_urls"):
        assert name in FIELDS


@pytest.mark.parametrize(("route_name", "route"), ROUTES_UNDER_TEST, ids=[name for name, _ in ROUTES_UNDER_TEST])
def test_hostile_input_never_gets_a_server_error(route_name, route, admin_client):
    client, organization = admin_client
    url = _url(route_name, route, organization)
    for kind, value in FORM_VALUES.items():
        everywhere = {name: value for name in FIELDS}
        _check(client.get(url, everywhere), "GET", url, f"{kind} query parameters")
        _check(client.post(url, everywhere), "POST", url, f"{kind} form fields")
    for method in ("head", "options", "delete"):
        _check(getattr(client, method)(url, {name: NUL for name in FIELDS}), method.upper(), url, "NUL query parameters")
    for method in ("put", "patch"):
        body = "&".join(f"{name}=bad%00value" for name in FIELDS)
        response = getattr(client, method)(url, body, content_type="application/x-www-form-urlencoded")
        _check(response, method.upper(), url, "NUL form fields")
    for kind, value in JSON_VALUES.items():
        body = json.dumps({name: value for name in FIELDS})
        for method in ("post", "put", "patch", "delete") if kind == "nul" else ("post",):
            response = getattr(client, method)(url, body, content_type="application/json")
            _check(response, method.upper(), url, f"{kind} JSON fields")
    for raw in ('{"text": "\\ud800"}', "[1, 2", '"just a string"', "null"):
        _check(client.post(url, raw, content_type="application/json"), "POST", url, f"the raw JSON {raw!r}")


# -- every API operation, one hostile field at a time over an otherwise valid body -----------------
#
# All fields hostile at once can hide a field: the request fails on the first one and never reaches
# the code that would choke on another. So each operation of the OpenAPI schema gets a valid body
# built from its request schema, then each of its fields in turn gets each hostile value.

FIELD_HOSTILE_VALUES = [HUGE, -HUGE, -1, 1e308, "x" * 12_000, "not a number", ["a", 1], {"a": [1]}, None]


def _api_operations():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]

    def resolve(node):
        while "$ref" in node:
            node = components[node["$ref"].rsplit("/", 1)[1]]
        if "allOf" in node:
            merged = {key: value for key, value in node.items() if key != "allOf"}
            for part in node["allOf"]:
                merged.update(resolve(part))
            return merged
        return node

    operations = []
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                request_schema = resolve(body["schema"])
                properties = {name: resolve(prop) for name, prop in request_schema.get("properties", {}).items()
                              if not prop.get("readOnly")}
                operations.append((method, path, properties))
    return operations


API_OPERATIONS = _api_operations()


@pytest.fixture
def fuzzed_organization(admin_client):
    from accounts.models import Membership
    from inbox.models import DeadLetter, RoutingRule, SavedView
    from tests.factories import ChannelFactory, ContactFactory, MessageFactory, TagFactory, TeamFactory

    client, organization = admin_client
    admin = member(organization, Role.ADMIN, email="second-admin@example.com")
    message = MessageFactory(conversation__organization=organization, direction="out", state="failed")
    conversation = message.conversation
    objects = {
        "conversations": conversation.pk, "messages": message.pk,
        "channels": conversation.channel_id, "contacts": conversation.contact_id,
        "teams": TeamFactory(organization=organization).pk,
        "routing-rules": RoutingRule.objects.create(organization=organization, name="Rule", conditions={}).pk,
        "saved-views": SavedView.objects.create(organization=organization, name="View", filters={}).pk,
        "dead-letters": DeadLetter.objects.create(organization=organization, payload={}, reason="r").pk,
        "members": Membership.objects.for_organization(organization).get(user=admin).pk,
        **_playbooks_objects(organization, conversation, admin),
    }
    objects.update(_oncall_objects(organization, admin))
    # The crisis room's API names a crisis (crisis/api/room.py): the organization's active one.
    objects.setdefault("crises", _active_crisis(organization, admin))
    from tests.tenancy_cases_clusters import cluster_in

    objects["clusters"] = cluster_in(organization).pk
    objects["statements"] = tenancy_cases_statements._statement(organization)["pk"]  # submitted, in review
    ids = {
        "assignee_id": admin.pk, "team_id": objects["teams"], "channel_id": ChannelFactory(organization=organization).pk,
        "other_contact_id": ContactFactory(organization=organization).pk, "tag_ids": [TagFactory(organization=organization).pk],
        "member_ids": [admin.pk], "ids": [conversation.pk], "seen_up_to_message_id": message.pk,
    }
    return client, organization, objects, ids


def _oncall_objects(organization, admin) -> dict:
    from datetime import date, time

    from crisis.services import oncall, policies

    rota = oncall.rota_create(organization=organization, actor=admin, name="Fuzzed rota", time_zone="Europe/Paris",
                              layers=[{"name": "Fuzzed layer", "member_ids": [admin.pk], "starts_on": date(2026, 1, 5),
                                       "handoff_time": time(9)}])
    policy = policies.policy_create(organization=organization, actor=admin, name="Fuzzed policy",
                                    steps=[{"notify": "leads", "wait_minutes": 5}])
    return {"rotas": rota.pk, "rota-layers": rota.layers.get().pk, "escalation-policies": policy.pk,
            "crises": _active_crisis(organization, admin)}


def _active_crisis(organization, admin) -> int:
    from crisis import selectors
    from crisis.services import cell

    crisis = selectors.active_crisis(organization=organization)
    return (crisis or cell.crisis_declare(organization=organization, actor=admin, title="Fuzzed crisis")).pk


def _playbooks_objects(organization, conversation, author) -> dict:
    from playbooks.models import Guide, GuideVersion, LintRule, PerimeterRule, ReplyApproval

    guide = Guide.objects.create(organization=organization, name="Guide")
    return {
        "guides": guide.pk,
        "guide-versions": GuideVersion.objects.create(organization=organization, guide=guide, number=1,
                                                      content={"scenarios": []}).pk,
        "lint-rules": LintRule.objects.create(organization=organization, kind="forbidden", name="Rule",
                                              pattern="word").pk,
        "perimeter-rules": PerimeterRule.objects.create(organization=organization, name="Rule", conditions={}).pk,
        "approvals": ReplyApproval.objects.create(
            organization=organization, conversation=conversation, channel=conversation.channel, author=author,
            text="Reply", original_text="Reply", rule_name="Rule").pk,
    }


def _valid(name: str, prop: dict, ids: dict):
    if name in ids:
        return ids[name]
    if "enum" in prop:
        return next(value for value in prop["enum"] if value is not None)
    kind = prop.get("type")
    if kind == "string":
        return "2030-01-01T09:00:00Z" if prop.get("format") == "date-time" else "Valid text"
    if kind == "integer":
        return max(prop.get("minimum", 0), 0)
    if kind == "number":
        return 0.5
    if kind == "boolean":
        return True
    if kind == "array":
        return []
    return {}


def _concrete(path: str, organization, objects: dict) -> str:
    url = path.replace("{organization_slug}", organization.slug)
    segments = url.split("/")
    for index, segment in enumerate(segments):
        if segment in ("{id}", "{pk}"):
            segments[index] = str(objects[segments[index - 1]])
    return "/".join(segments)


@pytest.mark.parametrize(("method", "path", "properties"), API_OPERATIONS,
                         ids=[f"{method} {path}" for method, path, _ in API_OPERATIONS])
def test_each_api_field_alone_with_hostile_values_never_gets_a_server_error(method, path, properties,
                                                                            fuzzed_organization):
    client, organization, objects, ids = fuzzed_organization
    url = _concrete(path, organization, objects)
    baseline = {name: _valid(name, prop, ids) for name, prop in properties.items()}
    send = getattr(client, method)
    _check(send(url, json.dumps(baseline), content_type="application/json"), method.upper(), url, "a valid body")
    for name in properties:
        for value in FIELD_HOSTILE_VALUES:
            response = send(url, json.dumps({**baseline, name: value}), content_type="application/json")
            _check(response, method.upper(), url, f"{name}={str(value)[:40]!r}")
