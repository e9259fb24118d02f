"""Property values checked and normalised the way HubSpot stores them: always strings.

Numbers, booleans and dates arrive as JSON numbers or strings; HubSpot keeps and returns the
string form, lower-cases emails, and writes datetimes back as ISO-8601 UTC with milliseconds.
An empty string (or null) clears a value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping

from .catalog import PropertyCatalog, PropertyDefinition
from .errors import PropertyProblem
from .timeutil import iso, parse_date, parse_instant

__all__ = ["EMAIL_PATTERN", "normalise_properties", "normalise_value"]

# Deliberately simple: one @, no spaces, a dot in the domain, as HubSpot's own check refuses
# obvious garbage but accepts unusual-but-valid addresses.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


class _Refused(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _as_text(raw: object) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "true" if raw else "false"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    return str(raw)


def normalise_value(definition: PropertyDefinition, raw: object) -> str:
    """The stored string for `raw`, or raise `_Refused` with HubSpot's error code."""
    text = _as_text(raw).strip() if not isinstance(raw, str) else raw
    if text == "":
        return ""
    if definition.name == "email":
        candidate = text.strip().lower()
        if not EMAIL_PATTERN.match(candidate):
            raise _Refused("INVALID_EMAIL", f"Email address {text} is invalid")
        return candidate
    kind = definition.type
    if kind == "number":
        try:
            number = float(text)
        except ValueError:
            raise _Refused("INVALID_LONG", f"{text} was not a valid number") from None
        if not math.isfinite(number):
            raise _Refused("INVALID_LONG", f"{text} was not a valid number")
        return text.strip()
    if kind == "bool":
        lowered = text.strip().lower()
        if lowered not in ("true", "false"):
            raise _Refused(
                "INVALID_OPTION", f"{text} was not one of the allowed options: [true, false]"
            )
        return lowered
    if kind == "enumeration":
        allowed = definition.option_values
        chosen = [part for part in text.split(";") if part]
        rejected = [part for part in chosen if part not in allowed]
        if rejected:
            listed = ", ".join(sorted(allowed))
            raise _Refused(
                "INVALID_OPTION", f"{rejected[0]} was not one of the allowed options: [{listed}]"
            )
        return ";".join(chosen)
    if kind == "datetime":
        moment = parse_instant(text)
        if moment is None:
            raise _Refused("INVALID_DATE", f"{text} is not a valid datetime")
        return iso(moment)
    if kind == "date":
        day = parse_date(text)
        if day is None:
            raise _Refused(
                "INVALID_DATE", f"{text} is not a valid date: use YYYY-MM-DD or midnight UTC"
            )
        return day.isoformat()
    return text


def normalise_properties(
    catalog: PropertyCatalog, object_type: str, properties: Mapping[str, object]
) -> tuple[dict[str, str], list[PropertyProblem]]:
    """Check every value of a write; return the normalised values and every problem found."""
    values: dict[str, str] = {}
    problems: list[PropertyProblem] = []
    for name, raw in properties.items():
        definition = catalog.get(object_type, name)
        if definition is None:
            message = f'Property "{name}" does not exist'
            problems.append(PropertyProblem(name, "PROPERTY_DOESNT_EXIST", message))
            continue
        if definition.read_only_value:
            problems.append(
                PropertyProblem(
                    name, "READ_ONLY_VALUE", f'Property "{name}" is a read only property'
                )
            )
            continue
        try:
            values[name] = normalise_value(definition, raw)
        except _Refused as refused:
            problems.append(PropertyProblem(name, refused.code, refused.message))
    return values, problems
