"""`${ENV_VAR}` and `${file:path}` references in YAML, and redaction of what they resolve to."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from hub.config.yaml_source import Path_, YamlDocument
from hub.errors import Problem

_REF = re.compile(r"\$\$\{|\$\{(file:)?([^}]*)\}")
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
REDACTED = "**********"

_known_secrets: set[str] = set()


def resolve_references(doc: YamlDocument, base_dir: Path) -> list[Problem]:
    """Replace references in every string of `doc` in place; return the unresolvable ones."""
    problems: list[Problem] = []

    def walk(node: Any, path: Path_) -> Any:
        if isinstance(node, dict):
            return {k: walk(v, (*path, k)) for k, v in node.items()}
        if isinstance(node, list):
            return [walk(v, (*path, i)) for i, v in enumerate(node)]
        if isinstance(node, str) and "${" in node:
            return _substitute(node, path)
        return node

    def _substitute(text: str, path: Path_) -> str:
        def one(match: re.Match[str]) -> str:
            if match.group(0) == "$${":
                return "${"  # escaped: a literal ${
            is_file, ref = match.group(1), match.group(2).strip()
            value = _read_file(ref, base_dir) if is_file else _read_env(ref)
            if isinstance(value, Problem):
                problems.append(doc.problem(path, value.message))
                return match.group(0)
            if value:
                _known_secrets.add(value)
            return value

        return _REF.sub(one, text)

    doc.data = walk(doc.data, ())
    return problems


def _read_env(name: str) -> str | Problem:
    if not _ENV_NAME.match(name):
        return Problem("", None, None, "", f"${{{name}}} is not a valid environment variable name")
    value = os.environ.get(name)
    if value is None:
        return Problem("", None, None, "", f"environment variable {name} is not set")
    return value


def _read_file(ref: str, base_dir: Path) -> str | Problem:
    path = (base_dir / ref).expanduser()
    try:
        return path.read_text(encoding="utf-8").strip()
    except OSError as exc:
        return Problem("", None, None, "", f"secret file {ref!r} cannot be read: {exc.strerror}")
    except UnicodeDecodeError:
        return Problem("", None, None, "", f"secret file {ref!r} is not UTF-8 text")


def redact(text: str) -> str:
    """Mask every secret value the configuration resolved, wherever it appears in `text`."""
    for secret in sorted(_known_secrets, key=len, reverse=True):
        if len(secret) >= 4:  # masking very short values would garble ordinary text
            text = text.replace(secret, REDACTED)
    return text
