"""Cross-tenant cases for the inbox's pages and API (see tests/tenancy_cases.py)."""

from collections.abc import Callable
from typing import Any

from accounts.models import Organization

OBJECT_KWARGS: dict[str, Callable[[Organization], dict[str, Any]]] = {}
