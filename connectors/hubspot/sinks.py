"""Writing to HubSpot: contacts and companies by batch upsert, and associations between them.

Upserts go 100 records to a call, keyed by `email` or a custom property with unique values.
HubSpot answers a batch with one result per record it wrote and, in a 207, one error per
record it refused (an invalid email, a unique value another record holds …); each error is
matched back to its record by the key it names and becomes that record's failure, carrying
HubSpot's own message to the dead-letter queue. Records HubSpot says nothing about are failed
as retryable, so the engine tries them again.

The batches go as JSON through the kit's client (`HubSpotConnector.request`, bounded by the
connection's `concurrency`): a batch body is a list of plain objects, and the answer is read
by field name whether it is a 200 or a 207 carrying per-record errors.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from connectors.hubspot.errors import standard_error_message
from connectors.hubspot.properties import PropertyEnsurer
from connectors.hubspot.settings import AssociationSinkOptions, ObjectSinkOptions
from hub.connector import Record, Sink, WriteMode, WriteResult

if TYPE_CHECKING:
    from connectors.hubspot.connector import HubSpotConnector

# Categories of a per-record error that a later attempt may get past.
RETRYABLE_CATEGORIES = frozenset({"RATE_LIMITS", "INTERNAL_ERROR", "SERVICE_UNAVAILABLE",
                                  "TIMEOUT", "LOCKED"})

# The unlabelled association type of each pair, as HubSpot defines them.
DEFAULT_ASSOCIATION_TYPES: dict[tuple[str, str], int] = {
    ("contacts", "companies"): 279,
    ("companies", "contacts"): 280,
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "companies"): 341,
    ("companies", "deals"): 342,
}


def property_value(value: Any) -> str:
    """HubSpot stores every property value as a string; this is the string it expects."""
    if value is None:
        return ""  # an explicit null clears the value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
        return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, list | tuple | set):
        return ";".join(property_value(v) for v in value)  # multi-select options
    if isinstance(value, dict):
        return json.dumps(value, sort_keys=True, default=str)
    return str(value)


def unique_key(id_property: str, value: Any) -> str:
    """How HubSpot compares values of a unique property: emails without regard to case."""
    text = str(value).strip()
    return text.lower() if id_property == "email" else text


def batches_without_repeats(items: Sequence[tuple[int, str]], size: int
                            ) -> list[list[tuple[int, str]]]:
    """Split (index, key) pairs into batches of `size` where no key appears twice: HubSpot
    refuses a whole batch that names one record twice."""
    batches: list[list[tuple[int, str]]] = []
    keys: list[set[str]] = []
    for item in items:
        for batch, seen in zip(batches, keys, strict=True):
            if len(batch) < size and item[1] not in seen:
                batch.append(item)
                seen.add(item[1])
                break
        else:
            batches.append([item])
            keys.append({item[1]})
    return batches


async def find_ids(connector: HubSpotConnector, object_type: str, id_property: str,
                   values: Iterable[Any]) -> dict[str, str]:
    """HubSpot ids of the records whose `id_property` has these values (missing ones left out).

    Keys of the answer are `unique_key(id_property, value)`.
    """
    wanted = list(dict.fromkeys(unique_key(id_property, v) for v in values if v not in (None, "")))
    if id_property == "hs_object_id":
        return {v: v for v in wanted}
    found: dict[str, str] = {}
    for start in range(0, len(wanted), 100):
        chunk = wanted[start:start + 100]
        body = {"idProperty": id_property, "properties": [id_property],
                "propertiesWithHistory": [], "inputs": [{"id": v} for v in chunk]}
        answer = await connector.send("POST", f"/crm/v3/objects/{object_type}/batch/read", body)
        for result in answer.get("results") or []:
            value = (result.get("properties") or {}).get(id_property)
            if value is not None:
                found[unique_key(id_property, value)] = str(result["id"])
    return found


class ObjectSink(Sink):
    """Contacts or companies, upserted by a unique property."""

    modes: ClassVar[frozenset[WriteMode]] = frozenset({WriteMode.UPSERT})

    def __init__(self, connector: HubSpotConnector, object_type: str,
                 options: ObjectSinkOptions) -> None:
        self.connector = connector
        self.name = object_type
        self.object_type = object_type
        self.options = options
        self.batch_size = options.batch_size
        self.ensurer: PropertyEnsurer = connector.ensurer
        default = "email" if object_type == "contacts" else "marketing_platform_id"
        self.id_property = options.id_property or default

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        if self.options.ensure_properties:
            await self.ensurer.ensure(self.object_type)
        results: list[WriteResult | None] = [None] * len(records)
        keyed: list[tuple[int, str]] = []
        for index, record in enumerate(records):
            value = record.get(self.id_property)
            if value in (None, ""):
                results[index] = WriteResult.failed(
                    f"no {self.id_property}: HubSpot cannot tell which {self.object_type[:-1]} "
                    "this is")
            else:
                keyed.append((index, unique_key(self.id_property, value)))
        for batch in batches_without_repeats(keyed, self.batch_size):
            await self._upsert(records, batch, results)
        return [r or WriteResult.failed("HubSpot did not report on this record", retryable=True)
                for r in results]

    async def _upsert(self, records: Sequence[Record], batch: list[tuple[int, str]],
                      results: list[WriteResult | None]) -> None:
        inputs = [{"idProperty": self.id_property, "id": str(records[i][self.id_property]).strip(),
                   "properties": {k: property_value(v) for k, v in records[i].items()}}
                  for i, _ in batch]
        answer = await self.connector.send(
            "POST", f"/crm/v3/objects/{self.object_type}/batch/upsert", {"inputs": inputs})
        where = {key: index for index, key in batch}
        for result in answer.get("results") or []:
            value = (result.get("properties") or {}).get(self.id_property)
            index = where.get(unique_key(self.id_property, value)) if value is not None else None
            if index is not None:
                results[index] = WriteResult.ok(str(result["id"]), created=bool(result.get("new")))
        for error in answer.get("errors") or []:
            category = error.get("category") or ""
            for named in (error.get("context") or {}).get("ids", []):
                index = where.get(unique_key(self.id_property, named))
                if index is not None and results[index] is None:
                    results[index] = WriteResult.failed(
                        standard_error_message(error),
                        retryable=category in RETRYABLE_CATEGORIES)


class AssociationSink(Sink):
    """Associations between two objects: each record is `{from: value, to: value}`, the values
    being ids or unique property values as the options say."""

    modes: ClassVar[frozenset[WriteMode]] = frozenset({WriteMode.UPSERT})

    def __init__(self, connector: HubSpotConnector, name: str,
                 options: AssociationSinkOptions) -> None:
        self.connector = connector
        self.options = options
        self.name = f"{options.from_object}_to_{options.to_object}"
        self.batch_size = options.batch_size
        self.type_id = DEFAULT_ASSOCIATION_TYPES.get((options.from_object, options.to_object))

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        opts = self.options
        if self.type_id is None:
            return [WriteResult.failed(f"HubSpot cannot associate {opts.from_object} with "
                                       f"{opts.to_object}")] * len(records)
        from_ids = await find_ids(self.connector, opts.from_object, opts.from_id_property,
                                  (r.get("from") for r in records))
        to_ids = await find_ids(self.connector, opts.to_object, opts.to_id_property,
                                (r.get("to") for r in records))
        results: list[WriteResult | None] = [None] * len(records)
        pairs: list[tuple[int, str, str]] = []
        for index, record in enumerate(records):
            source = from_ids.get(unique_key(opts.from_id_property, record.get("from", "")))
            target = to_ids.get(unique_key(opts.to_id_property, record.get("to", "")))
            if source is None or target is None:
                missing = (f"{opts.from_object[:-1]} {opts.from_id_property}="
                           f"{record.get('from')!r}" if source is None else
                           f"{opts.to_object[:-1]} {opts.to_id_property}={record.get('to')!r}")
                results[index] = WriteResult.failed(f"no {missing} in HubSpot (write it first)",
                                                    retryable=True)
            else:
                pairs.append((index, source, target))
        if pairs:
            await self._associate(pairs, results)
        return [r or WriteResult.failed("HubSpot did not report on this association",
                                        retryable=True) for r in results]

    async def _associate(self, pairs: list[tuple[int, str, str]],
                         results: list[WriteResult | None]) -> None:
        spec = {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": self.type_id}
        body = {"inputs": [{"from": {"id": source}, "to": {"id": target}, "types": [spec]}
                           for _, source, target in pairs]}
        opts = self.options
        answer = await self.connector.send(
            "POST", f"/crm/v4/associations/{opts.from_object}/{opts.to_object}/batch/create", body)
        where = {(source, target): index for index, source, target in pairs}
        for result in answer.get("results") or []:
            pair = (str(result.get("fromObjectId")), str(result.get("toObjectId")))
            index = where.get(pair)
            if index is not None:
                results[index] = WriteResult.ok("-".join(pair))
        for error in answer.get("errors") or []:
            context: Mapping[str, list[str]] = error.get("context") or {}
            for source, target in zip(context.get("fromObjectId", []),
                                      context.get("toObjectId", []), strict=False):
                index = where.get((source, target))
                if index is not None and results[index] is None:
                    results[index] = WriteResult.failed(standard_error_message(error))
