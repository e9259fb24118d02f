"""README's "Streaming and schedules" example is a valid hub.yaml fragment, and the keys it
documents refuse bad values with a clear message."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from hub.config.schema import HubConfig

README = Path(__file__).resolve().parents[2] / "README.md"


def example() -> dict[str, Any]:
    text = README.read_text()
    start = text.index("## Streaming and schedules\n")
    [block] = re.findall(r"```yaml\n(.*?)```", text[start:text.index("\n## ", start + 1)],
                         flags=re.DOTALL)
    doc = yaml.safe_load(block)
    assert isinstance(doc, dict)
    return doc


def test_the_example_is_valid() -> None:
    config = HubConfig.model_validate(example())
    assert config.broker is not None
    assert config.broker.url.startswith("nats://")
    assert config.schedules["nightly"].missed == "catch_up_once"
    assert config.schedules["hourly"].timezone == "UTC"


@pytest.mark.parametrize(("path", "value", "message"), [
    (("broker", "url"), "http://127.0.0.1:4222", "expected nats://, amqp://, redis:// or kafka://"),
    (("schedules", "nightly", "timezone"), "Mars/Olympus", "is not an IANA time zone"),
    (("schedules", "nightly", "missed"), "run_all", "'skip' or 'catch_up_once'"),
])
def test_bad_values_are_refused(path: tuple[str, ...], value: str, message: str) -> None:
    doc = example()
    node = doc
    for key in path[:-1]:
        node = node[key]
    node[path[-1]] = value
    with pytest.raises(ValidationError, match=re.escape(message)):
        HubConfig.model_validate(doc)
