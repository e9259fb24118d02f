"""The hub package is typed (py.typed): a connector's own `mypy --strict` checks it against
the hub's real types, as a third-party author runs it, outside this repository's config."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.connector.conftest import EXAMPLE


@pytest.mark.slow
def test_a_connector_type_checks_strictly_against_the_installed_hub(tmp_path: Path) -> None:
    wrong = tmp_path / "wrong.py"
    wrong.write_text("from hub import WriteResult\n\ncount: int = WriteResult.ok()\n")
    checked = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
         str(EXAMPLE / "hub_connector_example"), str(wrong)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False)
    errors = [line for line in checked.stdout.splitlines() if ": error:" in line]
    # the example is clean, and a misuse of the hub's API is caught: the types are real
    assert len(errors) == 1, checked.stdout
    assert errors[0].startswith("wrong.py:3: error: Incompatible types in assignment")
    assert 'expression has type "WriteResult"' in errors[0]
