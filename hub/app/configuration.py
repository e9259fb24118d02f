"""The effective configuration as plain data, fit to show: every secret masked, a URL kept in
its shape with the password hidden."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, SecretStr

from hub.config import REDACTED, LoadedConfig, redact


def public_config(loaded: LoadedConfig) -> dict[str, Any]:
    """hub.yaml as loaded (defaults filled in, each connection's settings validated), with
    no secret left in it."""
    data = loaded.config.model_dump(mode="json", exclude_defaults=False)
    for name, settings in loaded.settings.items():
        if name in data["connections"]:
            connector = data["connections"][name]["connector"]
            data["connections"][name] = {"connector": connector, **_public(settings)}
    data["store"]["url"] = _mask_url(loaded.store_url)
    return {key: _redacted(value) for key, value in data.items()}


def _public(model: BaseModel) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            out[name] = _mask_url(value.get_secret_value(), fallback=REDACTED)
        elif isinstance(value, BaseModel):
            out[name] = _public(value)
        else:
            out[name] = value if isinstance(value, str | int | float | bool | None) else str(value)
    return out


def _mask_url(value: str, fallback: str | None = None) -> str:
    """A URL keeps its shape with the password hidden; any other secret is masked whole."""
    try:
        url = sa.make_url(value)
    except sa.exc.ArgumentError:
        return fallback or value
    return url.render_as_string(hide_password=True)


def _redacted(node: Any) -> Any:
    """A secret hub.yaml resolved that still shows in a plain value (a query string, a
    description) is masked there too."""
    if isinstance(node, dict):
        return {key: _redacted(value) for key, value in node.items()}
    if isinstance(node, list):
        return [_redacted(value) for value in node]
    return redact(node) if isinstance(node, str) else node
