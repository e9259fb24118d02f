"""Segment definitions from YAML: the `segments:` section of hub.yaml and segment files.

    # hub.yaml
    segments:
      include: [segments.yaml]        # files relative to hub.yaml
      quota: 100                      # segments per tenant
      drift: {max_change_percent: 25, min_population: 50, action: alert}
      rfm: {window_days: 180, weights: {recency: 4, frequency: 3, monetary: 3}}
      define:                         # segments written inline
        holdout: {criteria: {random_bucket: q4, lt: 10}, for_messaging: false}

    # segments.yaml
    version: 1
    segments:
      vip:
        description: Best customers by RFM
        criteria: {computed: rfm.composite, gte: 38}

Every problem (unknown field, wrong operand type, unknown or cyclic segment reference, quota)
is reported with its file, line and column, all at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationError

from hub.config.loader import LoadedConfig
from hub.config.schema import Strict
from hub.config.yaml_source import YamlDocument, load_yaml, problems_from
from hub.errors import ConfigError, Problem
from hub.marketing.segments.language import Node, parse_criteria, references
from hub.marketing.segments.operands import suggest

NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,99}$")
ChannelName = Literal["email", "sms", "push", "web", "social"]


class DriftPolicy(Strict):
    """A refresh that moves the population by more than this is flagged (or held back)."""

    max_change_percent: float = Field(default=25.0, gt=0)
    min_population: int = Field(default=50, ge=0,
                                description="smaller segments swing by nature: no alert")
    action: Literal["alert", "hold"] = "alert"


class RfmWeights(Strict):
    recency: float = Field(default=4.0, ge=0)
    frequency: float = Field(default=3.0, ge=0)
    monetary: float = Field(default=3.0, ge=0)


class RfmSettings(Strict):
    window_days: int = Field(default=180, ge=1, description="frequency and monetary window")
    weights: RfmWeights = Field(default_factory=RfmWeights)


class SegmentSpec(Strict):
    description: str | None = None
    criteria: Any = Field(description="the condition tree")
    channel: ChannelName = "email"
    topic: str | None = None
    for_messaging: bool = Field(default=True, description="exclude contacts not reachable on "
                                                          "the channel (unsubscribed, "
                                                          "suppressed, no consent)")
    drift: DriftPolicy | None = None


class SegmentsSection(Strict):
    include: list[str] = Field(default_factory=list)
    quota: int = Field(default=100, ge=1)
    drift: DriftPolicy = Field(default_factory=DriftPolicy)
    rfm: RfmSettings = Field(default_factory=RfmSettings)
    define: dict[str, SegmentSpec] = Field(default_factory=dict)


class SegmentFile(Strict):
    version: Literal[1] = 1
    segments: dict[str, SegmentSpec] = Field(default_factory=dict)


@dataclass
class SegmentDefinition:
    name: str
    spec: SegmentSpec
    criteria: Node
    doc: YamlDocument = field(repr=False)
    loc: tuple[str | int, ...]

    @property
    def drift(self) -> DriftPolicy | None:
        return self.spec.drift

    @property
    def criteria_json(self) -> Any:
        """The criteria as written, JSON-safe (YAML dates become ISO strings)."""
        return _json_safe(self.spec.criteria)


@dataclass
class SegmentSet:
    """Every segment of a tenant, checked together (references, cycles, quota)."""

    definitions: dict[str, SegmentDefinition] = field(default_factory=dict)
    settings: SegmentsSection = field(default_factory=SegmentsSection)

    def __iter__(self) -> Iterator[SegmentDefinition]:
        return iter(self.definitions.values())

    def __len__(self) -> int:
        return len(self.definitions)

    def __contains__(self, name: object) -> bool:
        return name in self.definitions

    def get(self, name: str) -> SegmentDefinition:
        if name not in self.definitions:
            known = ", ".join(self.definitions) or "none"
            raise ConfigError(f"no segment named {name!r}{suggest(name, self.definitions)} "
                              f"(defined: {known})")
        return self.definitions[name]

    def drift_policy(self, name: str) -> DriftPolicy:
        return self.get(name).drift or self.settings.drift


def load_segment_file(path: str | Path, text: str | None = None, *,
                      settings: SegmentsSection | None = None) -> SegmentSet:
    """A standalone segment file, checked on its own."""
    doc = load_yaml(path, text)
    problems: list[Problem] = []
    definitions = _from_file(doc, problems)
    return _finish(definitions, settings or SegmentsSection(), problems, doc, ("segments",))


def segments_from_config(doc: YamlDocument, raw: Any, base_dir: Path) -> SegmentSet:
    """The `segments:` section of hub.yaml (`doc`), with its included files."""
    try:
        section = SegmentsSection.model_validate(raw or {})
    except ValidationError as exc:
        raise ConfigError(f"{doc.file} is invalid",
                          problems_from(doc, exc, prefix=("segments",))) from None
    problems: list[Problem] = []
    definitions = _parse(doc, section.define, ("segments", "define"), problems)
    for i, relative in enumerate(section.include):
        path = base_dir / relative
        if not path.is_file():
            problems.append(doc.problem(("segments", "include", i),
                                        f"segment file {relative!r} does not exist"))
            continue
        try:
            included = load_yaml(path, display=str(Path(doc.file).parent / relative))
        except ConfigError as exc:
            problems.extend(exc.problems)
            continue
        for name, definition in _from_file(included, problems).items():
            if name in definitions:
                problems.append(included.problem(definition.loc, f"segment {name!r} is "
                                                 "already defined elsewhere"))
            definitions[name] = definition
    return _finish(definitions, section, problems, doc, ("segments", "quota"))


def load_segments(loaded: LoadedConfig) -> SegmentSet:
    """The segments of a loaded hub.yaml."""
    return segments_from_config(loaded.doc, loaded.config.segments, loaded.base_dir)


def _from_file(doc: YamlDocument, problems: list[Problem]) -> dict[str, SegmentDefinition]:
    try:
        parsed = SegmentFile.model_validate(doc.data or {})
    except ValidationError as exc:
        problems.extend(problems_from(doc, exc))
        return {}
    return _parse(doc, parsed.segments, ("segments",), problems)


def _parse(doc: YamlDocument, specs: dict[str, SegmentSpec], prefix: tuple[str, ...],
           problems: list[Problem]) -> dict[str, SegmentDefinition]:
    out: dict[str, SegmentDefinition] = {}
    for name, spec in specs.items():
        loc = (*prefix, name)
        if not NAME.match(name):
            problems.append(doc.problem(loc, f"segment name {name!r}: use lower-case letters, "
                                             "digits, '-' and '_' (up to 100)"))
            continue
        node, found = parse_criteria(doc, spec.criteria, (*loc, "criteria"))
        problems.extend(found)
        if node is not None:
            out[name] = SegmentDefinition(name, spec, node, doc, loc)
    return out


def _finish(definitions: dict[str, SegmentDefinition], section: SegmentsSection,
            problems: list[Problem], doc: YamlDocument,
            quota_loc: tuple[str, ...]) -> SegmentSet:
    problems.extend(_reference_problems(definitions))
    if len(definitions) > section.quota:
        problems.append(doc.problem(quota_loc, f"{len(definitions)} segments defined; the "
                                               f"quota is {section.quota} per tenant"))
    if problems:
        problems.sort(key=lambda p: (p.file, p.line or 0, p.column or 0))
        raise ConfigError(f"segments have {len(problems)} problem(s)", problems)
    return SegmentSet(definitions, section)


def _reference_problems(definitions: dict[str, SegmentDefinition]) -> list[Problem]:
    problems: list[Problem] = []
    for definition in definitions.values():
        for ref in references(definition.criteria):
            if ref.name not in definitions:
                problems.append(definition.doc.problem(
                    ref.loc, f"unknown segment {ref.name!r}{suggest(ref.name, definitions)}"))
    if problems:
        return problems
    reported: set[frozenset[str]] = set()
    for name in definitions:
        cycle = _cycle_from(name, definitions)
        if cycle and frozenset(cycle) not in reported:
            reported.add(frozenset(cycle))
            first = definitions[cycle[0]]
            ref = next(r for r in references(first.criteria) if r.name == cycle[1])
            problems.append(first.doc.problem(
                ref.loc, f"cycle between segments: {' → '.join(cycle)}"))
    return problems


def _cycle_from(start: str, definitions: dict[str, SegmentDefinition]) -> list[str] | None:
    """A path start → … → start through `segment:` references, if there is one."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        name, path = stack.pop()
        for ref in references(definitions[name].criteria):
            if ref.name == start:
                return [*path, start]
            if ref.name not in seen:
                seen.add(ref.name)
                stack.append((ref.name, [*path, ref.name]))
    return None


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_json_safe(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value
