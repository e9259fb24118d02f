"""`hub sandbox` on an install without the sandboxes (the hub's wheel alone): one line that
names what to install, exit 2, rather than a traceback."""

from __future__ import annotations

import sys

import pytest

from hub.cli import main

SANDBOXES = ("connectors.hubspot.sandbox", "hub.testing.sandbox")


@pytest.mark.parametrize("missing", ["connectors.hubspot.sandbox", "hub.testing.sandbox"])
def test_a_sandbox_not_installed_names_the_extra(
        missing: str, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    # forget the sandboxes imported so far; a None entry fails an import as an absent
    # package does
    for name in [m for m in sys.modules if m.startswith(SANDBOXES)]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, missing, None)

    code = main(["sandbox", "hubspot"])
    captured = capsys.readouterr()

    assert code == 2
    assert captured.out == ""
    assert " ".join(captured.err.split()) == (  # one line, which the console wraps
        "the hubspot sandbox (connectors.hubspot.sandbox) is not installed: "
        "pip install 'marketing-hub[sandbox]'")


def test_a_third_party_sandbox_not_installed_says_so(
        capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    from hub.cli import sandbox

    monkeypatch.setattr(sandbox, "sandboxes", lambda: {"acme": "acme_hub.sandbox"})

    code = main(["sandbox", "acme"])
    out = " ".join(capsys.readouterr().err.split())

    assert code == 2
    assert "the acme sandbox (acme_hub.sandbox) is not installed" in out
    assert "install the package that provides it (No module named 'acme_hub')" in out
