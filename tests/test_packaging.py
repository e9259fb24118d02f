"""What each wheel ships: `marketing-hub` runs the hub and no vendor emulator;
`marketing-hub-sandboxes` (sandboxes/pyproject.toml) ships every sandbox of the source tree and
the harness they stand on. Both are built from the repository as a release would build them."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
HARNESS = Path("hub/testing/sandbox")


def sandbox_dirs() -> list[Path]:
    """Every sandbox in the source tree, the harness included (a new vendor's is found too)."""
    vendors = sorted(p.relative_to(ROOT) for p in ROOT.glob("connectors/*/sandbox") if p.is_dir())
    return [HARNESS, *vendors]


def source_files(directory: Path) -> set[str]:
    return {p.relative_to(ROOT).as_posix() for p in (ROOT / directory).rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}


def build(project: Path, out: Path) -> set[str]:
    """The file names in the wheel pip builds from `project` (in place, as a release does)."""
    out.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                    "--quiet", "--wheel-dir", str(out), str(project)],
                   check=True, capture_output=True, text=True)
    [wheel] = out.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        return set(archive.namelist())


@pytest.fixture(scope="module")
def hub_wheel(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    return build(ROOT, tmp_path_factory.mktemp("hub") / "wheel")


@pytest.fixture(scope="module")
def sandboxes_wheel(tmp_path_factory: pytest.TempPathFactory) -> set[str]:
    return build(ROOT / "sandboxes", tmp_path_factory.mktemp("sandboxes") / "wheel")


@pytest.mark.slow
def test_the_hub_wheel_ships_the_hub_and_no_sandbox(hub_wheel: set[str]) -> None:
    shipped = [name for name in hub_wheel
               if any(name.startswith(f"{d.as_posix()}/") for d in sandbox_dirs())]

    assert shipped == []
    assert {"hub/cli/sandbox.py", "hub/testing/contract.py", "hub/connector/http.py",
            "connectors/hubspot/connector.py", "hub/py.typed"} <= hub_wheel


@pytest.mark.slow
def test_the_sandboxes_wheel_ships_every_sandbox_and_the_harness(
        sandboxes_wheel: set[str]) -> None:
    for directory in sandbox_dirs():
        missing = source_files(directory) - sandboxes_wheel
        assert not missing, (f"{directory} is not (wholly) in marketing-hub-sandboxes: add it "
                             f"to sandboxes/pyproject.toml's force-include; missing {missing}")
    code = {n for n in sandboxes_wheel if ".dist-info/" not in n}
    outside = {n for n in code if not any(n.startswith(f"{d.as_posix()}/")
                                          for d in sandbox_dirs())}
    assert outside == set()  # the hub itself comes from its own wheel
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in code)
    assert "connectors/hubspot/sandbox/openapi.yaml" in code  # the contract, not only code


def test_the_sandbox_extra_installs_the_sandboxes() -> None:
    root = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    sandboxes = tomllib.loads((ROOT / "sandboxes/pyproject.toml").read_text())["project"]

    assert root["optional-dependencies"]["sandbox"] == [f"{sandboxes['name']}>=0.1"]
    assert f"{root['name']}>=0.1" in sandboxes["dependencies"]
