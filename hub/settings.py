"""Process settings: where hub.yaml and the state store are. Environment beats hub.yaml,
which beats the embedded default (a SQLite file beside hub.yaml)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

DEFAULT_CONFIG = "hub.yaml"


@dataclass(frozen=True)
class HubSettings:
    config_path: Path
    database_url: str | None  # None: take hub.yaml's store.url, else the embedded default
    broker_url: str | None

    @classmethod
    def from_env(cls, config_path: str | Path | None = None) -> HubSettings:
        return cls(
            config_path=Path(config_path or os.environ.get("HUB_CONFIG", DEFAULT_CONFIG)),
            database_url=os.environ.get("HUB_DATABASE_URL") or None,
            broker_url=os.environ.get("HUB_BROKER_URL") or None,
        )

    def store_url(self, configured: str | None) -> str:
        if self.database_url:
            return self.database_url
        if configured:
            return absolute_sqlite(configured, self.config_path.resolve().parent)
        return f"sqlite:///{self.config_path.resolve().parent / 'var' / 'hub.db'}"


def absolute_sqlite(url: str, base: Path) -> str:
    """A relative SQLite file path taken relative to `base` (hub.yaml's folder), not the CWD."""
    import sqlalchemy as sa  # here, not at the top: reading the settings stays cheap

    try:
        parsed = sa.make_url(url)
    except sa.exc.ArgumentError:
        return url
    database = parsed.database
    if (parsed.get_backend_name() != "sqlite" or not database or database == ":memory:"
            or Path(database).is_absolute()):
        return url
    return parsed.set(database=str(base / database)).render_as_string(hide_password=False)
