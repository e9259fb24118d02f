"""Every `hub` command, run against a broken environment, answers in words and an exit code.

The commands are found by walking the command tree, so a command added later is covered
without touching this file. Each gets placeholder values for what it requires, and runs with
no hub.yaml, with a state store that cannot be read, and with one that cannot be reached: it
must exit 1 or 2 (0 only if it needs neither hub.yaml nor the store) and never show a
traceback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml

from hub.cli import main
from hub.cli.app import app

# commands that need neither a hub.yaml nor a state store, and so may succeed anywhere
NEEDS_NOTHING = {"init", "connectors list"}
# commands that read hub.yaml but never open the state store
NO_STORE = {"config check", "config show"}
# a value a required parameter of this name needs to get past the first lookup
MEANINGFUL = {"pipeline": "customers"}
PLACEHOLDER = "1"  # reads as a string, a number, an amount and a path alike


def _leaves(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    children = getattr(command, "commands", None)
    if not children:
        yield path, command
        return
    for name, child in sorted(children.items()):
        yield from _leaves(child, (*path, name))


def _invocation(path: tuple[str, ...], command: Any) -> list[str]:
    args = list(path)
    for param in command.params:
        if not param.required:
            continue
        value = MEANINGFUL.get(param.name or "", PLACEHOLDER)
        if param.param_type_name == "option":
            args += [param.opts[0], value]
        else:
            args.append(value)
    return args


COMMANDS = [_invocation(path, command)
            for path, command in _leaves(typer.main.get_command(app))]


def _hub_yaml(root: Path, store_url: str) -> None:
    (root / "hub.yaml").write_text(yaml.safe_dump({
        "version": 1,
        "store": {"url": store_url},
        "connections": {"shop": {"connector": "sql", "url": f"sqlite:///{root / 'shop.db'}"}},
        "pipelines": {"customers": {
            "source": {"connection": "shop", "stream": "customers", "primary_key": ["id"]},
            "destination": {"connection": "shop", "object": "copy", "key": ["id"],
                            "create": True}}},
    }))


def _no_hub_yaml(root: Path) -> None:
    pass


def _store_is_a_directory(root: Path) -> None:
    (root / "store").mkdir()
    _hub_yaml(root, f"sqlite:///{root / 'store'}")


def _store_is_garbage(root: Path) -> None:
    (root / "store.db").write_bytes(b"this is not a database\x00\xff" * 200)
    _hub_yaml(root, f"sqlite:///{root / 'store.db'}")


def _store_unreachable(root: Path) -> None:
    # port 1 on loopback: nothing listens, so the connection is refused at once
    _hub_yaml(root, "postgresql+psycopg://hub@127.0.0.1:1/hub")


ENVIRONMENTS: dict[str, Callable[[Path], None]] = {
    "no hub.yaml": _no_hub_yaml,
    "store is a directory": _store_is_a_directory,
    "store is garbage": _store_is_garbage,
    "store unreachable": _store_unreachable,
}


def test_the_tree_walk_finds_the_commands() -> None:
    found = {" ".join(args[:2]) for args in COMMANDS}
    assert {"sync customers", "config check", "dlq replay", "runs"} <= found
    assert len(COMMANDS) > 30


@pytest.mark.parametrize("environment", ENVIRONMENTS)
@pytest.mark.parametrize("args", COMMANDS, ids=[" ".join(a) for a in COMMANDS])
def test_a_broken_environment_gets_a_message_not_a_traceback(
        args: list[str], environment: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.chdir(tmp_path)
    for name in ("HUB_CONFIG", "HUB_DATABASE_URL", "HUB_BROKER_URL"):
        monkeypatch.delenv(name, raising=False)
    ENVIRONMENTS[environment](tmp_path)

    code = main(args)

    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    command = " ".join(a for a in args if a not in (PLACEHOLDER, *MEANINGFUL.values()))
    may_succeed = command in NEEDS_NOTHING or (command in NO_STORE
                                               and environment != "no hub.yaml")
    allowed = {0, 1, 2} if may_succeed else {1, 2}
    assert code in allowed, f"hub {' '.join(args)}: exit {code}\n{out.out}\n{out.err}"
    if code:
        assert (out.out + out.err).strip(), "a failure must say what failed"
