"""`hub --version` and `hub --help` load the command line and nothing behind it: the command
modules import their services where a command runs, so no marketing service, statistics
library, vendor SDK or database layer is imported to print a version or a help text.

Checked by what a fresh interpreter imports (`python -X importtime`), not by how long it takes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

# what printing a version or a help text must not import
HEAVY = ("scipy", "pandas", "statsmodels", "hubspot", "hub.marketing", "hub.engine",
         "hub.store", "sqlalchemy", "alembic")


def imported_modules(*args: str) -> tuple[set[str], str]:
    """The modules `hub ARGS…` imports in a fresh interpreter, and what it printed."""
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "hub", *args],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    modules = {line.rsplit("|", 1)[-1].strip() for line in done.stderr.splitlines()
               if line.startswith("import time:")}
    return modules, done.stdout


def heavy(modules: set[str]) -> set[str]:
    return {m for m in modules if any(m == h or m.startswith(f"{h}.") for h in HEAVY)}


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("report", "--help"),
                                  ("campaigns", "--help")], ids=" ".join)
def test_the_command_line_starts_without_its_heavy_parts(args: tuple[str, ...]) -> None:
    modules, out = imported_modules(*args)
    assert {"hub.cli.app", "hub.cli.report", "hub.app.core", "typer"} <= modules  # parsed
    assert heavy(modules) == set()
    assert out.startswith("hub ") if args == ("--version",) else "Usage: hub" in out


def test_a_command_that_runs_imports_what_it_needs(tmp_path: Path) -> None:
    """The check above can fail: a command doing its work imports the layers below it."""
    modules, out = imported_modules("mappings", "check", str(tmp_path))
    assert "0 mapping file(s) ok" in out
    assert "hub.mapping" in modules
    assert "sqlalchemy" in heavy(modules)  # loading the plugins loads the store's connector
