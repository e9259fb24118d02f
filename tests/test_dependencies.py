"""Every runtime dependency in pyproject.toml is imported by the product, and every third-party
package the product imports is declared: no promise kept for a feature that is not there,
no import that works only because something else pulled the package in. The sandboxes (every
`sandbox` directory: the harness and each vendor's) are a distribution of their own,
`marketing-hub-sandboxes`, and declare what they import beyond the hub in
sandboxes/pyproject.toml."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from collections.abc import Iterable, Iterator
from importlib.metadata import packages_distributions
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
# loaded by name from a URL, never imported: SQLAlchemy picks the driver from `postgresql+psycopg`
DRIVERS = {"psycopg"}
LOCAL = {"hub", "connectors", "__future__", *sys.stdlib_module_names}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _project(path: Path = ROOT / "pyproject.toml") -> dict[str, Any]:
    project: dict[str, Any] = tomllib.loads(path.read_text())["project"]
    return project


def declared() -> set[str]:
    return {_name(r) for r in _project()["dependencies"]}


def declared_by_sandboxes() -> set[str]:
    return {_name(r) for r in _project(ROOT / "sandboxes" / "pyproject.toml")["dependencies"]}


def _is_sandbox(path: Path) -> bool:
    return "sandbox" in path.relative_to(ROOT).parts[:-1]


def product_files(*, with_testing: bool = True) -> list[Path]:
    """The modules of hub/ and connectors/ in the hub's wheel; `with_testing` counts the
    pytest plugin and contract suite of hub.testing too (they run on dev dependencies)."""
    paths = [p for package in ("hub", "connectors") for p in (ROOT / package).rglob("*.py")]
    return [p for p in paths if not _is_sandbox(p)
            and (with_testing or "testing" not in p.parts)]


def sandbox_files() -> list[Path]:
    paths = [p for package in ("hub", "connectors") for p in (ROOT / package).rglob("*.py")]
    return [p for p in paths if _is_sandbox(p)]


def _run_time_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:`, which only the type checker imports."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for other in node.orelse:
                yield other
                yield from _run_time_nodes(other)
            continue
        yield node
        yield from _run_time_nodes(node)


def imported_top_levels(paths: Iterable[Path]) -> set[str]:
    found: set[str] = set()
    for path in paths:
        for node in _run_time_nodes(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def distributions_of(modules: set[str]) -> set[str]:
    owners = packages_distributions()
    return {_name(d) for m in modules for d in owners.get(m, [])}


def test_every_declared_dependency_is_imported_by_the_product() -> None:
    unused = declared() - distributions_of(imported_top_levels(product_files())) - DRIVERS
    assert not unused, f"declared but never imported by hub/ or connectors/: {sorted(unused)}"


def test_every_third_party_import_of_the_product_is_declared() -> None:
    third_party = {m for m in imported_top_levels(product_files(with_testing=False))
                   if m not in LOCAL}
    missing = distributions_of(third_party) - declared()
    # a vendor SDK is an extra: its connector imports it, and says how to install it
    extras = {_name(r) for group, reqs in _project()["optional-dependencies"].items()
              if group != "dev" for r in reqs}
    assert not missing - extras, f"imported but not declared: {sorted(missing - extras)}"


def test_the_sandboxes_declare_what_they_import_beyond_the_hub() -> None:
    imported = distributions_of({m for m in imported_top_levels(sandbox_files())
                                 if m not in LOCAL})
    own = declared_by_sandboxes() - {_project()["name"]}

    assert sandbox_files()
    assert not imported - declared() - own, "imported by a sandbox but declared nowhere"
    assert not own - imported, f"declared by the sandboxes, never imported: {own - imported}"
    assert not own & declared(), "the hub's own dependencies come with it: no need twice"


def test_the_dev_install_runs_the_sandboxes_from_the_source_tree() -> None:
    dev = {_name(r) for r in _project()["optional-dependencies"]["dev"]}
    missing = declared_by_sandboxes() - {_project()["name"]} - dev
    assert not missing, f"the sandboxes need {sorted(missing)}: add them to `dev`"
