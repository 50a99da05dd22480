"""A user's clone has nothing beside it: every file the project reads at run time is in the repository."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUTSIDE = re.compile(r"""\.\./shared|parents?\[\d+\][^#\n]*["']shared["']|/\s*["']shared["']\s*/|/work/shared""")


def test_no_file_of_the_project_reads_the_shared_folder_beside_it():
    tracked = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                             capture_output=True, text=True, check=True).stdout.split()
    readers = []
    for name in tracked:
        path = ROOT / name
        if name.endswith(".md") or not path.is_file() or path == Path(__file__):
            continue
        try:
            text = path.read_text()
        except UnicodeDecodeError:
            continue
        readers += [f"{name}:{n}" for n, line in enumerate(text.splitlines(), 1) if OUTSIDE.search(line)]
    assert readers == []


def test_the_recorded_x_responses_are_in_the_repository():
    from tests.inbox.connectors.conftest import FIXTURES

    assert FIXTURES.is_relative_to(ROOT)
    recordings = sorted(path.name for path in (FIXTURES / "x").glob("*.json"))
    assert "get_users_mentions.json" in recordings and len(recordings) == 6
