"""Every benchmark answers --help and offers --out: it writes only where it is told."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from bench.__main__ import discover

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", discover())
def test_a_benchmark_says_what_it_does_and_writes_nothing_when_asked_for_help(
        name: str, tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", f"bench.{name}", "--help"], cwd=tmp_path,
                          env=None, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert "--out FILE" in done.stdout
    assert list(tmp_path.iterdir()) == []


def test_the_runner_refuses_an_unknown_benchmark_by_name() -> None:
    done = subprocess.run([sys.executable, "-m", "bench", "nope"], cwd=ROOT,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2
    assert "no benchmark named nope" in done.stdout
