"""The recorded real platform responses; the sandbox fixtures are in tests/conftest.py."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "fixtures"
