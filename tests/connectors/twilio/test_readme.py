"""README's Twilio section is true to the code: its example connection validates, and it
documents every setting of the connector and every knob of the sandbox."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import yaml

from connectors.twilio.sandbox import SandboxConfig
from connectors.twilio.settings import TwilioSettings
from hub.connector import ConnectorSettings

README = Path(__file__).resolve().parents[3] / "README.md"
FAKE = {"TWILIO_ACCOUNT_SID": "AC" + "1" * 32, "TWILIO_AUTH_TOKEN": "token",
        "TWILIO_KEY_SID": "SK" + "1" * 32, "TWILIO_KEY_SECRET": "secret"}


def section() -> str:
    text = README.read_text()
    start = text.index("### The `twilio` connector\n")
    return text[start:text.index("\n## ", start)]


def test_the_example_connection_validates() -> None:
    (block,) = re.findall(r"```yaml\n(.*?)```", section(), flags=re.DOTALL)
    raw = re.sub(r"\$\{(\w+)\}", lambda m: FAKE[m.group(1)], block)
    connection = yaml.safe_load(raw)["connections"]["sms"]
    assert connection.pop("connector") == "twilio"
    settings = TwilioSettings.model_validate(connection)
    assert settings.sender == "+14155550100"
    assert settings.rate.per_second == 1


def test_every_setting_and_knob_is_documented() -> None:
    text = section()
    inherited = set(ConnectorSettings.model_fields)
    settings = [name for name in TwilioSettings.model_fields if name not in inherited]
    knobs = [field.name for field in dataclasses.fields(SandboxConfig)]
    missing = [name for name in settings + knobs if f"`{name}`" not in text
               and f"{name}:" not in text]
    assert missing == []
