"""The API docs: paths name {organization_slug}, operations are grouped by resource, and each has a
one-line summary and an example request."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def schema(django_db_setup, django_db_blocker):
    from drf_spectacular.generators import SchemaGenerator

    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)


def _operations(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method in METHODS:
                yield path, method, operation


def test_organization_paths_name_the_slug(schema):
    organization_paths = [p for p in schema["paths"] if p.startswith("/api/v1/o/")]
    assert organization_paths and all(p.startswith("/api/v1/o/{organization_slug}/") for p in organization_paths)
    for path, _method, operation in _operations(schema):
        if "{organization_slug}" in path:
            assert any(p["name"] == "organization_slug" and p["in"] == "path" for p in operation["parameters"]), path


def test_operations_are_grouped_by_resource(schema):
    tags = {path: operation["tags"] for path, _method, operation in _operations(schema)}
    assert tags["/api/v1/o/{organization_slug}/conversations/{id}/assign/"] == ["conversations"]
    assert tags["/api/v1/o/{organization_slug}/members/"] == ["members"]
    assert tags["/api/v1/o/{organization_slug}/api-tokens/{id}/"] == ["api-tokens"]
    assert not [path for path, found in tags.items() if found in (["v1"], ["api"], [])]
    assert {"conversations", "members", "routing-rules", "channels"} <= {t["name"] for t in schema["tags"]}


def test_every_operation_has_a_one_line_summary_and_an_example(schema):
    summaries = set()
    for path, method, operation in _operations(schema):
        summary = operation.get("summary", "")
        assert summary and "\n" not in summary and len(summary) <= 120, (path, method)
        summaries.add((path, summary))
        assert "Example:" in operation["description"] and "curl -X " + method.upper() in operation["description"]
        body = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None and method in ("post", "put", "patch"):
            example = body.get("example")
            assert example is None or isinstance(example, dict), (path, method)
    assert ("/api/v1/o/{organization_slug}/conversations/{id}/assign/", "Assign a conversation") in summaries


def test_the_docs_page_serves_the_schema(client, django_user_model):
    response = client.get(reverse("api-schema") + "?format=json")
    assert response.status_code == 200
    assert "organizationToken" in response.json()["components"]["securitySchemes"]
