"""Is hub.yaml right, and do the systems it names answer? Connections checked (credentials
accepted, system reachable), the tables and columns each pipeline names verified in the live
systems, every mapping a pipeline names compiled.

A sink that takes the `fields` it will write (Salesforce's, checked by `describe`) is also
verified with its pipeline's mapping's target fields, and a field it refuses is pointed at
in the mapping file (`leads.yaml:14:3: fields.Shoe_Size__c: Lead has no field …`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from hub.config import STORE_CONNECTION, LoadedConfig
from hub.config.verify import Verification, verify_pipeline
from hub.config.yaml_source import load_yaml
from hub.connector import CheckResult, Connector
from hub.connector.failures import failure_reason
from hub.engine.plan import pipeline_mapping
from hub.errors import ConfigError, HubError, Problem

if TYPE_CHECKING:
    from hub.app.core import Hub


@dataclass(frozen=True)
class ConnectionCheck:
    name: str
    kind: str  # the connector's id, or "store" for the state store
    result: CheckResult


def connection_names(loaded: LoadedConfig, connection: str | None = None) -> list[str]:
    """`connection`, or every connection and the state store; an unknown name is refused."""
    known = {*loaded.config.connections, STORE_CONNECTION}
    if connection is not None and connection not in known:
        defined = ", ".join(sorted(loaded.config.connections)) or "none"
        raise ConfigError(f"no connection named {connection!r} (defined: {defined})")
    return [connection] if connection else sorted(known)


def check_connection(loaded: LoadedConfig, name: str) -> ConnectionCheck:
    kind = (loaded.config.connections[name].connector if name in loaded.config.connections
            else "store")
    return ConnectionCheck(name, kind, asyncio.run(_check(loaded.connector(name))))


def pipeline_ends(loaded: LoadedConfig) -> dict[str, set[str]]:
    """Each pipeline's source and destination connections."""
    return {name: {p.source.connection, p.destination.connection}
            for name, p in loaded.config.pipelines.items()}


def verify_pipelines(hub: Hub, names: Iterable[str]) -> dict[str, Verification]:
    """Verify each pipeline against the live systems, in one event loop."""
    loaded = hub.config()
    names = list(names)
    found = {name: Verification() for name in names}
    ends = pipeline_ends(loaded)
    builtin = set() if STORE_CONNECTION in loaded.config.connections else {STORE_CONNECTION}
    if any(builtin & ends[name] for name in names):
        # the store's tables come from its migrations, which run when it is first opened
        try:
            hub.store()
        except HubError as exc:
            for name in names:
                if builtin & ends[name]:
                    found[name].failures.append(str(exc))

    async def verify_all() -> None:
        for name in names:
            if not found[name].failures:
                found[name].extend(await verify_pipeline(loaded, name))
            if not found[name].failures:
                found[name].extend(await verify_mapping_targets(loaded, name))

    asyncio.run(verify_all())
    return found


def check_config(hub: Hub, *, connect: bool = False) -> Verification:
    """Every problem of every mapping a pipeline names; with `connect`, also what each
    pipeline names verified in the live systems."""
    loaded = hub.config()
    found = Verification(mapping_problems(loaded))
    if connect:
        for verified in verify_pipelines(hub, loaded.config.pipelines).values():
            found.extend(verified)
    return found


def mapping_problems(loaded: LoadedConfig) -> list[Problem]:
    """Every problem of every mapping the pipelines name (a file shared is reported once)."""
    problems: list[Problem] = []
    for pipeline in loaded.config.pipelines.values():
        try:
            pipeline_mapping(loaded, pipeline)
        except ConfigError as exc:
            located = exc.problems or (Problem(str(pipeline.mapping), None, None, "", str(exc)),)
            problems += [p for p in located if p not in problems]
    return problems


def verify_mappings_live(hub: Hub, files: Iterable[Path]) -> list[Problem]:
    """The mapping problems the live destinations report, for every hub.yaml pipeline whose
    mapping is one of `files` (Salesforce: each target field checked by describe)."""
    loaded = hub.config()
    wanted = {file.resolve() for file in files}
    names = [name for name, p in loaded.config.pipelines.items()
             if p.mapping and loaded.resolve(p.mapping).resolve() in wanted]

    async def verify_all() -> list[Problem]:
        found = Verification()
        for name in names:
            found.extend(await verify_mapping_targets(loaded, name))
        if found.failures:
            raise HubError("; ".join(found.failures))
        return found.problems

    return asyncio.run(verify_all())


async def verify_mapping_targets(loaded: LoadedConfig, name: str) -> Verification:
    """Verify the pipeline's sink with its mapping's target fields, when the sink takes
    `fields` and hub.yaml gives none; a refused field is located in the mapping file."""
    pipeline = loaded.config.pipelines[name]
    found = Verification()
    if not pipeline.mapping or "fields" in pipeline.destination.options:
        return found
    connector = loaded.connector(pipeline.destination.connection)
    declared = type(connector).sinks
    endpoint = declared.get(pipeline.destination.object, declared.get("*"))
    try:
        mapping = pipeline_mapping(loaded, pipeline)
    except ConfigError:  # reported by mapping_problems
        mapping = None
    if endpoint is None or "fields" not in endpoint[1].model_fields or mapping is None:
        await connector.aclose()
        return found
    fields = list(mapping.fields)
    try:
        sink = connector.sink(pipeline.destination.object,
                              {**pipeline.destination.options, "fields": fields})
        await sink.verify()
    except ConfigError as exc:
        doc = load_yaml(loaded.resolve(pipeline.mapping))
        for problem in exc.problems:  # the others (the external id) verify_pipeline reports
            index = problem.field.removeprefix("fields[").removesuffix("]")
            if index.isdigit():
                found.problems.append(doc.problem(("fields", fields[int(index)]),
                                                  problem.message))
    except HubError as exc:
        found.failures.append(f"pipeline {name!r}: {exc}")
    finally:
        await connector.aclose()
    return found


async def _check(connector: Connector[Any]) -> CheckResult:
    try:
        return await connector.check()
    except HubError as exc:  # a connector whose check raises still gets an answer in words
        return CheckResult(False, str(exc))
    except Exception as exc:  # … even when what it raises is not one of the hub's errors
        return CheckResult(False, f"{type(exc).__name__}: {failure_reason(exc)}")
    finally:
        await connector.aclose()
