"""The recorded real platform responses (tests/fixtures/README.md); the sandbox fixtures are in tests/conftest.py."""

from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
