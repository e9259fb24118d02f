"""YAML that remembers where every value came from, so errors name file, line and column.

Every YAML file a person writes (hub.yaml, mappings, segments, triggers) is read through
`load_yaml` and checked through `validate`, which turns pydantic's errors into `Problem`s
located at the offending key.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from hub.errors import ConfigError, Problem

Path_ = tuple[str | int, ...]
M = TypeVar("M", bound=BaseModel)

try:  # the C loader is several times faster where libyaml is present
    _Loader: type[yaml.SafeLoader] = yaml.CSafeLoader  # type: ignore[assignment]
except AttributeError:  # pragma: no cover - depends on the build of PyYAML
    _Loader = yaml.SafeLoader


@dataclass
class YamlDocument:
    """Parsed YAML plus the 1-based (line, column) of each path inside it."""

    file: str
    data: Any
    marks: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def locate(self, path: Sequence[str | int]) -> tuple[Path_, tuple[int, int] | None]:
        """The longest prefix of `path` present in the document, and its position.

        Pydantic locations contain union tags and other names that are not in the data;
        those are skipped rather than ending the walk.
        """
        kept: list[str | int] = []
        node: Any = self.data
        for part in path:
            in_dict = isinstance(node, dict) and part in node
            in_list = isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node)
            if in_dict or in_list:
                node = node[part]
            else:
                if isinstance(node, dict | list) and isinstance(part, str) and not _is_tag(part):
                    # a missing key: point at the parent, but name the key in the field path
                    return (*kept, part), self.marks.get(tuple(kept))
                continue
            kept.append(part)
        return tuple(kept), self.marks.get(tuple(kept))

    def problem(self, path: Sequence[str | int], message: str) -> Problem:
        kept, mark = self.locate(path)
        line, col = mark if mark else (None, None)
        return Problem(self.file, line, col, format_path(kept), message)


def _is_tag(part: str) -> bool:
    # pydantic puts union members and validators in locations: `FromRule`, `function-after[…]`
    return part[:1].isupper() or "[" in part


def format_path(path: Iterable[str | int]) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def load_yaml(path: str | Path, text: str | None = None, *,
              display: str | None = None) -> YamlDocument:
    """Parse a YAML file (or `text` attributed to it); syntax errors and duplicate keys raise."""
    name = display or str(path)
    if text is None:
        text = read_text(path, name)
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (None, None)
        reason = " ".join(p for p in (exc.context, exc.problem) if p)
        raise ConfigError(
            f"{name} is not valid YAML", [Problem(name, line, col, "", f"YAML syntax: {reason}")]
        ) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control code)
        line, col = _position(text, exc.position)
        code = exc.character if isinstance(exc.character, int) else ord(exc.character)
        raise ConfigError(f"{name} is not valid YAML", [Problem(
            name, line, col, "", f"{exc.reason} (U+{code:04X})")]) from None
    doc = YamlDocument(name, None)
    problems: list[Problem] = []
    doc.data = _construct(root, (), doc, problems) if root is not None else None
    if problems:
        raise ConfigError(f"{name} has {len(problems)} problem(s)", problems)
    return doc


def read_text(path: str | Path, name: str) -> str:
    """A file a person wrote, as text; unreadable or not UTF-8 is a located ConfigError."""
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        raise ConfigError(f"cannot read {name}: {exc.strerror or exc}") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        before = data[:exc.start]
        line = before.count(b"\n") + 1
        # the column in characters, as an editor counts them, up to the first bad byte
        col = len(before[before.rfind(b"\n") + 1:].decode("utf-8", errors="replace")) + 1
        raise ConfigError(f"{name} is not UTF-8 text", [Problem(
            name, line, col, "", f"not UTF-8: byte 0x{data[exc.start]:02x} cannot start or "
            "continue a character here (save the file as UTF-8)")]) from None


def _position(text: str, index: int) -> tuple[int, int]:
    """1-based (line, column) of character `index` in `text`."""
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _construct(node: yaml.Node, path: Path_, doc: YamlDocument, problems: list[Problem]) -> Any:
    doc.marks.setdefault(path, (node.start_mark.line + 1, node.start_mark.column + 1))
    if isinstance(node, yaml.MappingNode):
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = (_scalar(key_node) if isinstance(key_node, yaml.ScalarNode)
                   else str(key_node.value))
            child = (*path, key)
            if key in out:
                line = key_node.start_mark.line + 1
                problems.append(
                    Problem(doc.file, line, key_node.start_mark.column + 1,
                            format_path(child), "duplicate key: it is already set above")
                )
                continue
            # the key's own position: that is where a person looks for an unknown key
            doc.marks[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            out[key] = _construct(value_node, child, doc, problems)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(item, (*path, i), doc, problems) for i, item in enumerate(node.value)]
    return _scalar(node)


_SCALAR = yaml.SafeLoader("")


def _scalar(node: yaml.Node) -> Any:
    return _SCALAR.construct_object(node, deep=True)


def validate(doc: YamlDocument, model: type[M], *, error: type[ConfigError] = ConfigError,
             context: dict[str, Any] | None = None) -> M:
    """Validate `doc.data` against `model`; every pydantic error becomes a located Problem."""
    try:
        return model.model_validate(doc.data, context=context)
    except ValidationError as exc:
        raise error(f"{doc.file} is invalid", problems_from(doc, exc)) from None


def problems_from(doc: YamlDocument, exc: ValidationError, prefix: Path_ = ()) -> list[Problem]:
    problems = []
    for err in exc.errors(include_url=False):
        message = _humanise(err)
        problems.append(doc.problem((*prefix, *err["loc"]), message))
    return problems


def _humanise(err: Any) -> str:
    kind, msg = err["type"], err["msg"]
    if kind == "extra_forbidden":
        return "unknown key (not allowed here; check the spelling)"
    if kind == "missing":
        return "required key is missing"
    return str(msg).removeprefix("Value error, ")
