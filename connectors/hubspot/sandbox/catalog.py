"""Property definitions and groups per object type: HubSpot's defaults plus custom ones.

A write naming a property that is not defined here is refused with PROPERTY_DOESNT_EXIST, as
HubSpot does; `POST /crm/v3/properties/{objectType}` adds definitions.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from .errors import HubSpotError, bad_request
from .schema import OBJECT_TYPES
from .timeutil import iso, utc_now

__all__ = ["PropertyCatalog", "PropertyDefinition", "PropertyGroup"]

PROPERTY_TYPES = {
    "bool": {"booleancheckbox", "calculation_equation"},
    "enumeration": {"booleancheckbox", "checkbox", "radio", "select", "calculation_equation"},
    "date": {"date"},
    "datetime": {"date"},
    "string": {"text", "textarea", "html", "phonenumber", "file", "calculation_equation"},
    "number": {"number", "calculation_equation"},
    "phone_number": {"phonenumber"},
}
_PROPERTY_NAME = re.compile(r"^[a-z][a-z0-9_]{0,99}$")


@dataclass
class PropertyDefinition:
    """One property of one object type, rendered as HubSpot's `Property` model."""

    name: str
    label: str
    type: str
    field_type: str
    group_name: str
    description: str = ""
    options: list[dict[str, Any]] = field(default_factory=list)
    has_unique_value: bool = False
    hubspot_defined: bool = False
    read_only_value: bool = False
    hidden: bool = False
    form_field: bool = True
    display_order: int = -1
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)

    @property
    def option_values(self) -> set[str]:
        return {str(option["value"]) for option in self.options}

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "type": self.type,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": self.options,
            "displayOrder": self.display_order,
            "calculated": False,
            "externalOptions": False,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "hubspotDefined": self.hubspot_defined,
            "modificationMetadata": {
                "archivable": not self.hubspot_defined,
                "readOnlyDefinition": self.hubspot_defined,
                "readOnlyValue": self.read_only_value,
            },
            "formField": self.form_field,
            "createdAt": iso(self.created_at),
            "updatedAt": iso(self.updated_at),
            "archived": False,
        }


@dataclass
class PropertyGroup:
    """A property group, rendered as HubSpot's `PropertyGroup` model."""

    name: str
    label: str
    display_order: int = -1

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "displayOrder": self.display_order,
            "archived": False,
        }


def _options(*values: str) -> list[dict[str, Any]]:
    return [
        {
            "label": value.replace("_", " ").title(),
            "value": value,
            "displayOrder": order,
            "hidden": False,
        }
        for order, value in enumerate(values)
    ]


def _builtin(
    name: str, label: str, type_: str, field_type: str, group: str, **extra: Any
) -> PropertyDefinition:
    return PropertyDefinition(name, label, type_, field_type, group, hubspot_defined=True, **extra)


def _system_properties(group: str, last_modified: str) -> list[PropertyDefinition]:
    return [
        _builtin("hs_object_id", "Record ID", "number", "number", group, read_only_value=True),
        _builtin("createdate", "Create Date", "datetime", "date", group),
        _builtin(
            last_modified, "Last Modified Date", "datetime", "date", group, read_only_value=True
        ),
    ]


