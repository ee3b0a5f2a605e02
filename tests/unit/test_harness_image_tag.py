"""kickoff's image is tagged by what its wheel is built from: a changed source file gives
another tag (a stale image is never run), a byte-code cache or a file outside the sources
does not (no needless rebuild)."""

from __future__ import annotations

import shutil
from pathlib import Path

from harness.platforms.harness_image import REPOSITORY, image_name

REPO = Path(__file__).resolve().parents[2]


def _copy(target: Path) -> Path:
    for name in ("harness", "compose", "scenarios"):
        shutil.copytree(REPO / name, target / name,
                        ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, target / name)
    return target


def test_the_tag_follows_the_sources_and_nothing_else(tmp_path):
    root = _copy(tmp_path)
    tag = image_name(root)
    assert tag.startswith(REPOSITORY + ":") and tag == image_name(REPO)
    (root / "harness" / "__pycache__").mkdir(exist_ok=True)
    (root / "harness" / "__pycache__" / "cli.cpython-311.pyc").write_bytes(b"\0cache")
    (root / "results").mkdir()
    (root / "results" / "summary.json").write_text("{}")
    assert image_name(root) == tag
    journey = root / "scenarios" / "journeys" / "kickoff-reference.yaml"
    journey.write_text(journey.read_text() + "\n# changed\n")
    changed = image_name(root)
    journey.unlink()
    assert len({tag, changed, image_name(root)}) == 3
