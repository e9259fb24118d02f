"""The `hub` command: the root app, shared options, and one error policy for every command.

The root app is built by asking each command module to register its commands on it; the
modules import nothing heavy until one of their commands runs, so `hub --help` and
`hub --version` load no marketing service, no statistics and no vendor SDK.

Exit codes: 0 success, 1 failure at run time, 2 bad input (a config, mapping or argument).
Every failure is told in words; a traceback shows only for an unexpected error, and only
with `--verbose`.
"""

from __future__ import annotations

import sys
import traceback
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import typer

from hub.app import Hub
from hub.cli import (
    campaigns,
    check,
    config,
    connectors,
    db,
    dlq,
    init,
    leads,
    mappings,
    messaging,
    report,
    sandbox,
    segments,
    streams,
    sync,
)
from hub.cli.output import console, errors
from hub.errors import ConfigError, HubError

__all__ = ["app", "build_app", "console", "errors", "main", "run"]

# in the order `hub --help` lists them (commands first, then groups, as typer does)
COMMAND_MODULES = (check, init, sandbox, sync, messaging, campaigns, leads, report, segments,
                   streams, config, connectors, db, dlq, mappings)


def hub_version() -> str:
    try:
        return version("marketing-hub")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "dev"


@dataclass
class _Options:
    """Root options `main` reads after the command has returned or raised."""

    verbose: bool = False


_options = _Options()


def _version(show: bool) -> None:
    if show:
        console.print(f"hub {hub_version()}")
        raise typer.Exit()


def root(
    ctx: typer.Context,
    config: Annotated[Path | None, typer.Option(
        "--config", "-c", envvar="HUB_CONFIG",
        help="hub.yaml to use [default: ./hub.yaml]")] = None,
    show_version: Annotated[bool, typer.Option(
        "--version", callback=_version, is_eager=True, help="Print the version and exit.")] = False,
    verbose: Annotated[bool, typer.Option(
        "--verbose", "-v", help="Show the traceback of an unexpected error.")] = False,
) -> None:
    _options.verbose = verbose
    hub = Hub(config or Path("hub.yaml"))
    ctx.obj = hub
    ctx.call_on_close(hub.close)  # whatever the command opened, on success or failure


def build_app() -> typer.Typer:
    """The root app with every command group registered on it."""
    root_app = typer.Typer(
        name="hub", no_args_is_help=True, add_completion=False, rich_markup_mode=None,
        help="Marketing Hub: move marketing data between your shop, CRMs and messaging "
             "providers.")
    root_app.callback()(root)
    for module in COMMAND_MODULES:
        module.register(root_app)
    return root_app


app = build_app()


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; maps the error tree onto exit codes."""
    command = typer.main.get_command(app)
    _options.verbose = False
    try:
        # without standalone mode, an Exit inside a command comes back as the return value
        result = command.main(args=argv, prog_name="hub", standalone_mode=False)
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        errors.print("aborted")
        return 1
    except typer.TyperException as exc:  # usage errors: unknown command, bad option …
        show = getattr(exc, "show", None)
        if callable(show):
            show()
        else:
            errors.print(str(exc))
        return 2
    except ConfigError as exc:
        for line in _redact(str(exc)).splitlines():
            errors.print(line, markup=False, highlight=False)
        return 2
    except HubError as exc:
        errors.print(f"error: {_redact(str(exc))}", markup=False, highlight=False)
        return 1
    except Exception as exc:  # a bug, or a failure nobody foresaw: one line, unless asked
        from hub.connector.failures import failure_reason

        if _options.verbose:
            errors.print(_redact(traceback.format_exc()), markup=False, highlight=False)
        kind, reason = type(exc).__name__, _redact(failure_reason(exc))
        errors.print(f"error: {kind}" + (f": {reason}" if reason != kind else ""),
                     markup=False, highlight=False)
        if not _options.verbose:
            errors.print("(run again with --verbose to see the traceback)", highlight=False)
        return 1
    return result if isinstance(result, int) else 0


def _redact(text: str) -> str:
    """Mask every secret hub.yaml resolved (imported here: only a failure needs it)."""
    from hub.config import redact

    return redact(text)


def run() -> None:
    sys.exit(main())
