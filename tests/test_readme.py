"""The README's counts are the project's: the optimizers, the lessons in app/lessons.py and
the trajectories in the torch fixture file (a number written once in prose drifts when one is
added)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from app.engine.optimizers import OPTIMIZERS
from app.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def said(pattern: str) -> int:
    """The number the README writes where ``pattern`` (its one group) matches."""
    found = re.search(pattern, README)
    assert found is not None, pattern
    return int(found.group(1))


def test_the_readme_counts_the_lessons_there_are() -> None:
    assert said(r"\*\*Lessons\*\* \(the \*Lessons\* button\): (\d+) ready-made lessons") \
        == len(LESSONS)


def test_the_readme_counts_the_torch_fixture_trajectories() -> None:
    cases = json.loads((ROOT / "tests" / "fixtures" / "optimizers.json").read_text())["cases"]
    assert said(r"`tests/fixtures/optimizers.json` \((\d+) trajectories") == len(cases)


def test_the_readme_counts_the_optimizers() -> None:
    assert said(r"Watch (\d+) optimizers") == len(OPTIMIZERS)
