"""The architecture holds: the import-linter contracts of pyproject.toml (the layers, and what
the engine, the connectors, the CLI and the runtime may not import) are kept, and every module
stays small enough to read in one sitting."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 400
GENERATED = ROOT / "hub" / "store" / "migrations" / "versions"


def _lint_imports() -> str:
    found = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    assert found, "lint-imports is not installed (it is a dev dependency: pip install -e '.[dev]')"
    return found


def test_the_import_contracts_are_kept() -> None:
    done = subprocess.run([_lint_imports(), "--no-cache", "--no-logo"], cwd=ROOT,
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_no_module_is_longer_than_the_limit() -> None:
    sizes = {path.relative_to(ROOT).as_posix(): len(path.read_text(encoding="utf-8").splitlines())
             for package in ("hub", "connectors") for path in (ROOT / package).rglob("*.py")
             if GENERATED not in path.parents}
    assert len(sizes) > 100  # the walk found the code
    too_long = {path: lines for path, lines in sizes.items() if lines > MAX_LINES}
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"
