"""The API's documentation (drf-spectacular): operations grouped by resource, each with a one-line
summary and an example request, and the organization tokens described as a way to authenticate."""

from __future__ import annotations

import json
import re
from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension

EXAMPLE_SLUG = "airdemo"
EXAMPLE_KEY = "vgt_Zq3…"

_VERBS = {
    "list": "List", "retrieve": "Read one of the", "create": "Create", "partial_update": "Change",
    "update": "Replace", "destroy": "Delete",
}


class OrganizationTokenScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.OrganizationTokenAuthentication"
    name = "organizationToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey", "in": "header", "name": "Authorization",
            "description": "An organization's API token (admin page “API tokens”): `Token vgt_…`. "
                           "It works in that organization only, with the role it was given.",
        }


def _resource(path: str) -> str:
    parts = [p for p in re.sub(r"^/api/v1(/o/\{organization_slug\})?", "", path).split("/") if p and "{" not in p]
    return parts[0] if parts else "api"


_ACTIONS = {
    "assign": "Assign {a}", "status": "Change the status of {a}", "tags": "Change the tags of {a}",
    "priority": "Change the priority of {a}", "team": "Give {a} to a team", "notes": "Add an internal note to {a}",
    "reply": "Reply in {a}", "draft": "Save the draft reply of {a}", "retry": "Retry sending {a}",
    "replay": "Ingest {a} again", "link": "Link {a} to another contact (one person)", "unlink": "Unlink {a}",
    "test": "Check the credentials of {a} with the platform", "pause": "Pause {a}", "resume": "Resume {a}",
    "password-reset": "E-mail {a} a link to choose a new password", "bulk": "Act on many conversations at once",
    "counts": "Count the conversations of each view",
}


def _singular(resource: str) -> str:
    word = resource.replace("-", " ")
    return word[:-3] + "y" if word.endswith("ies") else word[:-1] if word.endswith("s") else word


def _summary(method: str, path: str, operation: dict, shared: bool) -> str:
    """One line saying what this operation does: the view's own first sentence when it is about this
    operation alone, else built from the resource and the action."""
    description = (operation.get("description") or "").strip()
    if description and not shared:
        return description.split("\n")[0].split(". ")[0].rstrip(".")[:120]
    resource = _resource(path)
    singular = _singular(resource)
    one = f"{'an' if singular[0] in 'aeiou' else 'a'} {singular}" if not resource.endswith("settings") else "the inbox settings"
    last = [p for p in path.rstrip("/").split("/") if p][-1]
    is_item = last == "{id}"
    if not is_item and last != resource and last in _ACTIONS:
        return _ACTIONS[last].format(a=one)
    if resource == "inbox-settings":
        return {"get": "Read the inbox settings", "put": "Replace the inbox settings"}.get(method, method.upper())
    verbs = {"get": "Read" if is_item else "List the", "post": "Create", "patch": "Change", "put": "Replace",
             "delete": "Delete"}
    target = one if is_item or method == "post" else resource.replace("-", " ")
    return f"{verbs[method]} {target}"


def _sample(schema: dict | None, components: dict, depth: int = 0) -> Any:
    """A plausible value for a JSON schema, for examples (never sent anywhere)."""
    if not schema or depth > 4:
        return None
    if "$ref" in schema:
        return _sample(components.get(schema["$ref"].rsplit("/", 1)[-1]), components, depth + 1)
    for combined in ("allOf", "oneOf", "anyOf"):
        if combined in schema:
            return _sample(schema[combined][0], components, depth + 1)
    if "example" in schema:
        return schema["example"]
    if "enum" in schema:
        return next((value for value in schema["enum"] if value is not None), None)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        return {name: _sample(sub, components, depth + 1) for name, sub in schema.get("properties", {}).items()
                if not sub.get("readOnly")}
    if kind == "array":
        item = _sample(schema.get("items"), components, depth + 1)
        return [] if item is None else [item]
    if kind == "integer":
        return 1
    if kind == "number":
        return -0.4
    if kind == "boolean":
        return False
    if kind == "string":
        return {"date-time": "2026-12-03T09:00:00+01:00", "email": "camille@example.com",
                "uri": "https://example.com/"}.get(schema.get("format"), "…")
    return None


def describe_operations(result: dict, generator, request, public) -> dict:
    """Postprocessing hook: resource tags, one-line summaries and an example for every operation."""
    components = result.get("components", {}).get("schemas", {})
    seen: dict[str, int] = {}
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and operation.get("description"):
                seen[operation["description"]] = seen.get(operation["description"], 0) + 1
    tags = set()
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method not in {"get", "post", "put", "patch", "delete"}:
                continue
            resource = _resource(path)
            operation["tags"] = [resource]
            tags.add(resource)
            operation["summary"] = _summary(method, path, operation,
                                            shared=seen.get(operation.get("description") or "", 0) > 1)
            example_path = path.replace("{organization_slug}", EXAMPLE_SLUG).replace("{id}", "42")
            command = [f"curl -X {method.upper()}", f"-H 'Authorization: Token {EXAMPLE_KEY}'"]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body is not None:
                sample = _sample(body.get("schema"), components)
                if sample not in (None, {}):
                    body["example"] = sample
                    command += ["-H 'Content-Type: application/json'", f"-d '{json.dumps(sample, ensure_ascii=False)}'"]
            command.append(f"https://vigie.example.com{example_path}")
            example = "Example:\n\n```\n" + " \\\n  ".join(command) + "\n```"
            description = (operation.get("description") or "").strip()
            operation["description"] = f"{description}\n\n{example}" if description else example
    result["tags"] = [{"name": tag} for tag in sorted(tags)]
    return result
