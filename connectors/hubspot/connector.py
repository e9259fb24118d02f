"""The HubSpot connector: CRM objects in and out, lists, associations, and signed webhooks."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar

from connectors.hubspot.api import HubSpotApi, TokenCallback
from connectors.hubspot.lists import ListSink
from connectors.hubspot.properties import PropertyEnsurer, PropertyFile, load_properties
from connectors.hubspot.settings import (
    DEFAULT_PROPERTIES_FILE,
    AssociationSinkOptions,
    DealStreamOptions,
    HubSpotSettings,
    ListSinkOptions,
    ObjectSinkOptions,
    SearchStreamOptions,
)
from connectors.hubspot.sinks import AssociationSink, ObjectSink
from connectors.hubspot.streams import DealStream, SearchStream
from connectors.hubspot.webhooks import HubSpotWebhookVerifier
from hub.connector import CheckResult, Connector, Sink, Stream
from hub.errors import (
    AuthError,
    ConfigError,
    HubError,
    QuotaExhaustedError,
    RecordError,
    TransientError,
)
from hub.http import RetryPolicy, retry_call

# `hub check` should answer in seconds, not wait out a full retry schedule.
CHECK_RETRY = RetryPolicy(attempts=2, max_wait=5.0, base_wait=0.2)


class HubSpotConnector(Connector[HubSpotSettings]):
    id: ClassVar[str] = "hubspot"
    settings_model = HubSpotSettings
    description = "HubSpot CRM: contacts, companies and closed-won deals; lists; webhooks"
    stream_names: ClassVar[tuple[str, ...]] = ("contacts", "companies", "deals")
    sink_names: ClassVar[tuple[str, ...]] = ("contacts", "companies", "associations", "lists")
    # HubSpot's batch endpoints now and then keep answering 5xx for one batch while the rest go
    # through (a record its side chokes on): dead-letter that batch and go on. An outage fails
    # every batch: three in a row stop the run, before the queue fills with a whole portal.
    stop_after_failing_batches: ClassVar[int | None] = 3
    # The local emulator `hub sandbox hubspot` runs; named, never imported, by the connector.
    sandbox: ClassVar[str | None] = "connectors.hubspot.sandbox"

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

    def stream(self, name: str, options: Mapping[str, Any] | None = None) -> Stream:
        custom = self.ensurer.names(name) if name in self.stream_names else []
        if name in ("contacts", "companies"):
            return SearchStream(self.api, name, SearchStreamOptions.model_validate(
                dict(options or {})), custom)
        if name == "deals":
            return DealStream(self.api, DealStreamOptions.model_validate(dict(options or {})),
                              custom)
        raise ConfigError(f"HubSpot has no stream {name!r} (streams: "
                          f"{', '.join(self.stream_names)})")

    def sink(self, name: str, options: Mapping[str, Any] | None = None) -> Sink:
        raw = dict(options or {})
        if name in ("contacts", "companies"):
            return ObjectSink(self.api, name, ObjectSinkOptions.model_validate(raw), self.ensurer)
        if name == "associations":
            return AssociationSink(self.api, AssociationSinkOptions.model_validate(raw))
        if name == "lists":
            return ListSink(self.api, ListSinkOptions.model_validate(raw))
        raise ConfigError(f"HubSpot has no sink {name!r} (sinks: {', '.join(self.sink_names)})")

    def webhook_verifier(self) -> HubSpotWebhookVerifier:
        """Checks the X-HubSpot-Signature-v3 of the app's webhooks with its client secret."""
        if self.settings.client_secret is None:
            raise ConfigError(f"connection {self.name!r}: set `client_secret` (the app's client "
                              "secret) to verify HubSpot's webhooks")
        return HubSpotWebhookVerifier(self.settings.client_secret.get_secret_value())

    async def check(self) -> CheckResult:
        url = self.settings.api_url
        how = "an OAuth refresh token" if self.settings.uses_oauth else "a private-app token"
        try:
            await retry_call(functools.partial(self.api.call, "objects.basic", "get_page",
                                               "contacts", limit=1),
                             policy=CHECK_RETRY, what=f"{self.name}: check")
        except AuthError as exc:
            return CheckResult(False, str(exc))
        except QuotaExhaustedError as exc:
            return CheckResult(False, f"the credentials work, but {exc}")
        except TransientError as exc:
            return CheckResult(False, f"cannot reach HubSpot at {url}: {exc}. Check `base_url`, "
                               "the network and status.hubspot.com, then try again.")
        except RecordError as exc:
            return CheckResult(False, f"HubSpot at {url} answered unexpectedly: {exc}. Is "
                               "`base_url` HubSpot's API (https://api.hubapi.com)?")
        except HubError as exc:
            return CheckResult(False, f"HubSpot at {url} refused the check: {exc}")
        remaining = self.api.limiter.daily_remaining
        details: dict[str, Any] = {"base_url": url, "auth": how,
                                   "rate_limit": str(self.api.limiter.rate)}
        if remaining is not None:
            details["daily_remaining"] = remaining
        return CheckResult(True, f"HubSpot at {url} accepted {how}", details)

    async def aclose(self) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None
