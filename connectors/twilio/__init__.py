"""Twilio connector: SMS through Twilio's Programmable Messaging, its signed status callbacks
and its STOP/START replies.

`connectors.twilio.sandbox` is a local emulator of Twilio's API for tests, benchmarks and the
demo; `segments` counts SMS segments, `phone` normalises numbers, `callbacks` parses callbacks.
`TwilioConnector` needs Twilio's SDK (the `twilio` extra) and is imported on first use, so the
settings, the segment counter and the parser work without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.twilio.callbacks import parse_callback
from connectors.twilio.segments import Segments, count_segments
from connectors.twilio.settings import TwilioSettings

if TYPE_CHECKING:
    from connectors.twilio.connector import TwilioConnector

__all__ = ["Segments", "TwilioConnector", "TwilioSettings", "count_segments", "parse_callback"]


def __getattr__(name: str) -> Any:
    if name == "TwilioConnector":
        from connectors.twilio.sdk import require_sdk

        require_sdk()
        from connectors.twilio.connector import TwilioConnector

        return TwilioConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
