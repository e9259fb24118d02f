"""CRM search: filter groups, sorts, free-text query, paging, and the result cap.

Filters inside a group are ANDed, groups are ORed. Values compare by the property's type:
numbers numerically, datetimes as instants (epoch ms or ISO accepted), strings without regard to
case. Paging is an offset in `after`; a query's results stop at `search_result_cap` (HubSpot:
10,000), and asking for a page at or past it is a 400, so a client has to narrow the query,
e.g. by windowing on `lastmodifieddate` or `hs_object_id`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from .catalog import PropertyCatalog
from .errors import bad_request
from .records import Record
from .schema import ObjectType
from .timeutil import epoch_ms, parse_date, parse_instant

__all__ = ["SearchQuery", "parse_search", "run_search"]

MAX_GROUPS = 5
MAX_FILTERS = 25
_VALUE_OPERATORS = {"EQ", "NEQ", "LT", "LTE", "GT", "GTE", "CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"}
_OPERATORS = _VALUE_OPERATORS | {"BETWEEN", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"}

# One comparable shape for every property type: numbers in the first slot, text in the second.
Key = tuple[float, str]


@dataclass(frozen=True)
class Filter:
    property_name: str
    operator: str
    value: str | None = None
    high_value: str | None = None
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    groups: tuple[tuple[Filter, ...], ...]
    sort_property: str | None
    descending: bool
    properties: tuple[str, ...] | None
    limit: int
    offset: int
    text: str | None


def _key_function(catalog: PropertyCatalog, object_type: str, name: str) -> Callable[[str], Key]:
    definition = catalog.get(object_type, name)
    kind = definition.type if definition else "string"

    def key(value: str) -> Key:
        if kind == "number":
            return (float(value), "")
        if kind == "datetime":
            moment = parse_instant(value)
            if moment is None:
                raise ValueError(value)
            return (float(epoch_ms(moment)), "")
        if kind == "date":
            day = parse_date(value)
            if day is None:
                raise ValueError(value)
            return (0.0, day.isoformat())
        return (0.0, value.lower())

    return key


def parse_search(
    body: dict[str, Any], object_type: ObjectType, catalog: PropertyCatalog, max_limit: int
) -> SearchQuery:
    """Check a search body as HubSpot does; 400 on anything it would refuse."""
    raw_groups = body.get("filterGroups") or []
    if not isinstance(raw_groups, list) or len(raw_groups) > MAX_GROUPS:
        raise bad_request(f"A search accepts at most {MAX_GROUPS} filterGroups")
    groups: list[tuple[Filter, ...]] = []
    for raw_group in raw_groups:
        raw_filters = raw_group.get("filters") if isinstance(raw_group, dict) else None
        if not isinstance(raw_filters, list):
            raise bad_request("Each filterGroup needs a 'filters' array")
        groups.append(tuple(_parse_filter(f, object_type, catalog) for f in raw_filters))
    if sum(len(g) for g in groups) > MAX_FILTERS:
        raise bad_request(f"A search accepts at most {MAX_FILTERS} filters in total")
    sort_property, descending = _parse_sort(body.get("sorts") or [], object_type, catalog)
    try:
        limit = int(body.get("limit", 10))
        offset = int(body.get("after") or 0)
    except (TypeError, ValueError):
        raise bad_request("'limit' and 'after' must be integers") from None
    if not 1 <= limit <= max_limit:
        raise bad_request(f"limit must be between 1 and {max_limit}, got {limit}")
    if offset < 0:
        raise bad_request("'after' must not be negative")
    properties = body.get("properties")
    text = body.get("query")
    if text is not None and len(str(text)) > 3000:
        raise bad_request("'query' must be at most 3000 characters")
    return SearchQuery(
        groups=tuple(groups),
        sort_property=sort_property,
        descending=descending,
        properties=tuple(str(p) for p in properties) if properties else None,
        limit=limit,
        offset=offset,
        text=str(text) if text else None,
    )


def _parse_filter(raw: Any, object_type: ObjectType, catalog: PropertyCatalog) -> Filter:
    if not isinstance(raw, dict) or not raw.get("propertyName"):
        raise bad_request("Each filter needs a 'propertyName' and an 'operator'")
    name, operator = str(raw["propertyName"]), str(raw.get("operator", "EQ"))
    if operator not in _OPERATORS:
        raise bad_request(f"Unknown filter operator '{operator}'")
    if catalog.get(object_type.name, name) is None:
        raise bad_request(f"Property '{name}' does not exist on {object_type.name}")
    value = None if raw.get("value") is None else str(raw["value"])
    high = None if raw.get("highValue") is None else str(raw["highValue"])
    values = tuple(str(v) for v in raw.get("values") or ())
    if operator in _VALUE_OPERATORS and value is None:
        raise bad_request(f"Operator {operator} on '{name}' needs a 'value'")
    if operator == "BETWEEN" and (value is None or high is None):
        raise bad_request(f"BETWEEN on '{name}' needs 'value' and 'highValue'")
    if operator in ("IN", "NOT_IN") and not values:
        raise bad_request(f"Operator {operator} on '{name}' needs 'values'")
    key = _key_function(catalog, object_type.name, name)
    if operator not in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        for candidate in (value, high, *values):
            try:
                if candidate is not None:
                    key(candidate)
            except ValueError:
                raise bad_request(f"'{candidate}' is not a valid value for '{name}'") from None
    return Filter(name, operator, value, high, values)


def _parse_sort(
    sorts: Any,
    object_type: ObjectType,
    catalog: PropertyCatalog,
) -> tuple[str | None, bool]:
    if not isinstance(sorts, list) or not sorts:
        return None, False
    first = sorts[0]
    if isinstance(first, dict):
        name = str(first.get("propertyName", ""))
        descending = str(first.get("direction", "ASCENDING")).upper() == "DESCENDING"
    else:
        text = str(first)
        name, descending = text.lstrip("-"), text.startswith("-")
    if catalog.get(object_type.name, name) is None:
        raise bad_request(f"Cannot sort by '{name}': no such property on {object_type.name}")
    return name, descending


def _matches(record: Record, flt: Filter, key: Callable[[str], Key]) -> bool:
    raw = record.properties.get(flt.property_name)
    op = flt.operator
    if op == "HAS_PROPERTY":
        return raw is not None
    if op == "NOT_HAS_PROPERTY":
        return raw is None
    if raw is None:
        return op in ("NEQ", "NOT_IN", "NOT_CONTAINS_TOKEN")
    if op in ("CONTAINS_TOKEN", "NOT_CONTAINS_TOKEN"):
        pattern = (flt.value or "").lower()
        tokens = [*raw.lower().replace("@", " ").replace(".", " ").split(), raw.lower()]
        found = any(fnmatch.fnmatchcase(token, pattern) for token in tokens)
        return found if op == "CONTAINS_TOKEN" else not found
    try:
        have = key(raw)
    except ValueError:
        return op in ("NEQ", "NOT_IN")
    if op in ("IN", "NOT_IN"):
        inside = have in {key(v) for v in flt.values}
        return inside if op == "IN" else not inside
    want = key(flt.value or "")
    comparisons: dict[str, Callable[[Key, Key], bool]] = {
        "EQ": lambda a, b: a == b,
        "NEQ": lambda a, b: a != b,
        "LT": lambda a, b: a < b,
        "LTE": lambda a, b: a <= b,
        "GT": lambda a, b: a > b,
        "GTE": lambda a, b: a >= b,
    }
    if op == "BETWEEN":
        return want <= have <= key(flt.high_value or "")
    return comparisons[op](have, want)


def _matches_text(record: Record, text: str, object_type: ObjectType) -> bool:
    needle = text.lower()
    return any(
        needle in record.properties.get(name, "").lower()
        for name in object_type.search_text_properties
    )


def run_search(
    records: Sequence[Record], query: SearchQuery, object_type: ObjectType, catalog: PropertyCatalog
) -> list[Record]:
    """Every matching record, in the query's order (ties broken by id)."""
    keys = {
        f.property_name: _key_function(catalog, object_type.name, f.property_name)
        for group in query.groups
        for f in group
    }
    found = [
        record
        for record in records
        if (
            not query.groups
            or any(
                all(_matches(record, f, keys[f.property_name]) for f in group)
                for group in query.groups
            )
        )
        and (query.text is None or _matches_text(record, query.text, object_type))
    ]
    found.sort(key=lambda r: int(r.id))
    if query.sort_property is not None:
        sort_key = _key_function(catalog, object_type.name, query.sort_property)
        name = query.sort_property

        def ordering(record: Record) -> tuple[int, Key]:
            raw = record.properties.get(name)
            try:
                return (0, sort_key(raw)) if raw is not None else (1, (0.0, ""))
            except ValueError:
                return (1, (0.0, ""))

        present = [r for r in found if ordering(r)[0] == 0]
        absent = [r for r in found if ordering(r)[0] == 1]
        present.sort(key=lambda r: ordering(r)[1], reverse=query.descending)
        found = present + absent
    return found
