"""README's Messaging section holds: its hub.yaml example validates, the defaults it claims
are the defaults, and every command it lists exists."""

from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest
import yaml

from hub.cli.app import main
from hub.messaging.config import MessagingSettings, messaging_from_config
from hub.model.people import Channel

README = Path(__file__).resolve().parents[2] / "README.md"


def _section() -> str:
    text = README.read_text()
    start = text.index("## Messaging\n")
    return text[start:text.index("\n## ", start + 1)]


def test_the_example_validates_and_states_the_defaults() -> None:
    [block] = re.findall(r"```yaml\n(.*?)```", _section(), flags=re.DOTALL)
    raw = yaml.safe_load(block.replace("${HUB_UNSUBSCRIBE_SECRET}", "secret"))["messaging"]
    example = messaging_from_config(None, raw)
    defaults = MessagingSettings()
    assert example.caps == defaults.caps
    assert example.same_trigger_hours == defaults.same_trigger_hours == 24
    assert example.high_value_cooldown_days == defaults.high_value_cooldown_days == 14
    assert example.window(Channel.SMS) == defaults.window(Channel.SMS)
    assert defaults.window(Channel.EMAIL) is None
    assert example.window(Channel.EMAIL).send_from == time(7)  # type: ignore[union-attr]
    assert example.templates == defaults.templates
    assert example.default_time_zone == defaults.default_time_zone


@pytest.mark.parametrize("command", sorted(set(re.findall(
    r"^\| `hub ([a-z]+(?: [a-z]+)?)", _section(), flags=re.MULTILINE))))
def test_every_listed_command_exists(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*command.split(), "--help"]) == 0
    assert "Usage: hub" in capsys.readouterr().out