def _default_definitions() -> dict[str, list[PropertyDefinition]]:
    contact = "contactinformation"
    company = "companyinformation"
    deal = "dealinformation"
    return {
        "contacts": [
            *_system_properties(contact, "lastmodifieddate"),
            _builtin("email", "Email", "string", "text", contact),
            _builtin("firstname", "First Name", "string", "text", contact),
            _builtin("lastname", "Last Name", "string", "text", contact),
            _builtin("phone", "Phone Number", "string", "phonenumber", contact),
            _builtin("mobilephone", "Mobile Phone Number", "string", "phonenumber", contact),
            _builtin("company", "Company Name", "string", "text", contact),
            _builtin("jobtitle", "Job Title", "string", "text", contact),
            _builtin("website", "Website URL", "string", "text", contact),
            _builtin("city", "City", "string", "text", contact),
            _builtin("country", "Country/Region", "string", "text", contact),
            _builtin(
                "lifecyclestage",
                "Lifecycle Stage",
                "enumeration",
                "radio",
                contact,
                options=_options(
                    "subscriber",
                    "lead",
                    "marketingqualifiedlead",
                    "salesqualifiedlead",
                    "opportunity",
                    "customer",
                    "evangelist",
                    "other",
                ),
            ),
            _builtin(
                "hs_email_optout",
                "Unsubscribed from all email",
                "bool",
                "booleancheckbox",
                contact,
                options=_options("true", "false"),
            ),
        ],
        "companies": [
            *_system_properties(company, "hs_lastmodifieddate"),
            _builtin("name", "Company name", "string", "text", company),
            _builtin("domain", "Company Domain Name", "string", "text", company),
            _builtin("website", "Website URL", "string", "text", company),
            _builtin("phone", "Phone Number", "string", "phonenumber", company),
            _builtin("industry", "Industry", "string", "text", company),
            _builtin("city", "City", "string", "text", company),
            _builtin("country", "Country/Region", "string", "text", company),
            _builtin("numberofemployees", "Number of Employees", "number", "number", company),
            _builtin("annualrevenue", "Annual Revenue", "number", "number", company),
        ],
        "deals": [
            *_system_properties(deal, "hs_lastmodifieddate"),
            _builtin("dealname", "Deal Name", "string", "text", deal),
            _builtin("amount", "Amount", "number", "number", deal),
            _builtin("closedate", "Close Date", "datetime", "date", deal),
            _builtin(
                "pipeline", "Pipeline", "enumeration", "select", deal, options=_options("default")
            ),
            _builtin(
                "dealstage",
                "Deal Stage",
                "enumeration",
                "radio",
                deal,
                options=_options(
                    "appointmentscheduled",
                    "qualifiedtobuy",
                    "presentationscheduled",
                    "decisionmakerboughtin",
                    "contractsent",
                    "closedwon",
                    "closedlost",
                ),
            ),
        ],
    }


_DEFAULT_GROUPS = {
    "contacts": [PropertyGroup("contactinformation", "Contact information", 0)],
    "companies": [PropertyGroup("companyinformation", "Company information", 0)],
    "deals": [PropertyGroup("dealinformation", "Deal information", 0)],
}


