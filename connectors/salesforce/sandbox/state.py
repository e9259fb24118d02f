"""Everything one sandbox org holds, and the helpers tests use to act as a person in
Salesforce's UI (`create`, `modify`, `delete`: no API call counted)."""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from hub.testing.sandbox import FaultInjector, Harness

from .auth import Sessions
from .bulk import BulkJobs
from .config import SandboxConfig
from .contract import salesforce_contract
from .errors import SalesforceError
from .records import RecordStore
from .rules import SalesforceRules
from .schema import SObject, sobject

__all__ = ["Cursor", "SandboxState"]

_KEPT_CURSORS = 500


@dataclass
class Cursor:
    """A query's result set, fixed when the query ran, as a Salesforce query locator is."""

    version: str
    rows: list[dict[str, Any]]
    all_rows: bool


class SandboxState:
    """The in-memory org: records, sessions, open query cursors, and the harness's log,
    limits, faults and contract checks."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.records = RecordStore(config.user_id)
        self.bulk = BulkJobs(self.records)
        self.sessions = Sessions(config)
        self.harness = Harness(
            SalesforceRules(config, self.sessions),
            faults=FaultInjector(config, seed=config.fault_seed),
            contract=salesforce_contract() if config.validate_contract else None,
            keep=config.request_log_size,
        )
        self.log = self.harness.log
        self.faults = self.harness.faults
        self.contract = self.harness.contract
        self._lock = threading.Lock()
        self._cursors: OrderedDict[str, Cursor] = OrderedDict()
        self.records_written = 0

    # -- what the API counts ------------------------------------------------------------------

    def calls(self, route_part: str = "") -> int:
        """Requests whose route key contains `route_part` (all with none)."""
        return sum(n for route, n in self.log.routes().items() if route_part in route)

    def count_written(self, count: int) -> None:
        with self._lock:
            self.records_written += count

    # -- query cursors -----------------------------------------------------------------------

    def open_cursor(self, cursor: Cursor) -> str:
        locator = "01g" + secrets.token_hex(8)
        with self._lock:
            self._cursors[locator] = cursor
            while len(self._cursors) > _KEPT_CURSORS:
                self._cursors.popitem(last=False)
        return locator

    def cursor(self, locator: str) -> Cursor:
        with self._lock:
            found = self._cursors.get(locator)
        if found is None:
            raise SalesforceError(400, "INVALID_QUERY_LOCATOR", "invalid query locator")
        return found

    # -- acting as a person in Salesforce's UI -------------------------------------------------

    def create(self, type_name: str, values: Mapping[str, Any]) -> str:
        return self.records.create(self.sobject(type_name), values)

    def modify(self, type_name: str, record_id: str, values: Mapping[str, Any]) -> None:
        self.records.update(self.sobject(type_name), record_id, values)

    def delete(self, type_name: str, record_id: str) -> None:
        self.records.delete(self.sobject(type_name), record_id)

    def all(self, type_name: str, *, deleted: bool = False) -> list[dict[str, Any]]:
        """Every record of a type, in no particular order."""
        return [r for _, r in self.records.rows(self.sobject(type_name))
                if deleted or not r["IsDeleted"]]

    @staticmethod
    def sobject(type_name: str) -> SObject:
        found = sobject(type_name)
        if found is None:
            raise SalesforceError(404, "NOT_FOUND", f"sObject type '{type_name}' is not supported.")
        return found
