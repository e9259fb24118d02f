"""HubSpot's webhooks: signatures checked, property changes turned into inbound updates, and a
two-way sync's conflicts settled field by field.

    verifier = HubSpotWebhookVerifier(client_secret)      # on the raw body, before parsing
    inbound = InboundChanges(ConflictPolicy({"email": "hub", "lifecyclestage": "hubspot"}),
                             local=last_hub_changes, apply=save)
    inbound.handle(json.loads(body))

HubSpot delivers at least once and in batches, possibly out of order: events are dropped when
their `eventId` was seen already, and of several changes to one property the latest wins.
"""

from __future__ import annotations

import json
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from connectors.hubspot.signature import MAX_AGE_SECONDS, SignatureError, verify_v3
from hub.connector import WebhookVerifier
from hub.errors import ConfigError

__all__ = [
    "Authority",
    "ConflictPolicy",
    "Decision",
    "FieldChange",
    "HubSpotWebhookVerifier",
    "InboundChanges",
    "InboundUpdate",
    "SignatureError",
    "parse_events",
    "updates_from_events",
]

OBJECT_TYPES = {"contact": "contacts", "company": "companies", "deal": "deals"}


class HubSpotWebhookVerifier(WebhookVerifier):
    """X-HubSpot-Signature-v3 with the app's client secret; older than five minutes is refused."""

    def __init__(self, client_secret: str, *, max_age: float = MAX_AGE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self._secret = client_secret
        self._max_age = max_age
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Any) -> HubSpotWebhookVerifier:
        """The verifier of a connection: HubSpot signs an app's webhooks with its client secret."""
        if settings.client_secret is None:
            raise ConfigError("set the connection's `client_secret` (the app's client secret) "
                              "to verify HubSpot's webhooks")
        return cls(settings.client_secret.get_secret_value())

    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        lowered = {k.lower(): v for k, v in headers.items()}
        verify_v3(self._secret, method, url, body, lowered.get("x-hubspot-signature-v3"),
                  lowered.get("x-hubspot-request-timestamp"), now=self._clock(),
                  window=self._max_age)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_age={self._max_age:g})"


@dataclass(frozen=True)
class FieldChange:
    """A value of one field and when it was set."""

    value: str | None
    changed_at: datetime


@dataclass
class InboundUpdate:
    """What HubSpot says changed on one record: the latest value of each property."""

    object_type: str
    object_id: str
    changes: dict[str, FieldChange] = field(default_factory=dict)
    event_ids: list[int] = field(default_factory=list)
    source: str | None = None  # HubSpot's changeSource of the latest event (CRM_UI, API …)

    @property
    def values(self) -> dict[str, str | None]:
        return {name: change.value for name, change in self.changes.items()}


def parse_events(body: bytes | str) -> list[dict[str, Any]]:
    """HubSpot's event array from a (verified) body; ValueError when it is not one."""
    events = json.loads(body)
    if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
        raise ValueError("a HubSpot webhook body is a JSON array of event objects")
    return events


def updates_from_events(events: Iterable[Mapping[str, Any]]) -> list[InboundUpdate]:
    """Property-change events grouped by record, the latest change of each property kept."""
    updates: dict[tuple[str, str], InboundUpdate] = {}
    for event in events:
        kind, _, action = str(event.get("subscriptionType", "")).partition(".")
        object_type = OBJECT_TYPES.get(kind)
        if object_type is None or action != "propertyChange" or not event.get("propertyName"):
            continue
        object_id = str(event.get("objectId"))
        update = updates.setdefault((object_type, object_id),
                                    InboundUpdate(object_type, object_id))
        at = datetime.fromtimestamp(int(event.get("occurredAt", 0)) / 1000, UTC)
        name = str(event["propertyName"])
        value = event.get("propertyValue")
        earlier = update.changes.get(name)
        if earlier is None or at >= earlier.changed_at:
            update.changes[name] = FieldChange(None if value is None else str(value), at)
            update.source = event.get("changeSource", update.source)
        if isinstance(event.get("eventId"), int):
            update.event_ids.append(event["eventId"])
    return list(updates.values())


class Authority(StrEnum):
    """Who decides a field in a two-way sync."""

    HUB = "hub"  # the hub is the source of truth: HubSpot's changes are not taken
    HUBSPOT = "hubspot"  # HubSpot is the source of truth: its changes are always taken
    LATEST = "latest"  # whichever side changed the field last wins


@dataclass(frozen=True)
class Decision:
    take: bool
    reason: str


class ConflictPolicy:
    """Per-field rules for taking HubSpot's changes; fields not named follow `default`."""

    def __init__(self, fields: Mapping[str, Authority | str] | None = None,
                 default: Authority | str = Authority.LATEST) -> None:
        self.fields = {name: Authority(rule) for name, rule in (fields or {}).items()}
        self.default = Authority(default)

    def decide(self, name: str, local: FieldChange | None, remote: FieldChange) -> Decision:
        """Should HubSpot's change to `name` be taken, given the hub's last change to it?"""
        rule = self.fields.get(name, self.default)
        if rule is Authority.HUB:
            return Decision(False, f"{name}: the hub is its source of truth")
        if rule is Authority.HUBSPOT:
            return Decision(True, f"{name}: HubSpot is its source of truth")
        if local is None:
            return Decision(True, f"{name}: the hub never changed it")
        if local.value == remote.value:
            return Decision(False, f"{name}: both sides agree")
        if remote.changed_at > local.changed_at:
            return Decision(True, f"{name}: HubSpot changed it last")
        return Decision(False, f"{name}: the hub changed it last")

    def resolve(self, update: InboundUpdate,
                local: Mapping[str, FieldChange]) -> tuple[InboundUpdate, dict[str, str]]:
        """The part of `update` to take, and why each other field was kept."""
        taken = InboundUpdate(update.object_type, update.object_id, {}, list(update.event_ids),
                              update.source)
        kept: dict[str, str] = {}
        for name, remote in update.changes.items():
            decision = self.decide(name, local.get(name), remote)
            if decision.take:
                taken.changes[name] = remote
            else:
                kept[name] = decision.reason
        return taken, kept


LocalChanges = Callable[[str, str], Mapping[str, FieldChange]]
Apply = Callable[[InboundUpdate], None]


class InboundChanges:
    """The inbound path: verified events → updates → conflict policy → `apply`.

    `local(object_type, object_id)` gives the hub's last change of each field of a record;
    `apply` receives what is to be taken. Event ids already handled are dropped (HubSpot
    delivers at least once); the most recent `remember` of them are kept.
    """

    def __init__(self, policy: ConflictPolicy, *, apply: Apply,
                 local: LocalChanges | None = None, remember: int = 10_000) -> None:
        self.policy = policy
        self.apply = apply
        self.local = local or (lambda _type, _id: {})
        self._seen: set[int] = set()
        self._order: deque[int] = deque()
        self._remember = remember

    def handle(self, events: Iterable[Mapping[str, Any]]) -> list[InboundUpdate]:
        fresh = [e for e in events if not self._seen_before(e.get("eventId"))]
        taken: list[InboundUpdate] = []
        for update in updates_from_events(fresh):
            accepted, _kept = self.policy.resolve(
                update, self.local(update.object_type, update.object_id))
            if accepted.changes:
                self.apply(accepted)
                taken.append(accepted)
        return taken

    def _seen_before(self, event_id: Any) -> bool:
        if not isinstance(event_id, int):
            return False
        if event_id in self._seen:
            return True
        self._seen.add(event_id)
        self._order.append(event_id)
        if len(self._order) > self._remember:
            self._seen.discard(self._order.popleft())
        return False

