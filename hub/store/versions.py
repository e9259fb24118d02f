"""When each field an inbound change set was changed at its vendor (`field_versions`), read
and written in the caller's transaction: the core's inbound path takes a vendor's change of a
field only if it is not older than the one applied last, however late it is delivered."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import sqlalchemy as sa

from hub.store import tables as t


class FieldVersions:
    """The versions of one tenant's records at one provider."""

    def __init__(self, conn: sa.Connection, tenant: str, provider: str) -> None:
        self.conn = conn
        self.tenant = tenant
        self.provider = provider

    def _record(self, object_type: str, external_id: str) -> sa.ColumnElement[bool]:
        v = t.field_versions.c
        return sa.and_(v.tenant == self.tenant, v.provider == self.provider,
                       v.object_type == object_type, v.external_id == external_id)

    def applied_at(self, object_type: str, external_id: str,
                   fields: Iterable[str]) -> dict[str, datetime]:
        """When the last applied change of each of `fields` occurred (fields never changed
        are absent). The rows stay locked until the transaction ends (PostgreSQL), so a
        concurrent delivery for the same fields waits and then sees what this one wrote."""
        v = t.field_versions.c
        rows = self.conn.execute(
            sa.select(v.field, v.applied_at)
            .where(self._record(object_type, external_id), v.field.in_(list(fields)))
            .with_for_update())
        return {row.field: row.applied_at for row in rows}

    def record(self, object_type: str, external_id: str,
               applied: Mapping[str, tuple[datetime, str]], known: Iterable[str]) -> None:
        """Store `field → (occurred_at, event_id)` of what was just applied; `known` are the
        fields `applied_at` found a version of (updated; the others are inserted, and a
        concurrent insert of the same field fails on the key)."""
        known = set(known)
        v = t.field_versions.c
        for name, (at, event_id) in applied.items():
            if name in known:
                self.conn.execute(
                    sa.update(t.field_versions)
                    .where(self._record(object_type, external_id), v.field == name)
                    .values(applied_at=at, event_id=event_id))
            else:
                self.conn.execute(t.field_versions.insert().values(
                    tenant=self.tenant, provider=self.provider, object_type=object_type,
                    external_id=external_id, field=name, applied_at=at, event_id=event_id))
