"""The Salesforce connector: CRM objects in and out through simple-salesforce.

Sinks upsert by an external-id field through sObject Collections (`sinks.py`); streams read
incrementally by SystemModstamp with keyset SOQL (`streams.py`); `api.py` runs the SDK off the
event loop with the session, concurrency bound and daily-allocation reserve of the connection.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from connectors.salesforce.api import SalesforceApi
from connectors.salesforce.settings import SalesforceSettings, StreamOptions, UpsertSinkOptions
from connectors.salesforce.sinks import UpsertSink
from connectors.salesforce.streams import SoqlStream
from hub.connector import CheckResult, Connector
from hub.connector.http import CHECK_RETRY
from hub.errors import AuthError, ConfigError, HubError, QuotaExhaustedError, TransientError
from hub.http import retry_call

__all__ = ["SalesforceConnector"]

STREAMS = ("Lead", "Contact", "Account", "Campaign", "CampaignMember", "Opportunity")
SINKS = ("Lead", "Contact", "Account", "Campaign", "CampaignMember")


class SalesforceConnector(Connector[SalesforceSettings]):
    id: ClassVar[str] = "salesforce"
    settings_model = SalesforceSettings
    description = ("Salesforce CRM: leads, contacts, accounts, campaigns and members, "
                   "closed-won opportunities, custom objects")
    streams = dict.fromkeys(STREAMS, (SoqlStream, StreamOptions))
    # "*": any other object, custom ones (Lead_Interaction__c) included
    sinks = {**dict.fromkeys(SINKS, (UpsertSink, UpsertSinkOptions)),
             "*": (UpsertSink, UpsertSinkOptions)}
    sandbox: ClassVar[str | None] = "connectors.salesforce.sandbox"
    # A refused Collections call is nearly always the org (limits, an outage), not one batch.
    stop_after_failing_batches: ClassVar[int | None] = 3

    def __init__(self, settings: SalesforceSettings, *, name: str | None = None) -> None:
        super().__init__(settings, name=name)
        self._api: SalesforceApi | None = None
        self._described: dict[str, dict[str, Any]] = {}
        self._describing: tuple[asyncio.AbstractEventLoop, asyncio.Lock] | None = None

    @property
    def api(self) -> SalesforceApi:
        if self._api is None:
            self._api = SalesforceApi(self.settings)
        return self._api

    async def describe(self, sobject: str) -> dict[str, Any]:
        """The object's describe, asked once per connection; ConfigError when the org lacks it."""
        loop = asyncio.get_running_loop()
        if self._describing is None or self._describing[0] is not loop:
            self._describing = (loop, asyncio.Lock())
        async with self._describing[1]:  # batches written at once describe the object once
            return await self._describe(sobject)

    async def _describe(self, sobject: str) -> dict[str, Any]:
        if sobject not in self._described:
            try:
                found = await self.api.call(lambda sf: sf.restful(f"sobjects/{sobject}/describe"))
            except HubError as exc:
                if "NOT_FOUND" in str(exc) or "INVALID_TYPE" in str(exc):
                    raise ConfigError(f"the Salesforce org has no object {sobject!r}") from exc
                raise
            self._described[sobject] = dict(found or {})
        return self._described[sobject]

    async def check(self) -> CheckResult:
        """Sign in and read `/limits`, retried once; say what is wrong and what to do."""
        flow = self.settings.flow.replace("_", " ")
        try:
            limits = await retry_call(self.api.call, lambda sf: sf.limits(),
                                      policy=CHECK_RETRY, what=f"{self.name}: check")
        except AuthError as exc:
            return CheckResult(False, str(exc))
        except QuotaExhaustedError as exc:
            return CheckResult(False, f"the credentials work, but {exc}")
        except TransientError as exc:
            return CheckResult(False, f"{exc}. Check `login_url`/`instance_url` and the "
                               "network, or Salesforce's status (status.salesforce.com), then "
                               "try again.")
        except HubError as exc:
            return CheckResult(False, f"Salesforce refused the check: {exc}")
        daily = (limits or {}).get("DailyApiRequests") or {}
        sf = self.api.client()
        details = {"instance_url": f"https://{sf.sf_instance}", "auth": flow,
                   "api_version": self.settings.api_version,
                   "daily_remaining": daily.get("Remaining"), "daily_max": daily.get("Max")}
        left, most = daily.get("Remaining"), daily.get("Max")
        allocation = (f"; {left:,} of {most:,} daily API requests left"
                      if isinstance(left, int) and isinstance(most, int) else "")
        return CheckResult(True, f"Salesforce org at {sf.sf_instance} accepted the {flow} "
                           f"sign-in{allocation}", details)

    async def aclose(self) -> None:
        if self._api is not None:
            self._api.close()
            self._api = None
