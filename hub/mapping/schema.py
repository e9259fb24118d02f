"""The mapping file format, as pydantic models that refuse anything they do not know.

These models check the *shape* of a file only. Whether a transform exists, whether a Liquid
template parses and whether a field exists at the target are checked by `hub.mapping.loader`,
which knows the registries; see `hub.mapping` for the format itself.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

SUPPORTED_VERSION = 1

# `<connector>.<stream>` or `canonical.<Model>`; the part after the first dot may hold dots
_ENDPOINT = re.compile(r"[A-Za-z_][\w-]*\.[\w-]+(\.[\w-]+)*")


class NullPolicy(StrEnum):
    """What to send for a field whose value is null after its transforms."""

    SKIP = "skip"  # omit it: a missing value must never wipe a good value downstream
    SET_NULL = "set_null"  # send an explicit null: the destination value is cleared
    KEEP = "keep"  # omit it, and tell the engine the destination's value is to be kept


def _path_problem(value: Any) -> str | None:
    paths = [value] if isinstance(value, str) else value
    if not isinstance(paths, list) or not paths:
        return "expected a dotted path or a list of paths"
    for path in paths:
        if not isinstance(path, str) or not path or "" in path.split("."):
            return f"{path!r} is not a dotted path such as address.country"
    return None


def argument_paths(arg: Any) -> tuple[str, ...] | None:
    """The source paths of an argument written ``{from: path}``, read per record; else None."""
    if isinstance(arg, dict) and len(arg) == 1 and "from" in arg:
        source = arg["from"]
        return (source,) if isinstance(source, str) else tuple(source)
    return None


class TransformCall(BaseModel):
    """One step of a transform chain: `name` or `{name: [args...]}` or `{name: arg}`.

    An argument written ``{from: path}`` is read from the source record, per record.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1)
    args: tuple[Any, ...] = ()

    @property
    def reads_record(self) -> bool:
        return any(argument_paths(arg) is not None for arg in self.args)

    @model_validator(mode="before")
    @classmethod
    def _from_yaml(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"name": data}
        if isinstance(data, dict):
            if len(data) != 1 or not isinstance(next(iter(data)), str):
                raise ValueError(
                    "a transform is a name or a one-key mapping such as {truncate: [200]}"
                )
            ((name, args),) = data.items()
            # a list is always the argument list; anything else is the one argument
            args = tuple(args) if isinstance(args, list) else (args,)
            for arg in args:
                if isinstance(arg, dict) and len(arg) == 1 and "from" in arg:
                    problem = _path_problem(arg["from"])
                    if problem:
                        raise ValueError(f"argument {{from: ...}}: {problem}")
            return {"name": name, "args": args}
        raise ValueError("a transform is a name or a one-key mapping such as {truncate: [200]}")


class FieldRule(BaseModel):
    """How one target field gets its value: exactly one of `from`, `const`, `template`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    from_: tuple[str, ...] | None = Field(default=None, alias="from")
    const: Any = None
    template: str | None = None
    transform: tuple[TransformCall, ...] = ()
    when_null: NullPolicy = NullPolicy.SKIP
    required: bool = False

    @field_validator("from_", mode="before")
    @classmethod
    def _paths(cls, value: Any) -> Any:
        if value == []:
            raise ValueError("give at least one source path")
        problem = _path_problem(value)
        if problem:
            raise ValueError(problem)
        return (value,) if isinstance(value, str) else tuple(value)

    @model_validator(mode="after")
    def _exactly_one_source(self) -> FieldRule:
        given = [
            name
            for attr, name in (("from_", "from"), ("const", "const"), ("template", "template"))
            if attr in self.model_fields_set
        ]
        if len(given) != 1:
            found = f"found {' and '.join(given)}" if given else "found none"
            raise ValueError(f"give exactly one of from, const, template ({found})")
        return self

    @property
    def paths(self) -> tuple[str, ...]:
        return self.from_ or ()


class MappingFile(BaseModel):
    """A whole mapping file."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: int = Field(strict=True)
    description: str | None = None
    source: str
    target: str
    key: tuple[str, ...]
    fields: dict[str, FieldRule] = Field(min_length=1)

    @field_validator("version")
    @classmethod
    def _supported(cls, value: int) -> int:
        if value != SUPPORTED_VERSION:
            raise ValueError(
                f"unsupported version {value}: this hub reads version {SUPPORTED_VERSION}"
            )
        return value

    @field_validator("source", "target")
    @classmethod
    def _endpoint(cls, value: str) -> str:
        if not _ENDPOINT.fullmatch(value):
            raise ValueError(
                f"{value!r} should look like <connector>.<stream> or canonical.<Model>"
            )
        return value

    @field_validator("key", mode="before")
    @classmethod
    def _key(cls, value: Any) -> Any:
        names = [value] if isinstance(value, str) else value
        if isinstance(names, list):
            if not names:
                raise ValueError("name at least one key field")
            if len(set(map(repr, names))) != len(names):
                raise ValueError("a key field is named twice")
            return tuple(names)
        raise ValueError("expected a field name or a list of field names")
