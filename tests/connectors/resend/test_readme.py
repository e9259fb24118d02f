"""README's Resend section is true: its example connection validates, and every setting and
sandbox knob is documented."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import yaml

from connectors.resend import ResendSettings
from connectors.resend.sandbox import SandboxConfig

README = (Path(__file__).resolve().parents[3] / "README.md").read_text()
# knobs every sandbox shares (webhook delivery, faults, the log), documented with the harness
HARNESS_KNOBS = {"webhook_max_attempts", "webhook_retry_base_s", "webhook_retry_max_s",
                 "webhook_timeout_s", "webhook_batch_size", "latency_jitter_s", "fault_seed",
                 "validate_contract", "request_log_size"}


def connector_section() -> str:
    start = README.index("### The `resend` connector\n")
    ends = [found for mark in ("\n## ", "\n### ") if (found := README.find(mark, start)) != -1]
    return README[start:min(ends)]


def test_the_example_connection_validates() -> None:
    [block] = re.findall(r"```yaml\n(.*?)```", connector_section(), flags=re.DOTALL)
    raw = yaml.safe_load(block)["connections"]["mail"]
    raw.pop("connector")
    raw["api_key"], raw["webhook_secret"] = "re_example", "whsec_ZXhhbXBsZQ=="

    settings = ResendSettings.model_validate(raw)

    assert settings.rate_limit is not None
    assert settings.rate_limit.requests == 2


def test_every_setting_is_documented() -> None:
    section = connector_section()
    missing = [name for name in ResendSettings.model_fields
               if name != "tenant" and f"`{name}`" not in section]
    assert missing == []


def test_every_sandbox_knob_is_documented() -> None:
    missing = [f.name for f in dataclasses.fields(SandboxConfig)
               if f.name not in HARNESS_KNOBS and f"`{f.name}`" not in README]
    assert missing == []
