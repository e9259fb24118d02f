"""Compile a validated mapping once into plain closures that map records fast.

Everything that can be decided from the file is decided here, not per record: dotted paths
are split, single-segment paths become one `dict.get`, transform chains become one closure
with their arguments bound, and Liquid templates are parsed. `Mapping.apply` then runs a flat
loop over the fields with no pydantic and no name lookups.
"""

from __future__ import annotations

import collections.abc
import copy
import re
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple

from liquid import BoundTemplate, Environment
from liquid.exceptions import LiquidError

from hub.errors import MappingError, RecordError
from hub.mapping.schema import FieldRule, MappingFile, NullPolicy, argument_paths
from hub.mapping.transforms import ACCEPTS_NULL, CHECK_ARGS
from hub.plugin.registry import Transform, TransformRegistry

Record = collections.abc.Mapping[str, Any]
Getter = Callable[[Record], Any]
Chain = Callable[[Any, Record], Any]  # (value, the source record) -> value

# what a transform or a template raises for a bad value; anything else is a bug and propagates
DATA_ERRORS: tuple[type[Exception], ...] = (ValueError, TypeError, ArithmeticError)
_TEMPLATE_ERRORS: tuple[type[Exception], ...] = (LiquidError, *DATA_ERRORS)

_LIQUID = Environment()
_INDEX = re.compile(r"-?[0-9]+")


@lru_cache(maxsize=1024)
def parse_template(text: str) -> BoundTemplate:
    """Parse a Liquid template once (the loader's syntax check and the compiler share it)."""
    return _LIQUID.from_string(text)


def liquid_filter_names() -> list[str]:
    """The filters a template may use, sorted."""
    return sorted(_LIQUID.filters)


class _Step(NamedTuple):
    name: str
    key: str | None  # the record key when the value is one plain `dict.get`
    getter: Getter | None  # otherwise this computes the raw value
    chain: Chain | None
    required: bool
    send_null: bool
    origin: str  # for messages: where the value came from


class Mapping:
    """A compiled mapping: `apply` turns a source record into a target payload.

    `fields` are the target fields in file order, `null_policy` says per field what a null
    does (the engine reads `KEEP` there), `required` holds the fields whose null rejects a
    record (the explicitly required ones and the key fields), `spec` is the validated file.
    """

    def __init__(self, spec: MappingFile, transforms: TransformRegistry, *,
                 file: str = "<mapping>") -> None:
        self.spec = spec
        self.file = file
        self.source = spec.source
        self.target = spec.target
        self.key: tuple[str, ...] = spec.key
        self.fields: tuple[str, ...] = tuple(spec.fields)
        self.null_policy: dict[str, NullPolicy] = {
            name: rule.when_null for name, rule in spec.fields.items()
        }
        # a record the destination cannot identify cannot be synced: key fields are required
        self.required: frozenset[str] = frozenset(
            name for name, rule in spec.fields.items() if rule.required
        ) | frozenset(spec.key)
        self._steps = tuple(
            _compile_field(name, rule, transforms, name in self.required)
            for name, rule in spec.fields.items()
        )

    def apply(self, record: Record) -> dict[str, Any]:
        """The target payload for `record`; raises `RecordError` if this record is bad."""
        if type(record) is not dict and not isinstance(record, collections.abc.Mapping):
            raise RecordError(f"a record must be a mapping, got {type(record).__name__}")
        get = record.get
        payload: dict[str, Any] = {}
        for name, key, getter, chain, required, send_null, origin in self._steps:
            value = get(key) if key is not None else getter(record)  # type: ignore[misc]
            if chain is not None:
                value = chain(value, record)
            if value is not None:
                payload[name] = value
            elif required:
                raise RecordError(f"field {name}: required, but null after mapping ({origin})")
            elif send_null:
                payload[name] = None
        return payload

    def key_of(self, payload: Record) -> tuple[Any, ...]:
        """The values that identify `payload` at the destination, in `key` order."""
        values = tuple(payload.get(name) for name in self.key)
        if None in values:
            missing = [name for name, value in zip(self.key, values, strict=True) if value is None]
            raise RecordError(f"key field {', '.join(missing)} is null")
        return values

    def __repr__(self) -> str:
        return f"<Mapping {self.source} -> {self.target} ({self.file})>"


def compile_mapping(spec: MappingFile, transforms: TransformRegistry, *,
                    file: str = "<mapping>") -> Mapping:
    return Mapping(spec, transforms, file=file)


