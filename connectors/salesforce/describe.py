"""What `describe` says about an object's fields, used to refuse a pipeline that writes a field
the object lacks or cannot write before anything is sent."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from hub.errors import ConfigError, Problem

__all__ = ["check_writable", "field_names"]


def field_names(described: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    return {str(f["name"]).lower(): f for f in described.get("fields") or []}


def check_writable(described: Mapping[str, Any], sobject: str, fields: Sequence[str],
                   external_id: str | None = None) -> None:
    """ConfigError listing each field of `fields` the object lacks or cannot write, and an
    `external_id` field that is not an external id."""
    known = field_names(described)
    problems: list[Problem] = []
    if external_id is not None:
        found = known.get(external_id.lower())
        if found is None:
            problems.append(Problem("", None, None, "external_id_field",
                                    f"{sobject} has no field {external_id}"))
        elif not (found.get("externalId") or found.get("idLookup")):
            problems.append(Problem("", None, None, "external_id_field",
                                    f"{sobject}.{external_id} is not an external id field"))
    relationships = {str(f.get("relationshipName")).lower(): f
                     for f in described.get("fields") or [] if f.get("relationshipName")}
    for index, name in enumerate(fields):
        if external_id is not None and name.lower() == external_id.lower():
            continue
        relation, dot, _ = name.partition(".")
        field = (relationships if dot else known).get((relation if dot else name).lower())
        if field is None:
            problems.append(Problem("", None, None, f"fields[{index}]",
                                    f"{sobject} has no field {name}"))
        elif not (field.get("createable") or field.get("updateable")):
            problems.append(Problem("", None, None, f"fields[{index}]",
                                    f"{sobject}.{name} is read-only in Salesforce"))
    if problems:
        listed = "; ".join(p.message for p in problems)
        raise ConfigError(f"Salesforce's {sobject} cannot take what this pipeline writes: "
                          f"{listed}", problems)
