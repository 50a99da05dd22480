"""The recorded real platform responses; the sandbox fixtures are in tests/conftest.py."""

from pathlib import Path

# Copies of the recorded X API v2 responses from the project's shared fixtures (../shared/fixtures/x),
# kept in the repository so that tests never read outside it.
FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
