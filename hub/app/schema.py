"""The state store's schema: which revision it is at, and upgrading it; and one policy for a
store that cannot be used (a single line that names it)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from alembic.util.exc import CommandError

from hub.connector.failures import database_location, failure_reason
from hub.errors import HubError
from hub.store import StateStore
from hub.store.database import current_revision, head_revision

if TYPE_CHECKING:
    from hub.app.core import Hub


@contextmanager
def store_failures(url: str) -> Iterator[None]:
    """A state store that cannot be opened or migrated becomes one line naming it."""
    try:
        yield
    except (sa.exc.SQLAlchemyError, CommandError) as exc:
        raise HubError(f"cannot use the state store, {database_location(url)}: "
                       f"{failure_reason(exc, url)}") from exc


@dataclass(frozen=True)
class Upgrade:
    backend: str
    before: str | None
    after: str | None


class Schema:
    """Opens the store on its own, without upgrading it first (as `Hub.store` would)."""

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def upgrade(self) -> Upgrade:
        """Create or migrate the state store to the current schema."""
        url = self.hub.store_url()
        store = StateStore(url)
        try:
            with store_failures(url):
                before = current_revision(store.engine)
                store.upgrade()
                return Upgrade(store.backend, before, current_revision(store.engine))
        finally:
            store.close()

    def revisions(self) -> tuple[str | None, str | None]:
        """The store's schema revision (None: empty) and the newest one available."""
        url = self.hub.store_url()
        store = StateStore(url)
        try:
            with store_failures(url):
                current = current_revision(store.engine)
        finally:
            store.close()
        return current, head_revision()
