"""The `hub` command: the root app, shared options, and one error policy for every command.

Exit codes: 0 success, 1 failure at run time, 2 bad input (a config, mapping or argument).
Every failure is told in words; a traceback shows only for an unexpected error, and only
with `--verbose`.
"""

from __future__ import annotations

import sys
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Annotated

import sqlalchemy as sa
import typer
from alembic.util.exc import CommandError
from rich.console import Console

from hub.config import LoadedConfig, load_config, redact
from hub.errors import ConfigError, HubError
from hub.settings import HubSettings
from hub.store import StateStore
from hub.store.failures import database_location, failure_reason

console = Console()
errors = Console(stderr=True)

app = typer.Typer(name="hub", no_args_is_help=True, add_completion=False, rich_markup_mode=None,
                  help="Marketing Hub: move marketing data between your shop, CRMs and "
                       "messaging providers.")


def hub_version() -> str:
    try:
        return version("marketing-hub")
    except PackageNotFoundError:  # pragma: no cover - running from a source tree
        return "dev"


@dataclass
class Context:
    config_path: Path
    _loaded: LoadedConfig | None = field(default=None, repr=False)

    def settings(self) -> HubSettings:
        return HubSettings.from_env(self.config_path)

    def config(self) -> LoadedConfig:
        """hub.yaml, loaded and checked once per command (it builds every stream and sink)."""
        if self._loaded is None:
            self._loaded = load_config(settings=self.settings())
        return self._loaded

    def store_url(self) -> str:
        """Where the state store is: HUB_DATABASE_URL, else hub.yaml's `store.url`, else a
        SQLite file beside hub.yaml. Without either there is no hub to open."""
        settings = self.settings()
        if settings.config_path.is_file():
            return settings.store_url(self.config().config.store.url)
        if not settings.database_url:
            raise ConfigError(f"{settings.config_path}: no such file, so no state store to open "
                              "(create one with `hub init`, name one with --config, or set "
                              "HUB_DATABASE_URL)")
        return settings.store_url(None)

    def store(self) -> StateStore:
        """The state store of this hub, upgraded to the current schema on first use."""
        url = self.store_url()
        tenant = (self.config().config.tenant if self.settings().config_path.is_file()
                  else "default")
        store = StateStore(url, tenant=tenant)
        try:
            with store_failures(url):
                store.ensure_schema()
        except HubError:
            store.close()
            raise
        return store


@contextmanager
def store_failures(url: str) -> Iterator[None]:
    """A state store that cannot be opened or migrated becomes one line naming it."""
    try:
        yield
    except (sa.exc.SQLAlchemyError, CommandError) as exc:
        raise HubError(f"cannot use the state store, {database_location(url)}: "
                       f"{failure_reason(exc, url)}") from exc


@dataclass
class _Options:
    """Root options `main` reads after the command has returned or raised."""

    verbose: bool = False


_options = _Options()


def _version(show: bool) -> None:
    if show:
        console.print(f"hub {hub_version()}")
        raise typer.Exit()


@app.callback()
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
    ctx.obj = Context(config or Path("hub.yaml"))


def main(argv: list[str] | None = None) -> int:
    """Entry point of the console script; maps the error tree onto exit codes."""
    from hub.cli import commands  # noqa: F401  (registers the command groups)

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
        for line in redact(str(exc)).splitlines():
            errors.print(line, markup=False, highlight=False)
        return 2
    except HubError as exc:
        errors.print(f"error: {redact(str(exc))}", markup=False, highlight=False)
        return 1
    except Exception as exc:  # a bug, or a failure nobody foresaw: one line, unless asked
        if _options.verbose:
            errors.print(redact(traceback.format_exc()), markup=False, highlight=False)
        kind, reason = type(exc).__name__, failure_reason(exc)
        errors.print(f"error: {kind}" + (f": {reason}" if reason != kind else ""),
                     markup=False, highlight=False)
        if not _options.verbose:
            errors.print("(run again with --verbose to see the traceback)", highlight=False)
        return 1
    return result if isinstance(result, int) else 0


def run() -> None:
    sys.exit(main())
