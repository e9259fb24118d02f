"""The hub command: exit codes 0 / 1 / 2, located errors, redacted secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.cli import main
from hub.store.database import head_revision


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    return tmp_path


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--version")
    assert code == 0
    assert out.startswith("hub 0.")


def test_init_then_check_then_upgrade(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "init")[0] == 0
    assert (project / "mappings" / "shop" / "customers.yaml").is_file()
    code, out, _ = run(capsys, "config", "check")
    assert (code, "1 pipeline(s)" in out) == (0, True)
    code, out, _ = run(capsys, "db", "upgrade")
    assert code == 0
    assert f"upgraded empty → {head_revision()}" in out
    assert (project / "var" / "hub.db").is_file()
    code, out, _ = run(capsys, "db", "upgrade")
    assert f"already at revision {head_revision()}" in out


def test_init_refuses_to_overwrite(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "init")
    code, _, err = run(capsys, "init")
    assert code == 2
    assert "use --force" in err


def test_bad_config_exits_2_with_located_error(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "init")
    text = (project / "hub.yaml").read_text().replace("connector: sql", "connector: sqll", 1)
    (project / "hub.yaml").write_text(text)
    code, _, err = run(capsys, "config", "check")
    line = next(i for i, t in enumerate(text.splitlines(), 1) if "connector: sqll" in t)
    assert code == 2
    assert f"hub.yaml:{line}:5: connections.shop.connector: unknown connector 'sqll'" in err


def test_missing_env_var_is_named(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "init")
    text = (project / "hub.yaml").read_text().replace("sqlite:///shop.db", "${SHOP_URL}")
    (project / "hub.yaml").write_text(text)
    code, _, err = run(capsys, "config", "check")
    assert code == 2
    assert "connections.shop.url: environment variable SHOP_URL is not set" in err


def test_config_show_redacts_secrets(project: Path, capsys: pytest.CaptureFixture[str],
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    run(capsys, "init")
    monkeypatch.setenv("SHOP_PW", "s3cr3t-pa55")
    text = (project / "hub.yaml").read_text().replace(
        "sqlite:///shop.db", "postgresql+psycopg://shop:${SHOP_PW}@127.0.0.1/shop")
    text = text.replace("description: shop customers", "description: uses ${SHOP_PW}")
    (project / "hub.yaml").write_text(text)
    code, out, _ = run(capsys, "config", "show")
    assert code == 0
    assert "s3cr3t-pa55" not in out
    assert "postgresql+psycopg://shop:***@127.0.0.1/shop" in out
    assert "uses **********" in out


def test_unknown_command_is_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "frobnicate")[0] == 2
