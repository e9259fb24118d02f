"""`hub config check|show`."""

from __future__ import annotations

from typing import Any

import typer
from pydantic import BaseModel, SecretStr
from rich.syntax import Syntax

from hub.cli.app import Context, app, console
from hub.config import REDACTED, redact

config_app = typer.Typer(help="Check and show hub.yaml.", no_args_is_help=True)
app.add_typer(config_app, name="config")


@config_app.command("check")
def check(ctx: typer.Context) -> None:
    """Validate hub.yaml: schema, secrets, connections, pipelines and schedules."""
    loaded = ctx.ensure_object(Context).config()
    c = loaded.config
    console.print(f"{loaded.path}: ok — {len(c.connections)} connection(s), "
                  f"{len(c.pipelines)} pipeline(s), {len(c.schedules)} schedule(s)")


@config_app.command("show")
def show(ctx: typer.Context) -> None:
    """Print the effective configuration with every secret redacted."""
    import yaml

    loaded = ctx.ensure_object(Context).config()
    data = loaded.config.model_dump(mode="json", exclude_defaults=False)
    for name, settings in loaded.settings.items():
        if name in data["connections"]:
            connector = data["connections"][name]["connector"]
            data["connections"][name] = {"connector": connector, **_public(settings)}
    data["store"]["url"] = _mask_url(loaded.store_url)
    text = redact(yaml.safe_dump(data, sort_keys=False))
    console.print(Syntax(text, "yaml", background_color="default"))


def _public(model: BaseModel) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            out[name] = _mask_url(value.get_secret_value(), fallback=REDACTED)
        elif isinstance(value, BaseModel):
            out[name] = _public(value)
        else:
            out[name] = value if isinstance(value, str | int | float | bool | None) else str(value)
    return out


def _mask_url(value: str, fallback: str | None = None) -> str:
    """A URL keeps its shape with the password hidden; any other secret is masked whole."""
    import sqlalchemy as sa

    try:
        url = sa.make_url(value)
    except sa.exc.ArgumentError:
        return fallback or value
    return url.render_as_string(hide_password=True)