def _compile_field(name: str, rule: FieldRule, transforms: TransformRegistry,
                   required: bool) -> _Step:
    key: str | None = None
    getter: Getter | None = None
    if rule.from_ is not None:
        origin = "from " + ", ".join(rule.from_)
        if len(rule.from_) == 1 and "." not in rule.from_[0]:
            key = rule.from_[0]
        else:
            getter = _fallback_getter([_path_getter(path) for path in rule.from_])
    elif rule.template is not None:
        origin = "template"
        getter = _template_getter(name, parse_template(rule.template))
    else:
        origin = "const"
        getter = _const_getter(rule.const)
    chain = _compile_chain(name, rule, transforms) if rule.transform else None
    send_null = rule.when_null is NullPolicy.SET_NULL
    return _Step(name, key, getter, chain, required, send_null, origin)


def _path_getter(path: str) -> Getter:
    segments = path.split(".")
    if len(segments) == 1:
        (only,) = segments
        return lambda record: record.get(only)
    # each segment with the list index it also stands for, worked out once
    parts = tuple((part, int(part) if _INDEX.fullmatch(part) else None) for part in segments)

    def walk(record: Record) -> Any:
        node: Any = record
        for part, index in parts:
            if type(node) is dict or isinstance(node, collections.abc.Mapping):
                node = node.get(part)
            elif index is not None and isinstance(node, list):
                node = node[index] if -len(node) <= index < len(node) else None
            else:
                return None
            if node is None:
                return None
        return node

    return walk


def _fallback_getter(getters: list[Getter]) -> Getter:
    if len(getters) == 1:
        return getters[0]

    def first_present(record: Record) -> Any:
        for get in getters:
            value = get(record)
            if value is not None:
                return value
        return None

    return first_present


def _template_getter(name: str, template: BoundTemplate) -> Getter:
    def render(record: Record) -> Any:
        try:
            return template.render(record)
        except _TEMPLATE_ERRORS as exc:
            raise RecordError(f"field {name}: template: {_reason(exc)}") from exc

    return render


def _const_getter(value: Any) -> Getter:
    if isinstance(value, dict | list):
        # each payload gets its own copy: a later change to one must not leak into the next
        return lambda _record: copy.deepcopy(value)
    return lambda _record: value


def _compile_chain(field: str, rule: FieldRule, transforms: TransformRegistry) -> Chain:
    chain: Chain | None = None
    # built from the last step back, so each step calls the next directly: no loop per record
    for call in reversed(rule.transform):
        fn = transforms.get(call.name)
        if fn is None:  # the loader reports this with a location; this is the last guard
            raise MappingError(f"field {field}: unknown transform {call.name!r}")
        takes_null = bool(getattr(fn, ACCEPTS_NULL, False))
        if call.reads_record:
            chain = _link_reading(field, call.name, fn, call.args, takes_null, chain)
        else:
            chain = _link(field, call.name, fn, call.args, takes_null, chain)
    assert chain is not None, "a chain has at least one step"
    return chain


def _link(field: str, name: str, fn: Transform, args: tuple[Any, ...], takes_null: bool,
          then: Chain | None) -> Chain:
    def step(value: Any, record: Record) -> Any:
        # a null skips a transform that does not take null, so a later `default` still sees it
        if value is not None or takes_null:
            try:
                value = fn(value, *args) if args else fn(value)
            except DATA_ERRORS as exc:
                raise RecordError(f"field {field}: transform {name}: {_reason(exc)}") from exc
        return value if then is None else then(value, record)

    return step


def _link_reading(field: str, name: str, fn: Transform, args: tuple[Any, ...],
                  takes_null: bool, then: Chain | None) -> Chain:
    """A step with arguments read from the record: they are checked per record, not at load."""
    getters: list[Getter] = []
    for arg in args:
        paths = argument_paths(arg)
        getters.append(_fallback_getter([_path_getter(p) for p in paths]) if paths is not None
                       else _const_getter(arg))
    check = getattr(fn, CHECK_ARGS, None)

    def step(value: Any, record: Record) -> Any:
        if value is not None or takes_null:
            try:
                actual = [get(record) for get in getters]
                if check is not None:
                    check(*actual)
                value = fn(value, *actual)
            except DATA_ERRORS as exc:
                raise RecordError(f"field {field}: transform {name}: {_reason(exc)}") from exc
        return value if then is None else then(value, record)

    return step


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__
