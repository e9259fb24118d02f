"""The send path for the front ends: previews, campaign sends, the send worker, the funnel.

    hub.messaging_app.preview("cart-reminder", "c-42")     # `hub templates preview`
    await hub.messaging_app.send_campaign("spring-sale")   # `hub campaigns send`
    await hub.messaging_app.send()                         # `hub send`: every channel's queue
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from hub.errors import ConfigError
from hub.model.people import Channel

if TYPE_CHECKING:
    from hub.app.core import Hub
    from hub.connector import Connector
    from hub.engine.inbound import InboundChanges
    from hub.messaging import Applied, MessagingSettings, SendFunnel, SendReport
    from hub.messaging.service import Messaging
    from hub.messaging.templates import Rendered


class MessagingApp:
    def __init__(self, hub: Hub, *, at: datetime | None = None) -> None:
        self.hub, self.at = hub, at

    @cached_property
    def settings(self) -> MessagingSettings:
        """hub.yaml's `messaging:` section, checked (located errors)."""
        from hub.messaging import messaging_from_config

        loaded = self.hub.config()
        return messaging_from_config(loaded.doc, loaded.config.messaging)

    @cached_property
    def service(self) -> Messaging:
        from hub.messaging.service import Messaging

        settings, at = self.settings, self.at
        clock = (lambda: at) if at is not None else (lambda: datetime.now(UTC))
        return Messaging(self.hub.store(), settings, tenant=self.hub.tenant, clock=clock,
                         templates_dir=self.hub.config().resolve(settings.templates))

    def preview(self, template: str, contact_id: str,
                variables: dict[str, Any] | None = None) -> Rendered:
        return self.service.preview(template, contact_id, variables)

    def queue_campaign(self, campaign_id: str, *, template: str | None = None) -> tuple[int, int]:
        """Queue a running campaign's intents and check them against their templates: (new
        intents, intents checked). A missing variable refuses the campaign's whole queue
        (reason `template`) and raises ConfigError naming template, line and variable."""
        from hub.marketing.campaigns.sends import campaign_intents

        campaign = self.hub.campaigns.get(self.hub.tenant, campaign_id)
        service = self.service
        with self.hub.store().engine.connect() as conn:
            intents = campaign_intents(conn, campaign, at=service.clock(), template=template)
        queued = service.enqueue(intents)
        try:
            checked = service.check(campaign_id)
        except ConfigError as refused:
            service.refuse_queued(campaign_id, "template", str(refused).splitlines()[0])
            raise
        return queued, checked

    async def send(self, channels: list[str] | None = None,
                   budget: int | None = None) -> dict[str, SendReport]:
        """Run the send worker for each channel with a sender (`messaging.senders`)."""
        settings = self.settings
        chosen = channels or [str(c) for c in settings.senders]
        if not chosen:
            raise ConfigError("no channel to send on: name a connection per channel under "
                              "`messaging.senders` in hub.yaml (e.g. email: resend)")
        unknown = [c for c in chosen if c not in Channel.__members__.values()]
        if unknown:
            raise ConfigError(f"unknown channel {unknown[0]!r} (channels: "
                              f"{', '.join(c.value for c in Channel)})")
        reports = {}
        for channel in chosen:
            name = settings.senders.get(Channel(channel))
            if name is None:
                raise ConfigError(f"no sender for {channel!r}: add it under "
                                  f"`messaging.senders` in hub.yaml")
            connector = self.hub.config().connector(name)
            try:
                sender = connector.sender()
                try:
                    worker = self.service.worker(sender, name)
                    reports[channel] = await worker.run(budget or settings.batch_budget)
                finally:
                    await sender.aclose()
            finally:
                await connector.aclose()
        return reports

    async def send_campaign(self, campaign_id: str, *, template: str | None = None,
                            budget: int | None = None) -> dict[str, SendReport]:
        self.queue_campaign(campaign_id, template=template)
        return await self.send(budget=budget)

    def delivery_handler(self, inbound: Mapping[str, InboundChanges] | None = None
                         ) -> Callable[[str, Any], Applied | None]:
        """The webhook handler for `hub.web.create_webhook_app`, by what each connection's
        connector offers: delivery callbacks (`parse_callback`: the senders' connections, and
        any other channel provider's) applied to the send path; field-change webhooks
        (`parse_webhook`) fed to that connection's inbound path, given in `inbound`."""
        from hub.messaging import Callbacks, delivery_handler

        loaded = self.hub.config()
        paths = inbound or {}
        parsers, changes = {}, {}
        for name in loaded.config.connections:
            connector = loaded.connector(name)
            if _offers(connector, "parse_callback"):
                parsers[name] = connector.parse_callback
            elif name in paths and _offers(connector, "parse_webhook"):
                changes[name] = connector.parse_webhook, paths[name]
        missing = set(self.settings.senders.values()) - set(parsers)
        if missing:
            raise ConfigError(f"connection {sorted(missing)[0]!r} sends messages but its "
                              "connector receives no delivery callbacks")
        unknown = set(paths) - set(changes)
        if unknown:
            raise ConfigError(f"connection {sorted(unknown)[0]!r} receives no field-change "
                              "webhooks (its connector has no `parse_webhook`)")
        return delivery_handler(Callbacks(self.hub.store(), tenant=self.hub.tenant), parsers,
                                changes)

    def funnel(self, campaign_id: str, *, window: timedelta | None = None) -> SendFunnel:
        """Its funnel; `window`: how long after a click an order converts (default 7 days)."""
        from hub.messaging import send_funnel

        with self.hub.store().engine.connect() as conn:
            if window is None:
                return send_funnel(conn, self.hub.tenant, campaign_id)
            return send_funnel(conn, self.hub.tenant, campaign_id, window=window)


def _offers(connector: Connector[Any], method: str) -> bool:
    """Does the connector's class implement `method` (the base's only refuses)?"""
    from hub.connector import Connector

    return getattr(type(connector), method) is not getattr(Connector, method)
