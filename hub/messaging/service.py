"""`Messaging`: the send path for one tenant, as the app, triggers and campaigns use it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from hub.connector.messaging import MessageSender
from hub.errors import ConfigError, Problem
from hub.http.retry import DEFAULT_RETRY, RetryPolicy
from hub.messaging.config import MessagingSettings
from hub.messaging.gate import read_contact
from hub.messaging.intents import Intent, enqueue
from hub.messaging.reserve import Reserver, refuse
from hub.messaging.templates import Rendered, Templates
from hub.messaging.unsubscribe import UnsubscribeLinks
from hub.messaging.worker import SendWorker
from hub.model.people import Channel
from hub.store import StateStore
from hub.store import tables as t


def _utcnow() -> datetime:
    return datetime.now(UTC)


class Messaging:
    def __init__(self, store: StateStore, settings: MessagingSettings, *, tenant: str,
                 templates_dir: Path, clock: Callable[[], datetime] = _utcnow) -> None:
        self.store, self.settings, self.tenant, self.clock = store, settings, tenant, clock
        self.templates = Templates(templates_dir)
        self.links = UnsubscribeLinks(settings.unsubscribe.url,
                                      settings.unsubscribe.secret.get_secret_value())

    def reserver(self, provider: str) -> Reserver:
        return Reserver(self.settings, self.templates, self.links, tenant=self.tenant,
                        provider=provider)

    def worker(self, sender: MessageSender, provider: str, *,
               retry: RetryPolicy = DEFAULT_RETRY) -> SendWorker:
        return SendWorker(self.store, self.reserver(provider), sender, clock=self.clock,
                          retry=retry)

    def enqueue(self, intents: Iterable[Intent]) -> int:
        with self.store.transaction() as tx:
            return enqueue(tx.conn, self.tenant, intents, self.clock())

    def check(self, campaign_id: str | None = None) -> int:
        """Check every queued intent (of one campaign) against its template before anything is
        sent: ConfigError naming template file, line and variable for each one missing.
        Returns how many intents were checked."""
        m = t.messages.c
        reserver = self.reserver("check")
        problems: dict[str, Problem] = {}
        query = sa.select(t.messages).where(m.tenant == self.tenant, m.status == "queued")
        if campaign_id is not None:
            query = query.where(m.campaign_id == campaign_id)
        checked = 0
        with self.store.engine.connect() as conn:
            for row in conn.execute(query.order_by(m.created_at, m.id)):
                intent = dict(row._mapping)
                contact = read_contact(conn, self.tenant, intent["contact_id"])
                if contact is None:
                    continue  # the gate refuses it: nothing to render
                checked += 1
                template = self.templates.get(intent["template"])
                found = template.check(reserver.data(intent, contact))
                if intent["channel"] == Channel.EMAIL:
                    found += template.check_unsubscribe()
                problems.update({str(p): p for p in found})
        if problems:
            what = f"campaign {campaign_id!r}" if campaign_id else "the queued messages"
            raise ConfigError(f"{what} refused before any send: its templates use variables "
                              f"the messages do not have", list(problems.values()))
        return checked

    def refuse_queued(self, campaign_id: str, reason: str, detail: str) -> int:
        """Refuse a campaign's queued intents (its check failed): nothing of it is sent."""
        m = t.messages.c
        now = self.clock()
        with self.store.transaction() as tx:
            rows = tx.conn.execute(sa.select(t.messages).where(
                m.tenant == self.tenant, m.campaign_id == campaign_id,
                m.status == "queued")).all()
            for row in rows:
                refuse(tx.conn, self.tenant, dict(row._mapping), reason, detail, now)
        return len(rows)

    def preview(self, template: str, contact_id: str,
                variables: dict[str, Any] | None = None) -> Rendered:
        """Render a template for a real contact (nothing is sent or recorded)."""
        with self.store.engine.connect() as conn:
            contact = read_contact(conn, self.tenant, contact_id)
        if contact is None:
            raise ConfigError(f"no contact {contact_id!r} in tenant {self.tenant!r}")
        intent = {"id": "preview", "channel": "email", "campaign_id": None, "variant": None,
                  "variables": variables or {}}
        data = self.reserver("preview").data(intent, contact)
        self.templates.check(template, data)
        return self.templates.get(template).render(data)

