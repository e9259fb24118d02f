"""Load hub.yaml: parse, resolve secrets, validate the schema, then every connection's
settings and every pipeline's options against the connectors' own models. All problems are
collected and reported together, each as `file:line:col: field: message`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hub.config.schema import JOBS, HubConfig
from hub.config.secrets import resolve_references
from hub.config.yaml_source import YamlDocument, load_yaml, problems_from, validate
from hub.connector import Connector, ConnectorSettings
from hub.errors import ConfigError, HubError, Problem
from hub.plugin.host import PluginHost, default_host
from hub.settings import HubSettings

STORE_CONNECTION = "store"


@dataclass
class LoadedConfig:
    path: Path
    doc: YamlDocument
    config: HubConfig
    store_url: str
    host: PluginHost
    settings: dict[str, ConnectorSettings] = field(default_factory=dict)

    @property
    def base_dir(self) -> Path:
        return self.path.resolve().parent

    def connector(self, name: str) -> Connector[Any]:
        """A new connector instance for connection `name` (the caller closes it)."""
        if name == STORE_CONNECTION and name not in self.config.connections:
            cls = self.host.connectors.get(STORE_CONNECTION)
        else:
            cls = self.host.connectors.get(self.config.connections[name].connector)
        return cls(self.settings[name], name=name)

    def resolve(self, relative: str) -> Path:
        return self.base_dir / relative


def load_config(path: str | Path | None = None, *, host: PluginHost | None = None,
                settings: HubSettings | None = None) -> LoadedConfig:
    settings = settings or HubSettings.from_env(path)
    host = host or default_host()
    doc = load_yaml(settings.config_path)
    if doc.data is None:  # empty, or only comments: almost surely the wrong file
        raise ConfigError(f"{doc.file} is empty", [Problem(
            doc.file, 1, 1, "", "the file is empty: give at least `version: 1` and a "
            "connection (`hub init` writes a working example)")])
    problems = resolve_references(doc, settings.config_path.resolve().parent)
    try:
        config = validate(doc, HubConfig)
    except ConfigError as exc:
        raise ConfigError(f"{doc.file} is invalid", _merge(problems, exc.problems)) from None
    loaded = LoadedConfig(settings.config_path, doc, config,
                          settings.store_url(config.store.url), host)
    problems = _merge(problems, [*_check_connections(loaded), *_check_pipelines(loaded),
                                 *_check_schedules(loaded)])
    if problems:
        raise ConfigError(f"{doc.file} has {len(problems)} problem(s)", problems)
    return loaded


def _merge(references: list[Problem], others: Sequence[Problem]) -> list[Problem]:
    """A value whose ${…} reference failed is reported once, for the reference."""
    unresolved = {p.field for p in references}
    return [*references, *(p for p in others if p.field not in unresolved)]


def _check_connections(loaded: LoadedConfig) -> list[Problem]:
    doc, problems = loaded.doc, []
    # the built-in `store` connection: the core's own connector over the state store
    if (STORE_CONNECTION not in loaded.config.connections
            and STORE_CONNECTION in loaded.host.connectors):
        model = loaded.host.connectors.get(STORE_CONNECTION).settings_model
        try:
            loaded.settings[STORE_CONNECTION] = model.model_validate(
                {"url": loaded.store_url, "tenant": loaded.config.tenant})
        except ValidationError as exc:  # a bad store.url is refused by the schema already
            problems += [Problem("HUB_DATABASE_URL", None, None, "", p.message)
                         for p in problems_from(doc, exc)]
    for name, conn in loaded.config.connections.items():
        if conn.connector not in loaded.host.connectors:
            known = ", ".join(loaded.host.connectors) or "none"
            broken = loaded.host.connectors.broken.get(conn.connector)
            problems.append(doc.problem(
                ("connections", name, "connector"),
                f"connector {conn.connector!r} is broken: {broken}" if broken else
                f"unknown connector {conn.connector!r} (installed: {known})"))
            continue
        model = loaded.host.connectors.get(conn.connector).settings_model
        raw = {"tenant": loaded.config.tenant, **conn.settings}
        try:
            loaded.settings[name] = model.model_validate(raw,
                                                         context={"base_dir": loaded.base_dir})
        except ValidationError as exc:
            problems += problems_from(doc, exc, prefix=("connections", name))
    return problems


def _check_pipelines(loaded: LoadedConfig) -> list[Problem]:
    doc, problems = loaded.doc, []
    for name, pipe in loaded.config.pipelines.items():
        ends = (("source", pipe.source.connection), ("destination", pipe.destination.connection))
        missing = False
        for end, conn in ends:
            if conn not in loaded.settings:
                missing = True
                if conn in loaded.config.connections or (
                        conn == STORE_CONNECTION and "sql" in loaded.host.connectors):
                    continue  # already reported as a broken connection (or store URL)
                known = ", ".join(sorted(loaded.settings)) or "none"
                problems.append(doc.problem(("pipelines", name, end, "connection"),
                                            f"no connection named {conn!r} (defined: {known})"))
        if missing:
            continue
        tenants = {loaded.settings[c].tenant for _, c in ends}
        if len(tenants) > 1:
            problems.append(doc.problem(("pipelines", name), "source and destination serve "
                                        f"different tenants ({', '.join(sorted(tenants))})"))
        problems += _check_endpoints(loaded, name)
        if pipe.mapping and not loaded.resolve(pipe.mapping).is_file():
            problems.append(doc.problem(("pipelines", name, "mapping"),
                                        f"mapping file {pipe.mapping!r} does not exist"))
    return problems


def _check_endpoints(loaded: LoadedConfig, name: str) -> list[Problem]:
    """Build the stream and sink once: their options models refuse unknown or bad keys."""
    pipe, problems = loaded.config.pipelines[name], []
    checks: tuple[tuple[str, str, Callable[[Connector[Any]], Any]], ...] = (
        ("source", pipe.source.connection, lambda c: c.stream(pipe.source.stream,
                                                              pipe.source.options)),
        ("destination", pipe.destination.connection,
         lambda c: c.sink(pipe.destination.object, pipe.destination.options)),
    )
    for end, conn_name, build in checks:
        connector = loaded.connector(conn_name)
        try:
            endpoint = build(connector)
            if end == "destination" and pipe.destination.mode not in endpoint.modes:
                modes = ", ".join(sorted(endpoint.modes))
                problems.append(loaded.doc.problem(
                    ("pipelines", name, end, "mode"),
                    f"{conn_name}.{pipe.destination.object} does not support "
                    f"{pipe.destination.mode} (supported: {modes})"))
        except ValidationError as exc:
            problems += problems_from(loaded.doc, exc, prefix=("pipelines", name, end))
        except (HubError, NotImplementedError) as exc:
            problems.append(loaded.doc.problem(("pipelines", name, end), str(exc)))
    return problems


def _check_schedules(loaded: LoadedConfig) -> list[Problem]:
    problems = []
    for name, schedule in loaded.config.schedules.items():
        for i, target in enumerate(schedule.run):
            if target not in loaded.config.pipelines and target not in JOBS:
                problems.append(loaded.doc.problem(
                    ("schedules", name, "run", i),
                    f"no pipeline named {target!r}, nor a job ({', '.join(JOBS)})"))
    return problems
