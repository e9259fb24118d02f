"""Twilio's SDK (`twilio`) is an extra: the connector needs it; the settings, the segment
counter, the callback parser and the sandbox do not."""

from __future__ import annotations

from hub.errors import PluginError

__all__ = ["INSTALL_HINT", "require_sdk"]

INSTALL_HINT = "pip install 'marketing-hub[twilio]'"


def require_sdk() -> None:
    """Raise a PluginError saying how to install the SDK when it is missing."""
    try:
        import twilio  # noqa: F401
    except ImportError:
        raise PluginError(
            f"the Twilio connector needs Twilio's SDK (twilio), which is not installed: "
            f"{INSTALL_HINT}") from None