class PropertyCatalog:
    """Thread-safe registry of property definitions and groups for every object type."""

    def __init__(self, lock: threading.RLock | None = None) -> None:
        self._lock = lock or threading.RLock()
        self._properties = {
            type_name: {d.name: d for d in definitions}
            for type_name, definitions in _default_definitions().items()
        }
        self._groups = {
            type_name: {g.name: replace(g) for g in groups}
            for type_name, groups in _DEFAULT_GROUPS.items()
        }

    def get(self, object_type: str, name: str) -> PropertyDefinition | None:
        with self._lock:
            return self._properties[object_type].get(name)

    def require(self, object_type: str, name: str) -> PropertyDefinition:
        definition = self.get(object_type, name)
        if definition is None:
            raise HubSpotError(
                404,
                "OBJECT_NOT_FOUND",
                f"Unable to find property {name} for object type {object_type}",
            )
        return definition

    def all(self, object_type: str) -> list[PropertyDefinition]:
        with self._lock:
            return list(self._properties[object_type].values())

    def unique_properties(self, object_type: str) -> set[str]:
        """Properties whose values identify one record: email, plus hasUniqueValue ones."""
        with self._lock:
            custom = {d.name for d in self._properties[object_type].values() if d.has_unique_value}
        return custom | set(OBJECT_TYPES[object_type].builtin_unique_properties)

    def create(self, object_type: str, body: dict[str, Any]) -> PropertyDefinition:
        """Add a custom property from a `PropertyCreate` body; 409 if the name is taken."""
        name = str(body.get("name") or "")
        for required in ("name", "label", "type", "fieldType", "groupName"):
            if not body.get(required):
                raise bad_request(f"Property is missing required field '{required}'")
        if not _PROPERTY_NAME.match(name):
            raise bad_request(
                f"Property name '{name}' must start with a lowercase letter and contain only "
                "lowercase letters, digits and underscores"
            )
        type_, field_type = str(body["type"]), str(body["fieldType"])
        if type_ not in PROPERTY_TYPES:
            raise bad_request(f"Unknown property type '{type_}'")
        if field_type not in PROPERTY_TYPES[type_]:
            raise bad_request(f"fieldType '{field_type}' is not valid for type '{type_}'")
        options = [
            {
                "label": str(o.get("label", o.get("value"))),
                "value": str(o.get("value")),
                "displayOrder": int(o.get("displayOrder", i)),
                "hidden": bool(o.get("hidden", False)),
            }
            for i, o in enumerate(body.get("options") or [])
            if isinstance(o, dict) and o.get("value") is not None
        ]
        with self._lock:
            if name in self._properties[object_type]:
                raise HubSpotError(
                    409, "OBJECT_ALREADY_EXISTS", f"Property named '{name}' already exists."
                )
            if body["groupName"] not in self._groups[object_type]:
                raise bad_request(f"Property group '{body['groupName']}' does not exist")
            definition = PropertyDefinition(
                name=name,
                label=str(body["label"]),
                type=type_,
                field_type=field_type,
                group_name=str(body["groupName"]),
                description=str(body.get("description") or ""),
                options=options,
                has_unique_value=bool(body.get("hasUniqueValue", False)),
                hidden=bool(body.get("hidden", False)),
                form_field=bool(body.get("formField", True)),
                display_order=int(body.get("displayOrder", -1)),
            )
            self._properties[object_type][name] = definition
            return definition

    def update(self, object_type: str, name: str, body: dict[str, Any]) -> PropertyDefinition:
        """Change a custom property's label, description, group or options."""
        with self._lock:
            definition = self.require(object_type, name)
            if definition.hubspot_defined and set(body) - {"label", "description", "hidden"}:
                raise bad_request(f"Property '{name}' is defined by HubSpot and cannot be changed")
            for key, attribute in (
                ("label", "label"),
                ("description", "description"),
                ("groupName", "group_name"),
                ("hidden", "hidden"),
            ):
                if key in body:
                    setattr(definition, attribute, body[key])
            if "options" in body:
                definition.options = [dict(o) for o in body["options"] if isinstance(o, dict)]
            definition.updated_at = utc_now()
            return definition

    def archive(self, object_type: str, name: str) -> None:
        with self._lock:
            definition = self.require(object_type, name)
            if definition.hubspot_defined:
                raise bad_request(f"Property '{name}' is defined by HubSpot and cannot be archived")
            del self._properties[object_type][name]

    def groups(self, object_type: str) -> list[PropertyGroup]:
        with self._lock:
            return list(self._groups[object_type].values())

    def group(self, object_type: str, name: str) -> PropertyGroup:
        with self._lock:
            group = self._groups[object_type].get(name)
        if group is None:
            raise HubSpotError(404, "OBJECT_NOT_FOUND", f"Property group {name} does not exist")
        return group

    def create_group(self, object_type: str, body: dict[str, Any]) -> PropertyGroup:
        name, label = str(body.get("name") or ""), str(body.get("label") or "")
        if not _PROPERTY_NAME.match(name) or not label:
            raise bad_request("Property group needs a lowercase 'name' and a 'label'")
        with self._lock:
            if name in self._groups[object_type]:
                raise HubSpotError(
                    409, "OBJECT_ALREADY_EXISTS", f"Property group named '{name}' already exists."
                )
            group = PropertyGroup(name, label, int(body.get("displayOrder", -1)))
            self._groups[object_type][name] = group
            return group

    def update_group(self, object_type: str, name: str, body: dict[str, Any]) -> PropertyGroup:
        with self._lock:
            group = self.group(object_type, name)
            group.label = str(body.get("label", group.label))
            group.display_order = int(body.get("displayOrder", group.display_order))
            return group

    def archive_group(self, object_type: str, name: str) -> None:
        with self._lock:
            self.group(object_type, name)
            if any(d.group_name == name for d in self._properties[object_type].values()):
                raise bad_request(f"Property group '{name}' still has properties")
            del self._groups[object_type][name]

    def unknown(self, object_type: str, names: Iterable[str]) -> list[str]:
        """The names among `names` that no property of `object_type` has."""
        with self._lock:
            known = self._properties[object_type]
            return [name for name in names if name not in known]
