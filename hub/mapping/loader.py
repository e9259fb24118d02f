"""Load a mapping file: parse, validate, resolve names, and report every problem at once.

Each problem is located (`FILE:LINE:COL: field.path: message`), and a file with problems is
refused as a whole with one `MappingError` listing all of them, in file order, so a person
fixes a file in one pass instead of one error per run.
"""

from __future__ import annotations

import difflib
import inspect
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from liquid.exceptions import LiquidError
from pydantic import ValidationError

from hub.config.yaml_source import YamlDocument, load_yaml, problems_from
from hub.errors import ConfigError, MappingError, Problem
from hub.mapping.compiler import Mapping, compile_mapping, liquid_filter_names, parse_template
from hub.mapping.schema import FieldRule, MappingFile, TransformCall, argument_paths
from hub.mapping.transforms import CHECK_ARGS, default_transforms
from hub.model import CANONICAL_MODELS
from hub.plugin.registry import TransformRegistry

FieldNames = Callable[[str], Collection[str] | None]
Loc = tuple[str | int, ...]

MAPPING_SUFFIXES = (".yaml", ".yml")


def load_mapping(path: str | Path, *, transforms: TransformRegistry,
                 target_fields: FieldNames | None = None,
                 source_fields: FieldNames | None = None,
                 text: str | None = None) -> Mapping:
    """Load and compile one mapping file; raise `MappingError` listing every problem.

    Args:
        path: the file (also the name used in messages when `text` is given).
        transforms: the transforms a file may name.
        target_fields: ``target_fields("hubspot.contacts")`` gives the fields the target
            accepts, or None when unknown (then target fields are not checked).
        source_fields: the same for the source; only the first segment of a path is checked.
        text: the file's content, when it does not come from disk.
    """
    name = str(path)
    try:
        doc = load_yaml(path, text)
    except MappingError:
        raise
    except ConfigError as exc:
        located = exc.problems or (Problem(name, None, None, "", str(exc)),)
        raise MappingError(f"{name} has {len(located)} problem(s)", located) from None
    spec, problems = _check(doc, transforms, target_fields, source_fields)
    if problems or spec is None:
        problems.sort(key=lambda p: (p.line or 0, p.column or 0))
        raise MappingError(f"{name} has {len(problems)} problem(s)", problems)
    return compile_mapping(spec, transforms, file=name)


def check_files(paths: Iterable[str | Path], *, transforms: TransformRegistry | None = None,
                target_fields: FieldNames | None = None,
                source_fields: FieldNames | None = None) -> list[Problem]:
    """Every problem in the given mapping files; directories are searched for *.yaml/*.yml."""
    registry = transforms if transforms is not None else default_transforms()
    problems: list[Problem] = []
    for path in paths:
        path = Path(path)
        if not path.exists():
            problems.append(Problem(str(path), None, None, "", "no such file or directory"))
            continue
        for file in find_mapping_files(path):
            try:
                load_mapping(file, transforms=registry, target_fields=target_fields,
                             source_fields=source_fields)
            except MappingError as exc:
                problems.extend(exc.problems)
    return problems


def find_mapping_files(path: Path) -> list[Path]:
    """`path` itself if it is a file, else every mapping file below it, sorted."""
    if path.is_file():
        return [path]
    return sorted(p for p in path.rglob("*") if p.suffix in MAPPING_SUFFIXES and p.is_file())


def _check(doc: YamlDocument, transforms: TransformRegistry, target_fields: FieldNames | None,
           source_fields: FieldNames | None) -> tuple[MappingFile | None, list[Problem]]:
    data = doc.data
    if not isinstance(data, dict):
        expected = "a mapping with version, source, target, key and fields"
        return None, [Problem(doc.file, 1, 1, "", f"expected {expected}")]
    problems: list[Problem] = []
    spec: MappingFile | None = None
    try:
        spec = MappingFile.model_validate(data)
    except ValidationError as exc:
        problems.extend(_plainer(p) for p in problems_from(doc, exc))
    # the checks below also run on a file with shape errors, so all problems show at once
    rules = spec.fields if spec is not None else _valid_rules(data.get("fields"))
    for field, rule in rules.items():
        problems.extend(_check_transforms(doc, field, rule.transform, transforms))
        if rule.template is not None:
            problems.extend(_check_template(doc, field, rule.template))
        source = data.get("source")
        if source_fields is not None and isinstance(source, str):
            problems.extend(_check_source_paths(doc, field, rule, source, source_fields))
    problems.extend(_check_canonical(doc, data))
    problems.extend(_check_names(doc, data, target_fields))
    return spec, problems


def _check_canonical(doc: YamlDocument, data: dict[str, Any]) -> list[Problem]:
    """`canonical.<Model>` must name a model the hub has, whoever else checks the fields."""
    problems = []
    for end in ("source", "target"):
        value = data.get(end)
        if isinstance(value, str) and value.startswith("canonical."):
            model = value.removeprefix("canonical.")
            if model not in CANONICAL_MODELS:
                hint = _suggest(model, sorted(CANONICAL_MODELS))
                problems.append(doc.problem((end,), f"no canonical model {model!r}{hint}"))
    return problems


