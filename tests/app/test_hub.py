"""`Hub`, the composition root: each part built once, on first use, for hub.yaml's tenant, and
closed with the hub."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hub.app import Hub
from hub.errors import ConfigError, HubError


@pytest.fixture(autouse=True)
def quiet_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HUB_DATABASE_URL", "HUB_CONFIG"):
        monkeypatch.delenv(name, raising=False)


def hub_yaml(root: Path, store: Path, tenant: str = "acme") -> Path:
    path = root / "hub.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1, "tenant": tenant, "store": {"url": f"sqlite:///{store}"},
        "connections": {"shop": {"connector": "sql", "url": f"sqlite:///{root / 'shop.db'}"}},
    }))
    return path


def test_the_store_is_opened_once_for_the_tenant_of_hub_yaml(tmp_path: Path) -> None:
    with Hub(hub_yaml(tmp_path, tmp_path / "hub.db")) as hub:
        store = hub.store()
        assert hub.store() is store
        assert store.tenant == "acme"
        assert store.runs() == []  # migrated: the run ledger is there
    assert (tmp_path / "hub.db").is_file()
    assert hub.store() is not store  # closed with the hub; asking again opens it again
    hub.close()


def test_services_are_built_once_over_the_one_store(tmp_path: Path) -> None:
    with Hub(hub_yaml(tmp_path, tmp_path / "hub.db")) as hub:
        assert hub.campaigns is hub.campaigns
        assert hub.campaigns.store is hub.store()
        assert hub.sync_engine.store is hub.store()
        assert hub.pipelines is hub.pipelines
        assert hub.segment_set is hub.segment_set
        assert hub.segments().tenant == "acme"
        hub.close()
        assert hub.campaigns.store is hub.store()  # rebuilt over the store opened again


def test_a_hub_without_hub_yaml_or_database_url_has_no_store(tmp_path: Path) -> None:
    hub = Hub(tmp_path / "hub.yaml")
    assert hub.tenant == "default"
    with pytest.raises(ConfigError, match="no such file, so no state store to open"):
        hub.store()


def test_hub_database_url_names_the_store_without_hub_yaml(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    with Hub(tmp_path / "hub.yaml") as hub:
        assert hub.store().tenant == "default"
    assert (tmp_path / "elsewhere.db").is_file()


def test_a_store_that_cannot_be_used_is_one_line_naming_it_and_is_not_kept(
        tmp_path: Path) -> None:
    garbage = tmp_path / "store.db"
    garbage.write_bytes(b"this is not a database\x00\xff" * 200)
    hub = Hub(hub_yaml(tmp_path, garbage))
    for _ in range(2):  # a failed open leaves nothing half-open behind to be handed out
        with pytest.raises(HubError, match=f"cannot use the state store, SQLite file {garbage}"):
            hub.store()
    hub.close()
