"""Custom properties the hub writes, declared in a JSON file and created before the first write.

HubSpot refuses a write naming a property that does not exist, so a sink first makes sure its
object has the declared property group and properties: one read of the object's properties,
then one create per missing one. The file mirrors HubSpot's own property shape::

    {"group": {"name": "marketing_platform", "label": "Marketing platform"},
     "contacts": {"marketing_platform_lead_score":
                      {"label": "Lead score", "type": "number", "fieldType": "number"}}}

A property with `"hasUniqueValue": true` can key upserts (`id_property`).
"""

from __future__ import annotations

import asyncio
import json
import logging
from pathlib import Path
from typing import Any, Literal

from hubspot.crm.properties import PropertyCreate, PropertyGroupCreate
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from connectors.hubspot.api import MODELS, HubSpotApi
from connectors.hubspot.errors import status_of
from hub.errors import ConfigError, RecordError

log = logging.getLogger(__name__)

PropertyType = Literal["bool", "enumeration", "date", "datetime", "string", "number",
                       "phone_number"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Option(_Strict):
    label: str
    value: str


class PropertyDeclaration(_Strict):
    label: str | None = None
    type: PropertyType
    field_type: str = Field(alias="fieldType")
    description: str = ""
    has_unique_value: bool = Field(default=False, alias="hasUniqueValue")
    options: list[Option] = Field(default_factory=list)


class GroupDeclaration(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    label: str


class PropertyFile(_Strict):
    group: GroupDeclaration
    contacts: dict[str, PropertyDeclaration] = Field(default_factory=dict)
    companies: dict[str, PropertyDeclaration] = Field(default_factory=dict)
    deals: dict[str, PropertyDeclaration] = Field(default_factory=dict)

    def of(self, object_type: str) -> dict[str, PropertyDeclaration]:
        found: dict[str, PropertyDeclaration] = getattr(self, object_type, {})
        return found


def load_properties(path: Path) -> PropertyFile:
    """Read and check a declaration file; a bad one is a ConfigError naming the field."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read custom properties: {exc.strerror}") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: not JSON: {exc}") from None
    try:
        return PropertyFile.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors())
        raise ConfigError(f"{path}: {problems}") from None


class PropertyEnsurer:
    """Creates the declared group and properties of an object type, once per connection."""

    def __init__(self, api: HubSpotApi, declared: PropertyFile | None) -> None:
        self.api = api
        self.declared = declared
        self._done: set[str] = set()
        self._locks: dict[str, asyncio.Lock] = {}
        self.created: list[str] = []  # "contacts.name" of every property this hub created

    def unique_properties(self, object_type: str) -> set[str]:
        if self.declared is None:
            return set()
        return {n for n, d in self.declared.of(object_type).items() if d.has_unique_value}

    def names(self, object_type: str) -> list[str]:
        return [] if self.declared is None else list(self.declared.of(object_type))

    async def ensure(self, object_type: str) -> None:
        """Make sure the declared properties of `object_type` exist (a no-op after once)."""
        if object_type in self._done or self.declared is None:
            return
        lock = self._locks.setdefault(object_type, asyncio.Lock())
        async with lock:
            if object_type in self._done:
                return
            wanted = self.declared.of(object_type)
            if wanted:
                await self._ensure_group(object_type)
                listing = await self.api.call("properties.core", "get_all", object_type)
                existing = {p.name: p for p in listing.results}
                for name, declaration in wanted.items():
                    if name in existing:
                        if existing[name].type != declaration.type:
                            log.warning("HubSpot property %s.%s is a %s, declared as %s",
                                        object_type, name, existing[name].type,
                                        declaration.type)
                        continue
                    await self._create(object_type, name, declaration)
            self._done.add(object_type)

    async def _ensure_group(self, object_type: str) -> None:
        assert self.declared is not None
        group = self.declared.group
        try:
            await self.api.call("properties.groups", "get_by_name", object_type, group.name)
        except RecordError as exc:
            if status_of(exc) != 404:
                raise
            body = PropertyGroupCreate(name=group.name, label=group.label,
                                       local_vars_configuration=MODELS)
            await self._tolerating_conflict(
                self.api.call("properties.groups", "create", object_type, body))

    async def _create(self, object_type: str, name: str, declared: PropertyDeclaration) -> None:
        assert self.declared is not None
        body = PropertyCreate(
            name=name, label=declared.label or name.replace("_", " ").capitalize(),
            type=declared.type, field_type=declared.field_type,
            group_name=self.declared.group.name, description=declared.description,
            has_unique_value=declared.has_unique_value,
            options=[{"label": o.label, "value": o.value} for o in declared.options],
            local_vars_configuration=MODELS)
        await self._tolerating_conflict(
            self.api.call("properties.core", "create", object_type, body))
        self.created.append(f"{object_type}.{name}")
        log.info("created HubSpot property %s.%s", object_type, name)

    @staticmethod
    async def _tolerating_conflict(call: Any) -> None:
        """Another process may create the same property at the same moment: that is success."""
        try:
            await call
        except RecordError as exc:
            if status_of(exc) != 409:
                raise
