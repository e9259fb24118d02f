"""The HubSpot connector: CRM objects in and out, lists, associations, and signed webhooks.

Built on the kit's HttpConnector: settings, streams and sinks declared on the class, and
`check()` (a GET of one contact). Two ways reach HubSpot, each where it is the simpler:

- the kit's client (`request`/`send`) for searches, batch reads, upserts and associations:
  each is one JSON POST whose answer (a 207 too) is read by field name, where the SDK would
  build a tree of model objects per batch and run it in a thread;
- HubSpot's official SDK (`api.py`) for lists, custom properties and OAuth tokens: there the
  connector branches on the status of a refusal (a list or property missing, a name taken),
  which the SDK's exceptions keep and the kit's errors do not.

Both share the connection's limiter (the tier's pace, learnt from HubSpot's headers), policy
(the daily reset at the portal's midnight), `concurrency` bound and OAuth token keeper.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, ClassVar

import httpx

from connectors.hubspot.api import HubSpotApi, TokenAuth, TokenCallback
from connectors.hubspot.errors import hubspot_policy
from connectors.hubspot.lists import ListSink
from connectors.hubspot.properties import PropertyEnsurer, PropertyFile, load_properties
from connectors.hubspot.settings import (
    DEFAULT_PROPERTIES_FILE,
    HUBSPOT_API,
    AssociationSinkOptions,
    DealStreamOptions,
    HubSpotSettings,
    ListSinkOptions,
    ObjectSinkOptions,
    SearchStreamOptions,
)
from connectors.hubspot.sinks import AssociationSink, ObjectSink
from connectors.hubspot.streams import DealStream, SearchStream
from connectors.hubspot.webhooks import HubSpotWebhookVerifier, webhook_changes
from hub.connector import CheckResult, ClientOptions, HttpConnector
from hub.connector.inbound import FieldChange
from hub.http import BearerToken, Policy


class HubSpotConnector(HttpConnector[HubSpotSettings]):
    id: ClassVar[str] = "hubspot"
    settings_model = HubSpotSettings
    description = "HubSpot CRM: contacts, companies and closed-won deals; lists; webhooks"
    default_base_url: ClassVar[str] = HUBSPOT_API
    policy: ClassVar[Policy] = hubspot_policy()  # a connection's own reads its time zone
    check_path: ClassVar[str] = "/crm/v3/objects/contacts?limit=1"
    streams = {
        "contacts": (SearchStream, SearchStreamOptions),
        "companies": (SearchStream, SearchStreamOptions),
        "deals": (DealStream, DealStreamOptions),
    }
    sinks = {
        "contacts": (ObjectSink, ObjectSinkOptions),
        "companies": (ObjectSink, ObjectSinkOptions),
        "associations": (AssociationSink, AssociationSinkOptions),
        "lists": (ListSink, ListSinkOptions),
    }
    webhook_verifier_class = HubSpotWebhookVerifier
    # The local emulator `hub sandbox hubspot` runs; named, never imported, by the connector.
    sandbox: ClassVar[str | None] = "connectors.hubspot.sandbox"
    # HubSpot's batch endpoints now and then keep answering 5xx for one batch while the rest go
    # through (a record its side chokes on): dead-letter that batch and go on. An outage fails
    # every batch: three in a row stop the run, before the queue fills with a whole portal.
    stop_after_failing_batches: ClassVar[int | None] = 3

    def __init__(self, settings: HubSpotSettings, *, name: str | None = None,
                 on_token: TokenCallback | None = None) -> None:
        super().__init__(settings, name=name)
        self.on_token = on_token
        self._api: HubSpotApi | None = None
        self._ensurer: PropertyEnsurer | None = None
        self._declared: PropertyFile | None = None
        self._declared_loaded = False

    @property
    def api(self) -> HubSpotApi:
        if self._api is None:
            self._api = HubSpotApi(self.settings, connection=self.name, on_token=self.on_token)
        return self._api

    @property
    def declared_properties(self) -> PropertyFile | None:
        """The custom properties this connection writes (None when none are declared)."""
        if not self._declared_loaded:
            path = self.settings.properties_file
            if path is not None:
                self._declared = load_properties(path)
            elif DEFAULT_PROPERTIES_FILE.is_file():
                self._declared = load_properties(DEFAULT_PROPERTIES_FILE)
            self._declared_loaded = True
        return self._declared

    @property
    def ensurer(self) -> PropertyEnsurer:
        if self._ensurer is None:
            self._ensurer = PropertyEnsurer(self.api, self.declared_properties)
        return self._ensurer

    def auth(self) -> httpx.Auth:
        if self.api.tokens is not None:
            return TokenAuth(self.api.tokens)
        assert self.settings.access_token is not None  # the settings require one or the other
        return BearerToken(self.settings.access_token.get_secret_value())

    def client_options(self) -> ClientOptions:
        # The tier sets the pace and the portal's time zone the daily reset, so the kit's client
        # shares the SDK calls' limiter and policy rather than building its own from class data.
        return replace(super().client_options(), limiter=self.api.limiter,
                       policy=self.api.policy)

    def parse_webhook(self, payload: Any) -> list[FieldChange]:
        """The property changes of a verified delivery of HubSpot's webhooks."""
        return webhook_changes(payload)

    async def request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        async with self.api.gate():  # `concurrency` bounds the kit's calls and the SDK's alike
            return await super().request(method, path, **kwargs)

    async def send(self, method: str, path: str, body: Any) -> dict[str, Any]:
        """Send `body` as JSON; HubSpot's answer, read as JSON (a 207 too)."""
        answer = await self.request(method, path, json=body)
        found = answer.json() if answer.content else {}
        return found if isinstance(found, dict) else {}

    async def check(self) -> CheckResult:
        """The kit's check, saying which credential was accepted and what is left of the day."""
        result = await super().check()
        if not result.ok:
            return result
        how = "an OAuth refresh token" if self.settings.uses_oauth else "a private-app token"
        details: dict[str, Any] = {**result.details, "auth": how}
        if self.api.limiter.daily_remaining is not None:
            details["daily_remaining"] = self.api.limiter.daily_remaining
        return CheckResult(True, f"HubSpot at {self.base_url} accepted {how}", details)

    async def aclose(self) -> None:
        await super().aclose()
        if self._api is not None:
            self._api.close()
            self._api = None
