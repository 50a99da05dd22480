"""The repository holds no half-finished merge: a conflict marker left in a file breaks it silently
(a README, a translation catalogue) or loudly (Python), and neither is acceptable on main."""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED = {".venv", ".vigie", ".git", "node_modules", "staticfiles", "__pycache__", "vendor"}
SUFFIXES = {".py", ".html", ".js", ".css", ".md", ".po", ".toml", ".yml", ".yaml", ".txt", ".cfg", ".ini", ".json"}
NAMES = {"Makefile", "Procfile.dev", "Dockerfile", "run"}


def _text_files():
    for path in ROOT.rglob("*"):
        if SKIPPED.intersection(path.relative_to(ROOT).parts) or not path.is_file():
            continue
        if path.suffix in SUFFIXES or path.name in NAMES:
            yield path


def test_no_merge_conflict_marker_is_left_in_any_file():
    markers = ("<<<<<<< ", ">>>>>>> ", "||||||| ")
    found = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in _text_files()
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), start=1)
        if line.startswith(markers)
    ]
    assert not found, found
