"""`hub mappings check [PATH…]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.app import app, console, errors
from hub.mapping import check_files, find_mapping_files
from hub.model import canonical_fields
from hub.plugin.host import default_host

mappings_app = typer.Typer(help="Field mappings (YAML).", no_args_is_help=True)
app.add_typer(mappings_app, name="mappings")


@mappings_app.command("check")
def check(paths: Annotated[list[Path] | None, typer.Argument(
        help="files or folders [default: ./mappings]")] = None) -> None:
    """Validate mapping files: every problem as FILE:LINE:COL: field: message."""
    targets = paths or [Path("mappings")]
    files = [f for p in targets for f in (find_mapping_files(p) if p.is_dir() else [p])]
    problems = check_files(files, transforms=default_host().transforms,
                           target_fields=canonical_fields)
    for problem in problems:
        errors.print(str(problem), markup=False, highlight=False)
    if problems:
        raise typer.Exit(2)
    console.print(f"{len(files)} mapping file(s) ok")
