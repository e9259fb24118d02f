"""HubSpot's SDK (hubspot-api-client) is an extra: the connector needs it, the settings, the
webhook verifier and the sandbox do not."""

from __future__ import annotations

from hub.errors import PluginError

__all__ = ["INSTALL_HINT", "require_sdk"]

INSTALL_HINT = "pip install 'marketing-hub[hubspot]'"


def require_sdk() -> None:
    """Raise a PluginError saying how to install the SDK when it is missing."""
    try:
        import hubspot  # noqa: F401
    except ImportError:
        raise PluginError(
            "the HubSpot connector needs HubSpot's SDK (hubspot-api-client), which is not "
            f"installed: {INSTALL_HINT}"
        ) from None
