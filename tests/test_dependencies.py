"""Every runtime dependency in pyproject.toml is imported by the product, and every third-party
package the product imports is declared: no promise kept for a feature that is not there,
no import that works only because something else pulled the package in."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# loaded by name from a URL, never imported: SQLAlchemy picks the driver from `postgresql+psycopg`
DRIVERS = {"psycopg"}


def _name(requirement: str) -> str:
    return re.split(r"[\[<>=!~; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def declared() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return {_name(r) for r in project["dependencies"]}


def imported_top_levels(*, with_testing: bool = True) -> set[str]:
    """Top-level modules imported in hub/ and connectors/; `with_testing` counts the pytest
    plugin and fault server of hub.testing too (they run on dev dependencies)."""
    found: set[str] = set()
    for package in ("hub", "connectors"):
        for path in (ROOT / package).rglob("*.py"):
            if not with_testing and "testing" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text())):
                if isinstance(node, ast.Import):
                    found.update(alias.name.split(".")[0] for alias in node.names)
                elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    found.add(node.module.split(".")[0])
    return found


def distributions_of(modules: set[str]) -> set[str]:
    owners = packages_distributions()
    return {_name(d) for m in modules for d in owners.get(m, [])}


def test_every_declared_dependency_is_imported_by_the_product() -> None:
    unused = declared() - distributions_of(imported_top_levels()) - DRIVERS
    assert not unused, f"declared but never imported by hub/ or connectors/: {sorted(unused)}"


def test_every_third_party_import_of_the_product_is_declared() -> None:
    local = {"hub", "connectors", "__future__", *sys.stdlib_module_names}
    third_party = {m for m in imported_top_levels(with_testing=False) if m not in local}
    missing = distributions_of(third_party) - declared()
    # a vendor SDK is an extra: its connector imports it, and says how to install it
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = {_name(r) for group, reqs in project["optional-dependencies"].items()
              if group != "dev" for r in reqs}
    assert not missing - extras, f"imported but not declared: {sorted(missing - extras)}"
