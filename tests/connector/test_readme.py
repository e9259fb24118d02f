"""The code in README's "Writing a connector" runs: every block compiles, and the connector it
shows registers, builds its stream and sink, and reads and writes against a loopback server."""

from __future__ import annotations

import re
import types
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from hub import WriteMode
from hub.plugin.host import PluginHost
from hub.testing.sandbox.faultserver import FaultServer, Step, run_fault_server

README = Path(__file__).resolve().parents[2] / "README.md"


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end != -1 else None]


def python_blocks(text: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", text, flags=re.DOTALL)


@pytest.fixture(scope="module")
def readme_connector() -> types.ModuleType:
    [code] = python_blocks(section("Writing a connector"))
    module = types.ModuleType("readme_connector")
    exec(compile(code, "README.md", "exec", dont_inherit=True), module.__dict__)
    return module


@pytest.fixture
def server() -> Iterator[FaultServer]:
    with run_fault_server() as running:
        yield running


def test_every_block_of_the_section_compiles() -> None:
    blocks = python_blocks(section("Writing a connector"))
    assert blocks
    for block in blocks:
        compile(block, "README.md", "exec", dont_inherit=True)


def test_the_connector_shown_registers_and_declares_its_endpoints(
        readme_connector: types.ModuleType) -> None:
    host = PluginHost(entry_points_=[], extra_plugins={"acme": readme_connector}).load()
    acme = host.connectors.get("acme")
    assert acme is readme_connector.Acme
    assert acme.stream_names == ("contacts",)
    assert acme.sink_names == ("contacts",)


async def test_the_connector_shown_reads_and_writes(readme_connector: types.ModuleType,
                                                    server: FaultServer) -> None:
    contacts = [{"id": "1", "updated_at": "2025-01-01T00:00:00Z"},
                {"id": "2", "updated_at": "2025-01-02T00:00:00Z"}]
    server.app.script("/v2/contacts",
                      Step(200, json={"results": contacts[:1], "paging": {"next": "t2"}}),
                      Step(200, json={"results": contacts[1:], "paging": {}}))
    server.app.script("/v2/contacts/batch", Step(207, json={"errors": [
        {"index": 1, "message": "email is invalid"}]}))
    settings: Any = readme_connector.AcmeSettings(api_key="k", base_url=server.url)
    acme = readme_connector.Acme(settings)
    read = [r async for page in acme.stream("contacts").read(None) for r in page]
    written = await acme.sink("contacts").write([{"id": "1"}, {"id": "2"}], WriteMode.UPSERT)
    await acme.aclose()
    assert read == contacts
    assert [r.error for r in written] == [None, "email is invalid"]
    first, second = server.app.requests("/v2/contacts")
    assert "sort=updated_at%2Cid" in first.query
    assert "after=t2" in second.query
    assert first.headers["authorization"] == "Bearer k"
