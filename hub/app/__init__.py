"""The application layer: the composition root every front end builds its hub with.

`Hub` builds the settings, hub.yaml, the plugin host, the state store and the services over
them once, on first use, and closes what it opened. The command line uses it today; the
daemon, the worker and the web app are meant to, so nothing here prints or parses arguments.
"""

from __future__ import annotations

from hub.app.core import Hub

__all__ = ["Hub"]
