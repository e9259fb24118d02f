"""Inbound changes: a vendor's webhook events become updates of the hub's records, each event
applied once, and a two-way sync's conflicts settled field by field.

    inbound = InboundChanges(store, "hubspot", ConflictPolicy({"email": "hub"}),
                             apply=save, local=last_hub_changes)
    inbound.handle(connector.parse_webhook(payload))  # the vendor's events → FieldChanges

Vendors deliver at least once, in batches, possibly out of order. Each event id is claimed in
the store's `processed_events` (consumer `inbound:<provider>:<tenant>`) in the transaction
that applies what the event changed: a redelivery is dropped, also after a restart, and an
apply that fails leaves its events unclaimed, so the vendor's redelivery applies them. Of
several changes to one field in a delivery the latest wins; across deliveries too: the store's
`field_versions` keeps when each field's applied change occurred (written with the apply), and
an older change delivered later is claimed but changes nothing. Two deliveries of one event
at once (a retry while the first still runs) apply it once: the later claim fails on the key.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.exc import IntegrityError

from hub.connector.inbound import FieldChange
from hub.store import StateStore, Tx
from hub.store.versions import FieldVersions

__all__ = [
    "Apply",
    "Authority",
    "ConflictPolicy",
    "Decision",
    "FieldChange",
    "FieldValue",
    "InboundChanges",
    "InboundUpdate",
    "LocalChanges",
    "group_changes",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FieldValue:
    """A field's value on one side and when that side set it."""

    value: Any
    changed_at: datetime


@dataclass
class InboundUpdate:
    """What a vendor says changed on one record: the latest change of each field."""

    provider: str
    object_type: str
    external_id: str
    changes: dict[str, FieldChange] = field(default_factory=dict)
    event_ids: list[str] = field(default_factory=list)

    @property
    def values(self) -> dict[str, Any]:
        return {name: change.value for name, change in self.changes.items()}

    def emptied(self) -> InboundUpdate:
        """The same record and events, with no changes (to fill with those kept)."""
        return InboundUpdate(self.provider, self.object_type, self.external_id, {},
                             list(self.event_ids))

    @property
    def source(self) -> str | None:
        """What made the latest of the changes, when the vendor says."""
        latest = max(self.changes.values(), key=lambda c: c.occurred_at, default=None)
        return None if latest is None else latest.source


def group_changes(changes: Iterable[FieldChange]) -> list[InboundUpdate]:
    """Changes grouped by record, the latest change of each field kept (on a tie, the later
    one in the delivery)."""
    updates: dict[tuple[str, str, str], InboundUpdate] = {}
    for change in changes:
        update = updates.setdefault(
            (change.provider, change.object_type, change.external_id),
            InboundUpdate(change.provider, change.object_type, change.external_id))
        earlier = update.changes.get(change.field)
        if earlier is None or change.occurred_at >= earlier.occurred_at:
            update.changes[change.field] = change
        if change.event_id not in update.event_ids:
            update.event_ids.append(change.event_id)
    return list(updates.values())


class Authority(StrEnum):
    """Who decides a field in a two-way sync."""

    HUB = "hub"  # the hub is the source of truth: the vendor's changes are not taken
    VENDOR = "vendor"  # the vendor is the source of truth: its changes are always taken
    LATEST = "latest"  # whichever side changed the field last wins


@dataclass(frozen=True)
class Decision:
    take: bool
    reason: str


class ConflictPolicy:
    """Per-field rules for taking a vendor's changes; fields not named follow `default`."""

    def __init__(self, fields: Mapping[str, Authority | str] | None = None,
                 default: Authority | str = Authority.LATEST) -> None:
        self.fields = {name: Authority(rule) for name, rule in (fields or {}).items()}
        self.default = Authority(default)

    def decide(self, name: str, local: FieldValue | None, remote: FieldValue) -> Decision:
        """Should the vendor's change to `name` be taken, given the hub's last change to it?"""
        rule = self.fields.get(name, self.default)
        if rule is Authority.HUB:
            return Decision(False, f"{name}: the hub is its source of truth")
        if rule is Authority.VENDOR:
            return Decision(True, f"{name}: the vendor is its source of truth")
        if local is None:
            return Decision(True, f"{name}: the hub never changed it")
        if local.value == remote.value:
            return Decision(False, f"{name}: both sides agree")
        if remote.changed_at > local.changed_at:
            return Decision(True, f"{name}: the vendor changed it last")
        return Decision(False, f"{name}: the hub changed it last")

    def resolve(self, update: InboundUpdate,
                local: Mapping[str, FieldValue]) -> tuple[InboundUpdate, dict[str, str]]:
        """The part of `update` to take, and why each other field was kept."""
        taken = update.emptied()
        kept: dict[str, str] = {}
        for name, remote in update.changes.items():
            decision = self.decide(name, local.get(name),
                                   FieldValue(remote.value, remote.occurred_at))
            if decision.take:
                taken.changes[name] = remote
            else:
                kept[name] = decision.reason
        return taken, kept


