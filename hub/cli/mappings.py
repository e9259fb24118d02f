"""`hub mappings check [PATH…]`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.app import Hub
from hub.cli.output import console, errors

mappings_app = typer.Typer(help="Field mappings (YAML).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(mappings_app, name="mappings")


@mappings_app.command("check")
def check(ctx: typer.Context, paths: Annotated[list[Path] | None, typer.Argument(
        help="files or folders [default: ./mappings]")] = None,
        connect: Annotated[bool, typer.Option(
            "--connect", help="also ask the live destination of each hub.yaml pipeline using "
            "one of these files whether it has every target field (Salesforce: describe)")
        ] = False) -> None:
    """Validate mapping files: every problem as FILE:LINE:COL: field: message."""
    from hub.mapping import check_files, find_mapping_files
    from hub.model import canonical_fields

    targets = paths or [Path("mappings")]
    files = [f for p in targets for f in (find_mapping_files(p) if p.is_dir() else [p])]
    hub = ctx.ensure_object(Hub)
    problems = check_files(files, transforms=hub.plugins.transforms,
                           target_fields=canonical_fields)
    if connect and not problems:
        from hub.app.checks import verify_mappings_live

        problems = verify_mappings_live(hub, files)
    for problem in problems:
        errors.print(str(problem), markup=False, highlight=False)
    if problems:
        raise typer.Exit(2)
    console.print(f"{len(files)} mapping file(s) ok")
