"""Pipelines checked against the live systems: do the tables and columns (or whatever a
connector's streams and sinks name) exist? Each stream and sink answers through its optional
`verify`; a fault is located in hub.yaml at the option that names it, as
`hub.yaml:LINE:COL: pipelines.NAME.source.cursor: …`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from hub.config.loader import LoadedConfig
from hub.config.schema import Pipeline
from hub.config.yaml_source import Path_, YamlDocument
from hub.connector import Sink, Stream
from hub.errors import ConfigError, HubError, Problem

_PART = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


@dataclass
class Verification:
    """What the live systems said about one or more pipelines."""

    problems: list[Problem] = field(default_factory=list)  # names that do not exist: bad input
    failures: list[str] = field(default_factory=list)  # systems that could not be asked

    @property
    def ok(self) -> bool:
        return not (self.problems or self.failures)

    def extend(self, other: Verification) -> None:
        self.problems += [p for p in other.problems if p not in self.problems]
        self.failures += [f for f in other.failures if f not in self.failures]

    def raise_for(self, what: str) -> None:
        """Refuse: located problems exit 2; an unreachable system exits 1."""
        if self.problems:
            raise ConfigError(f"{what} names something its systems do not have", self.problems)
        if self.failures:
            raise HubError("; ".join(self.failures))


async def verify_endpoints(doc: YamlDocument, name: str, pipeline: Pipeline, stream: Stream,
                           sink: Sink) -> Verification:
    """Ask the pipeline's stream and sink whether what they name exists."""
    found = Verification()
    ends = (("source", pipeline.source.connection, stream),
            ("destination", pipeline.destination.connection, sink))
    for end, connection, endpoint in ends:
        where: Path_ = ("pipelines", name, end)
        try:
            await endpoint.verify()
        except ConfigError as exc:
            found.problems += _located(doc, where, exc)
        except HubError as exc:
            named = f"connection {connection!r}"
            found.failures.append(str(exc) if str(exc).startswith(named)  # named already
                                  else f"{named} ({end} of pipeline {name!r}): {exc}")
    return found


async def verify_pipeline(loaded: LoadedConfig, name: str) -> Verification:
    """Build the pipeline's stream and sink, verify them, and close their connectors."""
    pipeline = loaded.config.pipelines[name]
    source = loaded.connector(pipeline.source.connection)
    destination = loaded.connector(pipeline.destination.connection)
    try:
        return await verify_endpoints(
            loaded.doc, name, pipeline,
            source.stream(pipeline.source.stream, pipeline.source.options),
            destination.sink(pipeline.destination.object, pipeline.destination.options))
    finally:
        await source.aclose()
        await destination.aclose()


def _located(doc: YamlDocument, where: Path_, exc: ConfigError) -> list[Problem]:
    """A problem whose file is empty names an option of the endpoint: point at it."""
    if not exc.problems:
        return [doc.problem(where, str(exc))]
    return [doc.problem((*where, *_path(p.field)), p.message) if not p.file else p
            for p in exc.problems]


def _path(field_path: str) -> Path_:
    """`primary_key[1]` → ("primary_key", 1): the inverse of `format_path`."""
    return tuple(int(index) if index else key for key, index in _PART.findall(field_path))
