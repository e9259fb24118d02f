"""`hub config check|show`."""

from __future__ import annotations

from typing import Annotated

import typer

from hub.app import Hub
from hub.cli.output import console, errors
from hub.errors import ConfigError

config_app = typer.Typer(help="Check and show hub.yaml.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(config_app, name="config")


@config_app.command("check")
def check(ctx: typer.Context, connect: Annotated[bool, typer.Option(
        "--connect", help="also check, in the live systems, that the tables and columns each "
                          "pipeline names exist")] = False) -> None:
    """Validate hub.yaml (schema, secrets, connections, pipelines, schedules) and every mapping
    a pipeline names, as `hub sync` would load them."""
    from hub.app.checks import check_config
    from hub.config import redact

    hub = ctx.ensure_object(Hub)
    found = check_config(hub, connect=connect)
    loaded = hub.config()
    for failure in found.failures:
        errors.print(f"error: {redact(failure)}", markup=False, highlight=False)
    if found.problems:
        raise ConfigError(f"{loaded.path} has {len(found.problems)} problem(s)", found.problems)
    if found.failures:
        raise typer.Exit(1)
    c = loaded.config
    console.print(f"{loaded.path}: ok — {len(c.connections)} connection(s), "
                  f"{len(c.pipelines)} pipeline(s), {len(c.schedules)} schedule(s)"
                  + ("; their tables and columns exist" if connect else ""))


@config_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the effective configuration with every secret redacted."""
    import yaml
    from rich.syntax import Syntax

    from hub.app.configuration import public_config

    data = public_config(ctx.ensure_object(Hub).config())
    text = yaml.safe_dump(data, sort_keys=False)
    console.print(Syntax(text, "yaml", background_color="default"))
