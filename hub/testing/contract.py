"""The connector contract: one pytest base class, every check a connector owes the hub.

A connector's tests subclass it, say what to build and where its sandbox is, and inherit every
check::

    class TestAcmeContract(ConnectorContract):
        connector_cls = AcmeConnector
        settings = {"api_key": "test-key"}
        streams = (StreamCase("contacts"),)
        sinks = (SinkCase("contacts", records=({"email": "ada@example.com"},)),)
        http_probe = HttpProbe("/v1/contacts", ok={"results": []})

        @pytest.fixture
        def live_settings(self, acme_sandbox):          # the sandbox hook
            return {**self.settings, "base_url": acme_sandbox.url}

Checked: registration through the plugin host (entry points), settings that refuse unknown keys
and keep secrets as SecretStr (never shown by repr), streams that declare keys and cursors,
terminate their paging and resume without repeating, sinks that return one result per record,
HTTP statuses retried or not as the policy table says, a `check()` that passes against the
sandbox (and fails in words with bad credentials), and valid mapping files.

The checks are synchronous and drive the connector with `asyncio.run`, so a connector author
needs no asyncio plugin for pytest.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import re
import typing
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import pytest
from pydantic import SecretStr, ValidationError

from hub.connector import Connector, ConnectorSettings, Outcome, Record, WriteMode, WriteResult
from hub.errors import HubError
from hub.plugin.host import PluginHost

T = TypeVar("T")

# Field names that hold credentials; such a field must be a SecretStr.
SECRET_NAME = re.compile(r"(token|secret|password|passwd|api_?key|credential)", re.IGNORECASE)


@dataclass(frozen=True)
class StreamCase:
    """A stream to exercise: its name, options, and how many records the sandbox holds."""

    name: str
    options: Mapping[str, Any] = field(default_factory=dict)
    min_records: int = 1
    incremental: bool = True  # declares a cursor and resumes strictly after a checkpoint
    max_pages: int = 10_000  # a read taking more pages than this is taken for a paging loop


@dataclass(frozen=True)
class SinkCase:
    """A sink to exercise with a few records the sandbox accepts."""

    name: str
    records: Sequence[Record]
    options: Mapping[str, Any] = field(default_factory=dict)
    mode: WriteMode = WriteMode.UPSERT
    all_written: bool = True


@dataclass(frozen=True)
class HttpProbe:
    """How `check()` reaches the API: the path it calls and an answer that satisfies it.

    The contract serves that path from a fault server (its URL goes in `url_setting`) to see
    which statuses are retried and which fail at once.
    """

    path: str
    ok: Any = None
    url_setting: str = "base_url"


def run(coroutine: Awaitable[T]) -> T:
    """Run one coroutine on a fresh event loop."""

    async def main() -> T:
        return await coroutine

    return asyncio.run(main())


def _mentions_secret_str(annotation: Any) -> bool:
    if annotation is SecretStr:
        return True
    return any(_mentions_secret_str(arg) for arg in typing.get_args(annotation))


class ConnectorContract:
    """Subclass as `Test<Vendor>Contract`, set the class attributes, inherit the checks."""

    connector_cls: ClassVar[type[Connector[Any]]]
    #: settings accepted offline (no sandbox needed)
    settings: ClassVar[Mapping[str, Any]]
    streams: ClassVar[Sequence[StreamCase]] = ()
    sinks: ClassVar[Sequence[SinkCase]] = ()
    #: set for HTTP connectors; None skips the status checks
    http_probe: ClassVar[HttpProbe | None] = None
    retried_statuses: ClassVar[Sequence[int]] = (429, 500, 502, 503, 504)
    final_statuses: ClassVar[Sequence[int]] = (400, 401, 403, 404)
    #: the plugin module, when it is not `<connector package>.plugin`
    plugin_module: ClassVar[str | None] = None
    #: a folder of mapping files that must all be valid
    mappings_dir: ClassVar[Path | None] = None

    # -- hooks a subclass overrides -----------------------------------------------------------

    @pytest.fixture
    def live_settings(self) -> Mapping[str, Any]:
        """Settings that reach the connector's sandbox, with data for `streams` (override)."""
        return dict(self.settings)

    @pytest.fixture
    def bad_settings(self, live_settings: Mapping[str, Any]) -> Mapping[str, Any] | None:
        """Settings whose credentials the sandbox refuses; None skips that check (override)."""
        return None

    # -- helpers ------------------------------------------------------------------------------

    def build(self, raw: Mapping[str, Any]) -> Connector[Any]:
        settings = self.connector_cls.settings_model.model_validate(dict(raw))
        return self.connector_cls(settings, name="contract")

    def with_connector(self, raw: Mapping[str, Any],
                       use: Callable[[Connector[Any]], Awaitable[T]]) -> T:
        """Build a connector, run `use` with it on a fresh loop, close it whatever happens."""

        async def session() -> T:
            connector = self.build(raw)
            try:
                return await use(connector)
            finally:
                await connector.aclose()

        return run(session())

    # -- registration and identity ------------------------------------------------------------

    def test_registered_through_the_plugin_host(self) -> None:
        host = PluginHost().load()
        registry = host.connectors
        assert self.connector_cls.id in registry, (
            f"no `hub` entry point registers {self.connector_cls.id!r}")
        assert registry.get(self.connector_cls.id) is self.connector_cls
        module = self.plugin_module or self.connector_cls.__module__.rsplit(".", 1)[0] + ".plugin"
        plugin = importlib.import_module(module)
        fresh = PluginHost(entry_points_=[], extra_plugins={"contract": plugin}).load()
        assert list(fresh.connectors) == [self.connector_cls.id]

    def test_declares_what_it_offers(self) -> None:
        cls = self.connector_cls
        assert isinstance(cls.id, str)
        assert re.fullmatch(r"[a-z][a-z0-9_]*", cls.id), "ids are lower_snake_case"
        assert issubclass(cls.settings_model, ConnectorSettings)
        assert cls.description, "say in a few words what the connector connects"
        assert all(isinstance(n, str) and n for n in (*cls.stream_names, *cls.sink_names))

    # -- settings -----------------------------------------------------------------------------

    def test_settings_refuse_unknown_keys(self) -> None:
        with pytest.raises(ValidationError) as refused:
            self.connector_cls.settings_model.model_validate(
                {**self.settings, "no_such_setting": 1})
        assert any(e["type"] == "extra_forbidden" for e in refused.value.errors())

    def test_secrets_are_secret_and_never_shown(self) -> None:
        model = self.connector_cls.settings_model
        for name, info in model.model_fields.items():
            if SECRET_NAME.search(name):
                assert _mentions_secret_str(info.annotation), (
                    f"setting {name!r} holds a credential: type it SecretStr")
        settings = model.model_validate(dict(self.settings))
        shown = [repr(settings), str(settings), settings.model_dump_json()]
        for name, info in model.model_fields.items():
            value = self.settings.get(name)
            if _mentions_secret_str(info.annotation) and isinstance(value, str) and value:
                assert isinstance(getattr(settings, name), SecretStr)
                assert not any(value in text for text in shown), f"{name} leaks in repr"

    # -- check() ------------------------------------------------------------------------------

    def test_check_passes_against_the_sandbox(self, live_settings: Mapping[str, Any]) -> None:
        result = self.with_connector(live_settings, lambda c: c.check())
        assert result.ok, result.message
        assert result.message

    def test_check_says_what_is_wrong_with_bad_credentials(
            self, bad_settings: Mapping[str, Any] | None) -> None:
        if bad_settings is None:
            pytest.skip("no bad_settings hook for this connector")
        result = self.with_connector(bad_settings, lambda c: c.check())
        assert not result.ok
        assert len(result.message) > 20, "tell the person what to do, in words"

    # -- streams ------------------------------------------------------------------------------

    def test_streams_declare_keys_and_cursors(self, live_settings: Mapping[str, Any]) -> None:
        if not self.streams:
            pytest.skip("this connector declares no stream cases")

        async def inspect(connector: Connector[Any]) -> None:
            for case in self.streams:
                stream = connector.stream(case.name, case.options)
                assert stream.name
                assert stream.primary_key, f"stream {case.name!r} declares no primary key"
                assert all(isinstance(k, str) and k for k in stream.primary_key)
                if case.incremental:
                    assert stream.cursor_field, f"stream {case.name!r} declares no cursor"

        self.with_connector(live_settings, inspect)

    def test_streams_terminate_and_resume_without_repeats(
            self, live_settings: Mapping[str, Any]) -> None:
        if not self.streams:
            pytest.skip("this connector declares no stream cases")

        async def read(connector: Connector[Any]) -> None:
            for case in self.streams:
                stream = connector.stream(case.name, case.options)
                records: list[Record] = []
                pages = 0
                async for page in stream.read(None):
                    pages += 1
                    assert pages <= case.max_pages, f"{case.name}: paging does not terminate"
                    records.extend(page)
                assert len(records) >= case.min_records, f"{case.name}: too few records"
                keys = [tuple(r.get(k) for k in stream.primary_key) for r in records]
                assert all(None not in key for key in keys), f"{case.name}: a key is missing"
                assert len(set(keys)) == len(keys), f"{case.name}: a record came twice"
                checkpoint = stream.checkpoint(records[-1])
                json.dumps(checkpoint)  # the engine stores it as JSON
                if case.incremental:
                    again = [r async for page in stream.read(checkpoint) for r in page]
                    repeated = {tuple(r.get(k) for k in stream.primary_key) for r in again}
                    assert not repeated & set(keys), f"{case.name}: resuming repeats records"

        self.with_connector(live_settings, read)

    # -- sinks --------------------------------------------------------------------------------

    def test_sinks_return_one_result_per_record(self, live_settings: Mapping[str, Any]) -> None:
        if not self.sinks:
            pytest.skip("this connector declares no sink cases")

        async def write(connector: Connector[Any]) -> None:
            for case in self.sinks:
                sink = connector.sink(case.name, case.options)
                assert sink.batch_size >= 1
                assert case.mode in sink.modes, f"{case.name}: {case.mode} is not supported"
                results = await sink.write(list(case.records), case.mode)
                assert len(results) == len(case.records), f"{case.name}: one result per record"
                assert all(isinstance(r, WriteResult) for r in results)
                if case.all_written:
                    refused = [r.error for r in results if r.outcome is not Outcome.WRITTEN]
                    assert refused == [], f"{case.name}: {refused}"

        self.with_connector(live_settings, write)

    # -- HTTP statuses ------------------------------------------------------------------------

    def _probe(self, status: int, **answer: Any) -> tuple[bool, str, int]:
        probe = self.http_probe
        if probe is None:
            pytest.skip("not an HTTP connector (no http_probe)")
        try:  # the harness ships apart from the hub's wheel
            from hub.testing.sandbox.faultserver import Step, run_fault_server
        except ImportError as exc:
            raise ImportError("the contract's HTTP checks run the sandbox harness's fault "
                              "server: pip install 'marketing-hub[sandbox]'") from exc
        with run_fault_server() as server:
            server.app.script(probe.path, Step(status, **answer), Step(200, json=probe.ok))
            raw = {**self.settings, probe.url_setting: server.url}

            async def check(connector: Connector[Any]) -> tuple[bool, str]:
                try:
                    result = await connector.check()
                except HubError as exc:  # a check may also raise: it must not retry then
                    return False, str(exc)
                return result.ok, result.message

            ok, message = self.with_connector(raw, check)
            return ok, message, len(server.app.requests(probe.path))

    def test_transient_statuses_are_retried(self) -> None:
        for status in self.retried_statuses:
            ok, message, sent = self._probe(status, json={"message": "try again"},
                                            headers={"Retry-After": "0"})
            assert ok, f"{status} was not retried: {message}"
            assert sent == 2, f"{status}: expected one retry, saw {sent} request(s)"

    def test_final_statuses_fail_without_retry(self) -> None:
        for status in self.final_statuses:
            ok, message, sent = self._probe(status, json={"message": "refused"})
            assert not ok, f"{status} was taken for success"
            assert sent == 1, f"{status} was retried ({sent} requests)"
            assert message

    # -- mappings -----------------------------------------------------------------------------

    def test_mapping_files_are_valid(self) -> None:
        if self.mappings_dir is None:
            pytest.skip("no mappings_dir for this connector")
        from hub.mapping import check_files
        from hub.model import canonical_fields

        host = PluginHost().load()
        problems = check_files([self.mappings_dir], transforms=host.transforms,
                               target_fields=canonical_fields)
        assert [str(p) for p in problems] == []


__all__ = [
    "ConnectorContract",
    "HttpProbe",
    "SinkCase",
    "StreamCase",
    "run",
]
