"""Everything one sandbox holds, and the helpers tests use to act as a person in HubSpot's UI.

`state.modify("contacts", id, {...})` changes a record the way an edit in the HubSpot UI would:
no API call is counted, and the webhook events say `changeSource: CRM_UI`.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Mapping
from pathlib import Path

from hub.testing.sandbox import FaultInjector, Harness, OpenAPIContract

from .associations import AssociationStore
from .auth import HubSpotTokens
from .catalog import PropertyCatalog
from .config import SandboxConfig
from .counters import Counters
from .errors import HubSpotError
from .lists import ListStore
from .records import Change, Record, RecordStore
from .rules import HubSpotRules
from .schema import OBJECT_TYPES, object_type
from .webhooks import HubSpotWebhooks

__all__ = ["CONTRACT", "SandboxState", "hubspot_contract"]

CONTRACT = Path(__file__).with_name("openapi.yaml")


@functools.cache
def hubspot_contract() -> OpenAPIContract:
    """HubSpot's published contract for the routes the sandbox serves, read once per process."""
    return OpenAPIContract(CONTRACT)


class SandboxState:
    """The in-memory portal: records, properties, associations, lists, and the harness's log,
    limits, faults and contract checks (`harness`, and the shortcuts below)."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.lock = threading.RLock()
        self.catalog = PropertyCatalog(self.lock)
        self.records = RecordStore(self.catalog, config.portal_id, self.lock)
        self.associations = AssociationStore(self.lock)
        self.lists = ListStore(self._record_exists, self.lock)
        self.tokens = HubSpotTokens(config)
        self.harness = Harness(
            HubSpotRules(config, self.tokens),
            faults=FaultInjector(config, seed=config.fault_seed,
                                 forced_refusals=config.forced_429s),
            contract=hubspot_contract() if config.validate_contract else None,
            keep=config.request_log_size,
        )
        self.faults = self.harness.faults
        self.contract = self.harness.contract
        self.counters = Counters(self.harness.log)
        self.webhooks = HubSpotWebhooks(config)
        self.records.subscribe(self._on_change)

    def start(self) -> None:
        """Start background work (webhook delivery); called when the server starts."""
        self.webhooks.start()

    def stop(self) -> None:
        self.webhooks.stop()

    # -- helpers that act like a person in the HubSpot UI ------------------------------------

    def create(self, type_name: str, properties: Mapping[str, object]) -> Record:
        """Create a record as if typed into HubSpot's UI."""
        return self.records.create(self._type(type_name), properties, source="CRM_UI")

    def modify(self, type_name: str, record_id: str, properties: Mapping[str, object]) -> Record:
        """Change a record as if edited in HubSpot's UI; webhooks fire with CRM_UI."""
        return self.records.update(self._type(type_name), record_id, properties, source="CRM_UI")

    def archive(self, type_name: str, record_id: str) -> Record:
        """Delete a record as if from HubSpot's UI."""
        return self.records.archive(self._type(type_name), record_id, source="CRM_UI")

    # -- internals ---------------------------------------------------------------------------

    @staticmethod
    def _type(type_name: str) -> str:
        resolved = object_type(type_name)
        if resolved is None:
            raise HubSpotError(400, "VALIDATION_ERROR", f"Unknown object type {type_name}")
        return resolved.name

    def _record_exists(self, object_type_id: str, record_id: str) -> bool:
        resolved = object_type(object_type_id)
        if resolved is None:
            return False
        try:
            self.records.get(resolved.name, record_id)
        except HubSpotError:
            return False
        return True

    def _on_change(self, changes: list[Change]) -> None:
        for change in changes:
            if change.kind == "deletion":
                # Archived records leave lists and associations, as in HubSpot's UI.
                self.lists.forget_record(OBJECT_TYPES[change.object_type].type_id, change.object_id)
                self.associations.remove_record(change.object_type, change.object_id)
        self.webhooks.publish(changes)
