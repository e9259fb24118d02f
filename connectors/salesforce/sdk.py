"""simple-salesforce is an extra: the connector needs it, its settings and sandbox do not."""

from __future__ import annotations

from hub.errors import PluginError

__all__ = ["INSTALL_HINT", "require_sdk"]

INSTALL_HINT = "pip install 'marketing-hub[salesforce]'"


def require_sdk() -> None:
    """Raise a PluginError saying how to install the SDK when it is missing."""
    try:
        import simple_salesforce  # noqa: F401
    except ImportError:
        raise PluginError("the Salesforce connector needs simple-salesforce, which is not "
                          f"installed: {INSTALL_HINT}") from None