def _plainer(problem: Problem) -> Problem:
    # pydantic names its model classes in type errors; a person writing YAML never saw them
    if problem.message.startswith("Input should be a valid dictionary or instance of"):
        return replace(problem, message="expected a mapping such as {from: email}")
    return problem


def _valid_rules(raw_fields: Any) -> dict[str, FieldRule]:
    rules: dict[str, FieldRule] = {}
    if isinstance(raw_fields, dict):
        for field, raw in raw_fields.items():
            try:
                rules[str(field)] = FieldRule.model_validate(raw)
            except ValidationError:
                continue  # already reported by the whole-file validation
    return rules


def _check_transforms(doc: YamlDocument, field: str, calls: Sequence[TransformCall],
                      transforms: TransformRegistry) -> list[Problem]:
    problems = []
    for index, call in enumerate(calls):
        where: Loc = ("fields", field, "transform", index)
        fn = transforms.get(call.name)
        if fn is None:
            hint = _suggest(call.name, transforms.names())
            problems.append(doc.problem(where, f"unknown transform {call.name!r}{hint}"))
            continue
        reason = _argument_problem(fn, call)
        if reason:
            problems.append(doc.problem(where, f"transform {call.name}: {reason}"))
    return problems


def _argument_problem(fn: Callable[..., Any], call: TransformCall) -> str | None:
    try:
        inspect.signature(fn).bind(None, *call.args)
    except TypeError as exc:
        shown = f"{list(call.args)}" if call.args else "no arguments"
        return f"{exc} (given {shown})"
    except ValueError:  # no signature to inspect (some C functions): trust the call
        pass
    check = getattr(fn, CHECK_ARGS, None)
    if check is not None and not call.reads_record:  # read arguments are checked per record
        try:
            check(*call.args)
        except (ValueError, TypeError) as exc:
            return str(exc)
    return None


def _check_template(doc: YamlDocument, field: str, text: str) -> list[Problem]:
    where: Loc = ("fields", field, "template")
    try:
        template = parse_template(text)
    except LiquidError as exc:
        index = getattr(getattr(exc, "token", None), "start_index", -1)
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return [doc.problem(where, f"Liquid syntax error: {reason}{_inside(text, index)}")]
    problems = []
    known = liquid_filter_names()
    for name, spans in template.analyze().filters.items():
        if name not in known:
            inside = _inside(text, spans[0].index if spans else -1)
            message = f"unknown Liquid filter {name!r}{_suggest(name, known)}{inside}"
            problems.append(doc.problem(where, message))
    return problems


def _inside(text: str, index: int) -> str:
    if index < 0 or "\n" not in text:
        return "" if index < 0 else f" (template column {index + 1})"
    before = text[:index]
    line = before.count("\n") + 1
    column = index - (before.rfind("\n") + 1) + 1
    return f" (template line {line}, column {column})"


def _check_source_paths(doc: YamlDocument, field: str, rule: FieldRule, source: str,
                        source_fields: FieldNames) -> list[Problem]:
    known = source_fields(source)
    if known is None:
        return []
    places: list[tuple[Loc, str]] = [
        (("fields", field, "from") + ((index,) if len(rule.paths) > 1 else ()), path)
        for index, path in enumerate(rule.paths)
    ]
    for index, call in enumerate(rule.transform):
        for arg in call.args:
            places.extend((("fields", field, "transform", index), path)
                          for path in argument_paths(arg) or ())
    problems = []
    for where, path in places:
        head = path.split(".", 1)[0]
        if head not in known:
            hint = _suggest(head, sorted(known))
            problems.append(doc.problem(where, f"{source} has no field {head!r}{hint}"))
    return problems


def _check_names(doc: YamlDocument, data: dict[str, Any],
                 target_fields: FieldNames | None) -> list[Problem]:
    raw_fields = data.get("fields")
    names = [str(f) for f in raw_fields] if isinstance(raw_fields, dict) else None
    problems = []
    raw_key = data.get("key")
    if names and isinstance(raw_key, str | list):  # no fields at all is reported already
        keys = [raw_key] if isinstance(raw_key, str) else raw_key
        for index, key in enumerate(keys):
            if isinstance(key, str) and key not in names:
                where: Loc = ("key", index) if isinstance(raw_key, list) else ("key",)
                hint = _suggest(key, names)
                problems.append(doc.problem(where, f"key {key!r} is not one of the fields{hint}"))
    target = data.get("target")
    allowed = target_fields(target) if target_fields and isinstance(target, str) else None
    if names is not None and allowed is not None:
        for name in names:
            if name not in allowed:
                hint = _suggest(name, sorted(allowed))
                message = f"{target} has no field {name!r}{hint}"
                problems.append(doc.problem(("fields", name), message))
    return problems


def _suggest(name: str, known: Sequence[str]) -> str:
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    if close:
        return f" (did you mean {close[0]!r}?)"
    if len(known) <= 30:
        return f" (known: {', '.join(known)})" if known else ""
    return ""