#: the hub's last change of each field of the update's record, read in the claim's transaction
LocalChanges = Callable[[Tx, InboundUpdate], Mapping[str, FieldValue]]
#: writes what is taken, in the transaction that claims its events
Apply = Callable[[Tx, InboundUpdate], None]


class InboundChanges:
    """The inbound path of one vendor's webhooks into one tenant's store.

    `handle` takes the parsed changes of one delivery. Each record's changes are claimed and
    applied in a transaction of their own (records that share an event id in one), so a
    record whose apply fails does not hold back the others, and its events stay unclaimed.
    """

    def __init__(self, store: StateStore, provider: str, policy: ConflictPolicy, *,
                 apply: Apply, local: LocalChanges | None = None) -> None:
        self.store = store
        self.provider = provider
        self.policy = policy
        self.apply = apply
        self.local: LocalChanges = local or (lambda _tx, _update: {})
        self.consumer = f"inbound:{provider}:{store.tenant}"

    def handle(self, changes: Iterable[FieldChange]) -> list[InboundUpdate]:
        """Apply what the policy takes of the changes not handled before; returns it."""
        changes = list(changes)
        for change in changes:
            if change.provider != self.provider:
                raise ValueError(f"a change from {change.provider!r} given to the inbound "
                                 f"path of {self.provider!r}")
            if change.occurred_at.utcoffset() is None:
                raise ValueError(f"event {change.event_id!r}: occurred_at has no time zone "
                                 "(changes are ordered by it across deliveries)")
        applied: list[InboundUpdate] = []
        for unit in _transaction_units(changes):
            try:
                with self.store.transaction() as tx:
                    applied += self._claim_and_apply(tx, unit)
            except IntegrityError:
                # a concurrent delivery of the same events (the vendor gave up waiting on
                # this one and sent it again) claimed one first: now that it has committed,
                # its claims are seen and what it did not handle is applied
                with self.store.transaction() as tx:
                    applied += self._claim_and_apply(tx, unit)
        return applied

    def _claim_and_apply(self, tx: Tx, unit: Sequence[FieldChange]) -> list[InboundUpdate]:
        fresh: set[str] = set()
        for event_id in dict.fromkeys(change.event_id for change in unit):
            if tx.outbox.claim_event(self.consumer, event_id):
                fresh.add(event_id)
        if len(fresh) < len({change.event_id for change in unit}):
            log.debug("%s: dropped events handled before", self.consumer)
        applied = []
        versions = FieldVersions(tx.conn, self.store.tenant, self.provider)
        for update in group_changes(c for c in unit if c.event_id in fresh):
            known = versions.applied_at(update.object_type, update.external_id, update.changes)
            current = _not_older(update, known)
            taken, kept = self.policy.resolve(current, self.local(tx, current))
            for reason in kept.values():
                log.debug("%s %s/%s kept the hub's %s", self.consumer, update.object_type,
                          update.external_id, reason)
            if taken.changes:
                self.apply(tx, taken)
                versions.record(update.object_type, update.external_id, {
                    name: (change.occurred_at, change.event_id)
                    for name, change in taken.changes.items()}, known)
                applied.append(taken)
        return applied


def _not_older(update: InboundUpdate, applied_at: Mapping[str, datetime]) -> InboundUpdate:
    """The update without the changes older than the field's last applied one: an event the
    vendor delivered late is handled (claimed) but changes nothing."""
    current = update.emptied()
    for name, change in update.changes.items():
        last = applied_at.get(name)
        if last is not None and change.occurred_at < last:
            log.debug("%s %s/%s: event %s is older than the %s applied", update.provider,
                      update.object_type, update.external_id, change.event_id, name)
        else:
            current.changes[name] = change
    return current


def _transaction_units(changes: Sequence[FieldChange]) -> list[list[FieldChange]]:
    """The changes split by record; records sharing an event id stay together, since an event
    is claimed once and all it changed must commit with that claim."""
    parent: dict[tuple[str, ...], tuple[str, ...]] = {}

    def root(key: tuple[str, ...]) -> tuple[str, ...]:
        while parent.setdefault(key, key) != key:
            key = parent[key]
        return key

    def record(change: FieldChange) -> tuple[str, ...]:
        return ("record", change.object_type, change.external_id)

    for change in changes:
        parent[root(("event", change.event_id))] = root(record(change))
    units: dict[tuple[str, ...], list[FieldChange]] = {}
    for change in changes:
        units.setdefault(root(record(change)), []).append(change)
    return list(units.values())
