"""The few HTTP primitives the sandbox's platform modules share."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import Message
from typing import Any
from urllib.parse import parse_qs


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    base_url: str

    def arg(self, name: str, default: str | None = None) -> str | None:
        """A query or form argument, as the platforms accept both for most calls."""
        values = self.query.get(name) or self.form().get(name)
        return values[0] if values else default

    def args(self, name: str) -> list[str]:
        """A list argument, in any of the spellings the libraries use (`a=x,y`, `a[]=x&a[]=y`)."""
        values = self.query.get(name, []) + self.query.get(name + "[]", [])
        values += self.form().get(name, []) + self.form().get(name + "[]", [])
        return [part for value in values for part in value.split(",") if part]

    def form(self) -> dict[str, list[str]]:
        if "application/x-www-form-urlencoded" in (self.headers.get("Content-Type") or ""):
            return parse_qs(self.body.decode("utf-8"), keep_blank_values=True)
        return {}

    def json(self) -> dict[str, Any]:
        if not self.body:
            return {}
        return json.loads(self.body)

    def header(self, name: str) -> str:
        return self.headers.get(name) or ""


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(
        status=status,
        body=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json; charset=utf-8", **(headers or {})},
    )


Handler = Callable[..., Response]


class Router:
    def __init__(self) -> None:
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        self.routes.append((method, re.compile(pattern + r"/?$"), handler))

    def match(self, method: str, path: str) -> tuple[Handler, dict[str, str]] | None:
        for route_method, pattern, handler in self.routes:
            if route_method == method:
                found = pattern.match(path)
                if found:
                    return handler, found.groupdict()
        return None
