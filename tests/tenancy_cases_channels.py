"""Cross-tenant cases for channel pages and API, and the public webhook routes."""

from collections.abc import Callable
from typing import Any

from accounts.models import Organization

OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {}

PUBLIC_ROUTES: set[str] = set()
